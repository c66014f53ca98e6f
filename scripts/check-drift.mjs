#!/usr/bin/env node
// Fails when a committed generated file is not what its generator makes of the sources today:
// the redaction rules (from the pinned gitleaks release), the dashboards, rules and Alertmanager
// configuration (from dashboards/src), and the agent tier's collector configuration (from
// collector/config.yaml). Each generator's own --check names the stale files and the command that
// regenerates them; this runs them all, so one stale generator does not hide another.
// Usage: node scripts/check-drift.mjs   (`pnpm run check` runs it; it needs no server)
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

const GENERATORS = [
  'scripts/redaction/generate.mjs',
  'dashboards/src/build.ts',
  'deploy/collector/render.mjs',
];

/** Runs one generator's --check; resolves with its failure output, or undefined when current. */
function check(generator) {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [generator, '--check'],
      { cwd: root, encoding: 'utf8' },
      (error, stdout, stderr) =>
        resolve(
          error ? `${generator} --check failed:\n${stderr || stdout || error.message}` : undefined,
        ),
    );
  });
}

// The redaction generator compiles gitleaks' patterns, whose inline modifiers ((?i:…)) need
// Node 24; the dashboards' build is TypeScript, run as is.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `check-drift: the generators need Node 24 or newer, this is ${process.version}; ` +
      'run: bash scripts/tools.sh --node 24 pnpm run check\n',
  );
  process.exit(1);
}

const failures = (await Promise.all(GENERATORS.map(check))).filter(Boolean);
if (failures.length > 0) {
  process.stderr.write(`${failures.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`generated files: up to date (${GENERATORS.join(', ')})\n`);
