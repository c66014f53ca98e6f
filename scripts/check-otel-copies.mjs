// Fails when the install holds two versions of one @opentelemetry package. Two copies of
// @opentelemetry/api (or of sdk core) split the global registries, and telemetry then goes
// silently nowhere — the most common way OpenTelemetry JS setups lose data.
// Usage: node scripts/check-otel-copies.mjs [node_modules folder, default: the workspace's] [--json]
// With --json it prints every copy's version per package instead of checking: the install matrix
// (test/e2e/install-matrix.test.ts) counts an npm user's copies that way.
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every installed copy of every `@opentelemetry/*` package under a node_modules folder, npm's
 * nested layout or pnpm's `.pnpm` store alike: package name → the version of each copy. Symbolic
 * links are not followed, so a pnpm package linked into many places counts once.
 * @param {string} nodeModules
 * @returns {Map<string, string[]>}
 */
function otelCopies(nodeModules) {
  const copies = new Map();
  const isDir = (path) => existsSync(path) && lstatSync(path).isDirectory();
  const visitPackage = (dir, name) => {
    if (!isDir(dir)) return;
    if (name.startsWith('@opentelemetry/') && existsSync(join(dir, 'package.json'))) {
      const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      copies.set(name, [...(copies.get(name) ?? []), version]);
    }
    walk(join(dir, 'node_modules'));
  };
  const walk = (folder) => {
    if (!isDir(folder)) return;
    for (const entry of readdirSync(folder)) {
      const path = join(folder, entry);
      if (entry === '.pnpm') {
        for (const id of readdirSync(path)) walk(join(path, id, 'node_modules'));
      } else if (entry.startsWith('@') && isDir(path)) {
        for (const child of readdirSync(path)) visitPackage(join(path, child), `${entry}/${child}`);
      } else if (!entry.startsWith('.')) {
        visitPackage(path, entry);
      }
    }
  };
  walk(nodeModules);
  return copies;
}

const args = process.argv.slice(2);
const folder =
  args.find((arg) => arg !== '--json') ?? join(import.meta.dirname, '..', 'node_modules');
const copies = otelCopies(folder);
if (args.includes('--json')) {
  console.log(JSON.stringify(Object.fromEntries(copies)));
} else {
  const duplicated = [...copies].filter(([, versions]) => new Set(versions).size > 1);
  for (const [name, versions] of duplicated) {
    const distinct = [...new Set(versions)];
    console.error(`${name} is installed in ${distinct.length} versions: ${distinct.join(', ')}`);
  }
  if (duplicated.length > 0) process.exit(1);
  console.log(`@opentelemetry packages: ${copies.size}, one version each`);
}
