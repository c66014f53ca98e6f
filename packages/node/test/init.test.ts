import { Server } from 'node:http';
import { trace } from '@opentelemetry/api';
import type { ProxyTracerProvider } from '@opentelemetry/api';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { init } from '@tracelog/node';
import { isHttpServerPatched } from '../src/instrumentations/http-server.js';
import { takenSdkSlots } from '../src/internal/api-global.js';
import { exit, receiver, run, useChildApps } from './fixtures/child-apps.js';

useChildApps();

const options = {
  endpoint: 'http://127.0.0.1:9',
  console: false as const,
  spool: false as const,
  handleSignals: false,
  instrumentations: { runtime: false },
};

afterEach(() => {
  trace.disable();
  vi.restoreAllMocks();
});

describe('init() after another SDK registered global providers', () => {
  it('refuses with one message and installs nothing; once the other SDK is gone, init() starts', async () => {
    const theirs = new TracerProvider();
    trace.setGlobalTracerProvider(theirs);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);

    const refused = init(options);
    const lines = stderr.mock.calls.map(([chunk]) => String(chunk));
    expect(lines).toEqual([
      expect.stringContaining(
        'tracelog: another OpenTelemetry SDK registered the global trace before init(), so tracelog did not start',
      ),
    ]);
    expect(refused.destination).toBe('none (another OpenTelemetry SDK registered trace first)');
    // Nothing of ours was registered or patched: the other SDK's provider is still the global one.
    expect((trace.getTracerProvider() as ProxyTracerProvider).getDelegate()).toBe(theirs);
    expect(takenSdkSlots()).toEqual(['trace']);
    expect(isHttpServerPatched(Server.prototype.emit)).toBe(false);
    await refused.shutdown();

    trace.disable();
    const started = init(options);
    expect(started.destination).toBe(options.endpoint);
    expect(takenSdkSlots()).toEqual(['trace', 'context', 'propagation', 'logs', 'metrics']);
    expect(isHttpServerPatched(Server.prototype.emit)).toBe(true);
    await started.shutdown();
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
