import { describe, expect, it } from 'vitest';
import { exit, receiver, run, useChildApps } from './fixtures/child-apps.js';

useChildApps();

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
