import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * This module's own URL. Unbundled it names this very file; a bundler that emits ESM replaces it
 * with the bundle's URL, and one that emits CommonJS leaves `import.meta` empty.
 */
const here = (import.meta as { url?: string }).url;

/** Whether tracelog runs from inside an application bundle (esbuild, webpack, Rollup …). */
export const bundled = !here || !/\/internal\/bundle\.[cm]?[jt]s$/.test(here);

/**
 * A `require` for Node's builtin modules that also works in a CommonJS bundle, where there is no
 * `import.meta.url` to create one from: builtins resolve the same from any folder.
 */
export const builtinRequire = createRequire(here ?? join(process.cwd(), 'index.js'));
