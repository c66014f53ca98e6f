import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * The one home of "as the application would": every package tracelog looks for on the app's
 * behalf (optional packages such as `@tracelog/queue-instrumentation` and `bullmq`, the app's copy
 * of `@opentelemetry/api`) is found from these folders, with Node's CommonJS resolution. They are
 * the entry script's folder, then the working directory: our own `node_modules` is the wrong
 * place to look.
 */
export function appResolutionBases(): string[] {
  const entry = process.argv[1];
  return entry ? [dirname(resolve(entry)), process.cwd()] : [process.cwd()];
}

/** The entry file of `name` as the application would resolve it, or undefined when not found. */
export function resolveFromApp(name: string, bases = appResolutionBases()): string | undefined {
  for (const base of bases) {
    try {
      return createRequire(join(base, 'index.js')).resolve(name);
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** Loads `name` as the application would, or undefined when it cannot be found or loaded. */
export function requireFromApp(name: string): unknown {
  const entry = resolveFromApp(name);
  if (!entry) return undefined;
  try {
    return createRequire(entry)(entry);
  } catch {
    return undefined;
  }
}

/** The installed package `name` as the application would resolve it: its folder and version. */
export function resolvePackageFromApp(
  name: string,
  bases = appResolutionBases(),
): { directory: string; version: string } | undefined {
  for (const base of bases) {
    const entry = resolveFromApp(name, [base]);
    if (!entry) continue;
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
