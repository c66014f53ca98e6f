import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from './support/receiver.js';

// These run the built package in real child processes, as an app would (npm test builds first).
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const receiver = new OtlpReceiver();
const work = mkdtempSync(join(tmpdir(), 'tracelog-process-'));

beforeAll(async () => {
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  rmSync(work, { recursive: true, force: true });
});

function run(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; line: Promise<string>; stderr: () => string } {
  const child = spawn(process.execPath, args, {
    cwd: fixtures,
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      TRACELOG_CONSOLE: 'off',
      TRACELOG_SPOOL_DIR: join(work, 'spool'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
    process.stderr.write(chunk);
  });
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(out.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  return { child, line, stderr: () => errors };
}

const exit = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe.each([
  ['ESM', 'server.mjs', 'fixture.esm'],
  ['CommonJS', 'server.cjs', 'fixture.cjs'],
])('--import @tracelog/node/register in a %s app', (_kind, file, scope) => {
  it('traces incoming requests and correlates the handler log with the server span', async () => {
    const marker = `register-${file}`;
    const { child, line, stderr } = run(['--import', '@tracelog/node/register', file], {
      OTEL_SERVICE_NAME: `svc-${file.replace('.', '-')}`,
      MARKER: marker,
    });
    const port = Number(await line);
    const response = await fetch(`http://127.0.0.1:${port}/orders`);
    const correlationId = response.headers.get('traceresponse')?.split('-')[1];
    expect(correlationId).toMatch(/^[0-9a-f]{32}$/);
    const exited = exit(child);
    child.kill('SIGTERM');
    const { signal } = await exited;
    expect(signal).toBe('SIGTERM'); // re-raised after the flush: the process ends as it would have
    await receiver.waitFor(() => receiver.logs.some((l) => l.attributes.marker === marker));
    const log = receiver.logs.find((l) => l.attributes.marker === marker)!;
    expect(log.scope).toBe(scope);
    expect(log.traceId).toBe(correlationId);
    await receiver.waitFor(() =>
      receiver.spans.some((s) => s.traceId === correlationId && s.kind === 2),
    );
    // The loader hook wraps only what it must: nothing it cannot wrap (BullMQ's ESM build, which
    // the queue instrumentation loads) is reported to the app's stderr.
    expect(stderr()).not.toContain('failed to wrap');
  });
});

describe('SIGTERM', () => {
  it('flushes every buffered record before the process exits', async () => {
    const count = 3000;
    const { child, line } = run(['burst-then-signal.mjs'], { COUNT: String(count) });
    expect(await line).toBe('ready');
    const exited = exit(child);
    child.kill('SIGTERM');
    const { signal } = await exited;
    expect(signal).toBe('SIGTERM');
    // Everything was sent before the process ended: no waiting after exit.
    const seqs = new Set(
      receiver.logs.filter((l) => l.scope === 'fixture.signal').map((l) => l.attributes.seq),
    );
    expect(seqs.size).toBe(count);
  });
});
