import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * The folders a package is resolved from as the application would: the entry script's folder,
 * then the working directory. Our own `node_modules` is the wrong place to look for the app's
 * optional packages and for its copy of `@opentelemetry/api`.
 */
export function appResolutionBases(): string[] {
  const entry = process.argv[1];
  return entry ? [dirname(resolve(entry)), process.cwd()] : [process.cwd()];
}

/** Loads `name` as the application would, or undefined when it cannot be found. */
export function requireFromApp(name: string): unknown {
  for (const base of appResolutionBases()) {
    try {
      return createRequire(join(base, 'index.js'))(name);
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** The installed package `name` as the application would resolve it: its folder and version. */
export function resolvePackageFromApp(
  name: string,
  bases = appResolutionBases(),
): { directory: string; version: string } | undefined {
  for (const base of bases) {
    let entry: string;
    try {
      entry = createRequire(join(base, 'index.js')).resolve(name);
    } catch {
      continue;
    }
    // Packages may not export their package.json: walk up from the resolved entry file instead.
    for (let dir = dirname(entry); dirname(dir) !== dir; dir = dirname(dir)) {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: unknown;
          version?: unknown;
        };
        if (manifest.name === name && typeof manifest.version === 'string') {
          return { directory: dir, version: manifest.version };
        }
      } catch {
        // no package.json at this level
      }
    }
  }
  return undefined;
}
