import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The built package in a child process (npm test builds first). For a terminal, the child runs
// under `script` (util-linux), which gives it a real pseudo-terminal as stdout.
const fixture = new URL('../fixtures/console-lines.mjs', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-console-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ESC = '\x1b[';
const stripAnsi = (text: string) =>
  text.replace(new RegExp(`${ESC.replace('[', '\\[')}[0-9;]*m`, 'g'), '');

let runs = 0;
const fileOf = (n: number) => join(work, `telemetry-${n}.jsonl`);

function run(env: Record<string, string>, tty: boolean): Promise<string> {
  runs++;
  const node = `${JSON.stringify(process.execPath)} ${JSON.stringify(fixture)}`;
  const [command, args] = tty
    ? ['script', ['-qec', node, '/dev/null']]
    : [process.execPath, [fixture]];
  const base: Record<string, string | undefined> = { ...process.env };
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  delete base.TRACELOG_CONSOLE;
  const child = spawn(command, args as string[], {
    cwd: work,
    env: {
      ...base,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      TRACELOG_FILE: fileOf(runs),
      TRACELOG_SPOOL: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(out.replace(/\r\n/g, '\n')) : reject(new Error(`exit ${code}: ${out}`)),
    ),
  );
}

const TIME = String.raw`\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]`;

/** The pretty lines, colours removed, as a reader sees them. */
function expectPrettyShape(text: string) {
  const lines = stripAnsi(text).split('\n');
  expect(lines[0]).toMatch(
    new RegExp(
      `^${TIME} ℹ️  INFO  \\[orders\\.api\\] order placed \\| order\\.id=o-17 qty=3 note="two words"$`,
    ),
  );
  expect(lines[1]).toMatch(
    new RegExp(
      `^${TIME} ❌ ERROR \\[orders\\.api\\] order rejected \\| exception\\.type=RangeError exception\\.message="quantity out of range"`,
    ),
  );
  // The stack, indented under its record.
  expect(lines[2]).toBe('    RangeError: quantity out of range');
  expect(lines[3]).toMatch(/^ {8}at .*console-lines\.mjs:\d+:\d+\)?$/);
  const warn = lines.find((l) => l.includes('quote feed stale'));
  expect(warn).toMatch(new RegExp(`^${TIME} ⚠️  WARN  \\[settlement\\] quote feed stale$`));
}

describe('console output', () => {
  it('piped: one JSON object per line with time, level, service, component, message and data; no colour codes', async () => {
    const out = await run({}, false);
    expect(out).not.toContain(ESC);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(3);
    const [info, error, warn] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(Object.keys(info!)).toEqual([
      'time',
      'level',
      'service',
      'component',
      'message',
      'order.id',
      'qty',
      'note',
    ]);
    expect(info).toMatchObject({
      level: 'info',
      service: 'console-fixture',
      component: 'orders.api',
      message: 'order placed',
      'order.id': 'o-17',
      qty: 3,
    });
    expect(String(info!.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(error).toMatchObject({
      level: 'error',
      message: 'order rejected',
      'exception.type': 'RangeError',
      'exception.message': 'quantity out of range',
    });
    expect(String(error!['exception.stacktrace'])).toContain('console-lines.mjs');
    // No endpoint: the same records are also in the local file, one OTLP/JSON request per line.
    const bodies = readFileSync(fileOf(runs), 'utf8')
      .trim()
      .split('\n')
      .flatMap((line) => {
        const request = JSON.parse(line) as {
          resourceLogs?: Array<{
            scopeLogs: Array<{ logRecords: Array<{ body: { stringValue: string } }> }>;
          }>;
        };
        return (request.resourceLogs ?? []).flatMap((rl) =>
          rl.scopeLogs.flatMap((sl) => sl.logRecords.map((r) => r.body.stringValue)),
        );
      });
    expect(bodies.sort()).toEqual(['order placed', 'order rejected', 'quote feed stale']);
    expect(warn).toMatchObject({
      level: 'warn',
      component: 'settlement',
      message: 'quote feed stale',
    });
  });

  it('piped with TRACELOG_CONSOLE=pretty: the human lines, without colour codes', async () => {
    const out = await run({ TRACELOG_CONSOLE: 'pretty' }, false);
    expect(out).not.toContain(ESC);
    expectPrettyShape(out);
  });

  it('on a terminal: the human lines by default, coloured by level', async () => {
    const out = await run({}, true);
    expectPrettyShape(out);
    expect(out).toContain(`${ESC}36mINFO ${ESC}0m`); // cyan
    expect(out).toContain(`${ESC}31mERROR${ESC}0m`); // red
    expect(out).toContain(`${ESC}33mWARN ${ESC}0m`); // yellow
    expect(out).toContain(`${ESC}35m[orders.api]${ESC}0m`);
  });

  it('on a terminal with NO_COLOR: the same lines, no colour codes', async () => {
    const out = await run({ NO_COLOR: '1' }, true);
    expect(out).not.toContain(ESC);
    expectPrettyShape(out);
  });
});
