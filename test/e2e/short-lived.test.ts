import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { quote, removeWorkDirs, useStack, waitFor, workDir } from '../support/stack.js';

// A one-shot script (cron job, CLI, batch task) must deliver every record it emitted before its
// process ends: when the event loop simply empties, and when it is stopped by SIGTERM. Delivered
// means stored through our collector build (logs in VictoriaLogs, spans in Jaeger), or written to
// the local file by default.
const fixture = new URL('./fixtures/one-shot.mjs', import.meta.url).pathname;
const LOGS = 5; // import started, task.start, task.step, task.success, import finished
const SPANS = 1; // the task's span

// Registered first, so it runs last (vitest runs afterAll hooks in reverse).
afterAll(() => removeWorkDirs());
const stack = useStack();

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the script in `cwd` to its end; with `signal`, sends it once the records are emitted. */
function runScript(
  cwd: string,
  env: Record<string, string>,
  signal?: NodeJS.Signals,
): Promise<Run> {
  // Only the endpoint given here counts: none means the embedded default, the local file.
  const inherited = { ...process.env };
  delete inherited.OTEL_EXPORTER_OTLP_ENDPOINT;
  const child = spawn(process.execPath, [fixture], {
    cwd,
    env: { ...inherited, ...env, ...(signal && { WAIT: '1' }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    if (signal && chunk.toString().includes('emitted')) child.kill(signal);
  });
  return new Promise((resolve) =>
    child.once('exit', (code, sig) => resolve({ code, signal: sig, stderr })),
  );
}

describe.each([
  ['the event loop empties', undefined],
  ['it is stopped by SIGTERM', 'SIGTERM' as const],
])('a one-shot script whose process ends because %s', (_how, signal) => {
  it('delivers every record to the collector before it exits', async () => {
    const run = `oneshot-${signal ?? 'natural'}-${Date.now()}`;
    const dir = workDir('oneshot');
    const result = await runScript(
      dir,
      {
        RUN: run,
        OTEL_SERVICE_NAME: 'nightly-import',
        OTEL_EXPORTER_OTLP_ENDPOINT: stack.collector.url,
        TRACELOG_SPOOL_DIR: join(dir, 'spool'),
      },
      signal,
    );
    expect(result.signal ?? result.code).toBe(signal ?? 0);
    expect(result.stderr).not.toMatch(/dropped/);
    // Nothing was left in the spool for a next start that may never come: it reached the
    // collector, which stores it.
    const stored = await waitFor(
      async () => {
        const [logs, spans] = await Promise.all([
          stack.logs.count(`run:=${quote(run)}`),
          stack.traces
            .traces('nightly-import', { tags: JSON.stringify({ run }) })
            .then((spans) => spans.filter((s) => s.tags.run === run).length),
        ]);
        return logs >= LOGS && spans >= SPANS ? { logs, spans } : undefined;
      },
      60_000,
      `the one-shot run ${run} in VictoriaLogs and Jaeger`,
    );
    expect(stored).toEqual({ logs: LOGS, spans: SPANS });
  });

  it('writes every record to the local file when no endpoint is set', async () => {
    const run = `oneshot-file-${signal ?? 'natural'}-${Date.now()}`;
    const dir = workDir('oneshot');
    const result = await runScript(dir, { RUN: run, OTEL_SERVICE_NAME: 'nightly-import' }, signal);
    expect(result.signal ?? result.code).toBe(signal ?? 0);
    expect(result.stderr).not.toMatch(/dropped/);
    const requests = readFileSync(join(dir, '.tracelog/telemetry.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as OtlpJson);
    const logs = requests.flatMap((r) =>
      (r.resourceLogs ?? []).flatMap((rl) => rl.scopeLogs.flatMap((s) => s.logRecords)),
    );
    const spans = requests.flatMap((r) =>
      (r.resourceSpans ?? []).flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)),
    );
    const ofRun = (items: Array<{ attributes?: OtlpAttribute[] }>) =>
      items.filter((item) =>
        item.attributes?.some((a) => a.key === 'run' && a.value.stringValue === run),
      ).length;
    expect({ logs: ofRun(logs), spans: ofRun(spans) }).toEqual({ logs: LOGS, spans: SPANS });
  });
});

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string };
}
interface OtlpJson {
  resourceLogs?: Array<{
    scopeLogs: Array<{ logRecords: Array<{ attributes?: OtlpAttribute[] }> }>;
  }>;
  resourceSpans?: Array<{ scopeSpans: Array<{ spans: Array<{ attributes?: OtlpAttribute[] }> }> }>;
}
