import { mkdirSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  exit,
  fixtures,
  receiver,
  run,
  runToEnd,
  useChildApps,
  work,
} from '../fixtures/child-apps.js';

useChildApps();

describe('OTEL_* variables', () => {
  it('OTEL_SDK_DISABLED=true patches nothing and sends nothing', async () => {
    const marker = `disabled-${Date.now()}`;
    const before = receiver.requests.length;
    const { child, line, stderr } = run(['--import', '@tracelog/node/register', 'server.mjs'], {
      OTEL_SDK_DISABLED: 'true',
      MARKER: marker,
    });
    const port = Number(await line);
    const response = await fetch(`http://127.0.0.1:${port}/orders`);
    expect(response.headers.get('traceresponse')).toBeNull(); // node:http was not patched
    const exited = exit(child);
    child.kill('SIGTERM');
    await exited;
    expect(receiver.requests.length).toBe(before);
    expect(stderr()).toContain('OTEL_SDK_DISABLED');
  });

  it('an unsampled trace exports no span, and its logs still carry the trace id', async () => {
    const marker = `unsampled-${Date.now()}`;
    await runToEnd(['one-span.mjs'], { OTEL_TRACES_SAMPLER: 'always_off', MARKER: marker });
    const log = receiver.logs.find((l) => l.attributes.marker === marker);
    expect(log?.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(receiver.spans.some((s) => s.traceId === log!.traceId)).toBe(false);
  });

  it('parentbased_traceidratio with ratio 1 keeps the trace; a bad ratio is reported', async () => {
    const marker = `ratio-${Date.now()}`;
    const stderr = await runToEnd(['one-span.mjs'], {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1.5',
      MARKER: marker,
    });
    expect(stderr).toContain('OTEL_TRACES_SAMPLER_ARG=1.5 must be a ratio from 0 to 1; using 1');
    const log = receiver.logs.find((l) => l.attributes.marker === marker);
    expect(receiver.spans.some((s) => s.traceId === log?.traceId && s.name === 'work')).toBe(true);
  });

  it('per-signal endpoints without a base endpoint send to the collector, not the local file', async () => {
    const marker = `per-signal-${Date.now()}`;
    const cwd = join(work, marker);
    mkdirSync(cwd);
    const { child, line } = run(
      [join(fixtures, 'one-span.mjs')],
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${receiver.url}/v1/logs`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        MARKER: marker,
      },
      cwd,
    );
    line.catch(() => undefined);
    expect((await exit(child)).code).toBe(0);
    const log = receiver.logs.find((l) => l.attributes.marker === marker);
    expect(receiver.spans.some((s) => s.traceId === log?.traceId)).toBe(true);
    expect(existsSync(join(cwd, '.tracelog'))).toBe(false);
  });

  it('OTEL_PROPAGATORS=none sends no trace context; unknown names are reported', async () => {
    const seen: Array<string | undefined> = [];
    const callee = createServer((req, res) => {
      seen.push(req.headers.traceparent as string | undefined);
      res.end('ok');
    });
    await new Promise<void>((resolve) => callee.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(callee.address() as AddressInfo).port}/`;
    try {
      await runToEnd(['one-span.mjs'], { OTEL_PROPAGATORS: 'none', CALL_URL: url });
      const stderr = await runToEnd(['one-span.mjs'], {
        OTEL_PROPAGATORS: 'b3,tracecontext',
        CALL_URL: url,
      });
      expect(stderr).toContain('OTEL_PROPAGATORS: b3 is not supported');
      expect(seen[0]).toBeUndefined();
      expect(seen[1]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      callee.close();
    }
  });
});
