import { readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** The app's own package.json: where it is, and the `name` and `version` it declares. */
export interface PackageIdentity {
  path: string;
  name: string;
  version: string | undefined;
}

/**
 * The nearest package.json with a `name`, from the entry script's folder upwards, as Elastic's and
 * Datadog's Node agents find the service name. An entry script inside `node_modules` is a tool
 * (a test runner, a process manager), not the app: its package.json would name the tool, so
 * nothing is taken from it. Unreadable or malformed files are skipped.
 */
export function findPackageIdentity(entry: string | undefined): PackageIdentity | undefined {
  if (!entry) return undefined;
  const script = resolve(entry);
  if (script.split(sep).includes('node_modules')) return undefined;
  let dir = dirname(script);
  for (;;) {
    const path = join(dir, 'package.json');
    const found = read(path);
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function read(path: string): PackageIdentity | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const { name, version } = (json ?? {}) as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || name.trim() === '') return undefined;
  return { path, name, version: typeof version === 'string' && version ? version : undefined };
}
