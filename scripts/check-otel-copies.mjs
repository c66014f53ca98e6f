// Fails when the install holds two versions of one @opentelemetry package. Two copies of
// @opentelemetry/api (or of sdk core) split the global registries, and telemetry then goes
// silently nowhere — the most common way OpenTelemetry JS setups lose data.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const store = join(import.meta.dirname, '..', 'node_modules', '.pnpm');
const versions = new Map();
for (const entry of existsSync(store) ? readdirSync(store) : []) {
  const match = /^@opentelemetry\+([^@]+)@([^_]+)/.exec(entry);
  if (!match) continue;
  const [, name, version] = match;
  const manifest = join(store, entry, 'node_modules', '@opentelemetry', name, 'package.json');
  if (!existsSync(manifest)) continue;
  const seen = versions.get(name) ?? new Set();
  seen.add(JSON.parse(readFileSync(manifest, 'utf8')).version ?? version);
  versions.set(name, seen);
}
const duplicated = [...versions].filter(([, v]) => v.size > 1);
if (duplicated.length > 0) {
  for (const [name, v] of duplicated) {
    console.error(
      `@opentelemetry/${name} is installed in ${v.size} versions: ${[...v].join(', ')}`,
    );
  }
  process.exit(1);
}
console.log(`@opentelemetry packages: ${versions.size}, one version each`);
