import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/**
 * The one bundle-size recipe, used by the browser SDK's size budget test and by
 * bench/browser-size (which runs this file directly with Node's type stripping, so it imports
 * nothing but Node and esbuild): esbuild bundle + minify, ESM, browser platform, es2020,
 * `process.env.NODE_ENV` = "production", gzip level 9. `@tracelog/browser` and `@tracelog/core`
 * are bundled from their sources. `external` leaves packages out, as an app's bundler leaves out
 * what the app itself depends on (React for the error boundary).
 */
export interface BundleSize {
  /** Minified bytes. */
  minified: number;
  /** Minified and gzipped bytes. */
  gzipped: number;
}

const source = (pkg: string) =>
  fileURLToPath(new URL(`../../${pkg}/src/index.ts`, import.meta.url));

export async function bundleSize(
  entry: string,
  { external = [] }: { external?: string[] } = {},
): Promise<BundleSize> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: { '@tracelog/browser': source('browser'), '@tracelog/core': source('core') },
    external,
  });
  const code = out.outputFiles[0]!.contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}
