import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ATTR } from '@tracelog/core';

// The built package in a child process, as an app runs it (npm test builds first).
const fixtures = new URL('../fixtures/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-filters-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [join(fixtures, 'filters.mjs')], {
    cwd: work,
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      TRACELOG_CONSOLE: 'json',
      TRACELOG_FILE: join(work, 'telemetry.jsonl'),
      TRACELOG_SPOOL: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, out, err })));
}

describe('dedupe and rate limit, switched on', () => {
  it('reports suppressed repeats as one record with the count, spends no tokens on them, and lets errors through the rate limit', async () => {
    const { code, out, err } = await run({ TRACELOG_DEDUPE_WINDOW: '300ms', WAIT_MS: '1000' });
    expect(code).toBe(0);
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const summary = lines.map((l) =>
      l.marker
        ? '--- after the window'
        : `${String(l.level)} ${String(l.message)}${l[ATTR.REPEAT_COUNT] === undefined ? '' : ` ×${String(l[ATTR.REPEAT_COUNT])}`}`,
    );
    expect(summary).toEqual([
      'warn quote feed stale',
      'info order 0 placed',
      'info order 1 placed',
      'info order 2 placed',
      'error order 99 rejected',
      // Reported by the window's timer, while the process waits, not only at exit.
      'warn quote feed stale ×19',
      '--- after the window',
      'error still stale',
      // The window still open at shutdown is reported then.
      'error still stale ×2',
    ]);
    const report = lines.find((l) => l[ATTR.REPEAT_COUNT] === 19)!;
    expect(report).toMatchObject({
      component: 'quotes.feed',
      service: 'filters-fixture',
      [ATTR.DEDUPE_WINDOW_MS]: 300,
    });
    // The key ignores attributes: the report does not claim the first record's order id.
    expect(report['order.id']).toBeUndefined();
    expect(lines[0]!['order.id']).toBe('o-0');
    expect(err).toContain('dropped 1 telemetry record(s): log rate limit reached');
  });
});
