import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT, RESOURCE } from '@tracelog/core';
import { createRelay } from '../../src/relay/relay.js';
import type { Relay, RelayOptions } from '../../src/relay/types.js';
import { startOtlpReceiver } from '@tracelog/test-utils';
import type { OtlpReceiver } from '@tracelog/test-utils';

let upstream: OtlpReceiver;
const servers: Server[] = [];

beforeAll(async () => {
  upstream = await startOtlpReceiver();
});
afterAll(async () => {
  await upstream.stop();
});
afterEach(async () => {
  upstream.failWith(undefined);
  upstream.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(options: Partial<RelayOptions> = {}): Promise<{ url: string; relay: Relay }> {
  const relay = createRelay({
    collectorEndpoint: upstream.url,
    services: ['trading-ui'],
    ...options,
  });
  const server = createServer((req, res) => void relay.handler(req, res));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, relay };
}

function logsBody(service = 'trading-ui', attributes: unknown[] = [], body = 'order placed') {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [{ key: RESOURCE.SERVICE_NAME as string, value: { stringValue: service } }],
        },
        scopeLogs: [
          {
            scope: { name: 'orders.panel' },
            logRecords: [
              {
                timeUnixNano: '1763000000000000000',
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: body },
                eventName: EVENT.BROWSER_CONSOLE,
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                attributes,
              },
            ],
          },
        ],
      },
    ],
  };
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('relay', () => {
  it('forwards logs tagged tracelog.source=frontend, redacted again', async () => {
    const { url, relay } = await serve();
    const res = await post(
      `${url}/otlp/v1/logs`,
      logsBody(
        'trading-ui',
        [
          { key: 'password', value: { stringValue: 'hunter2' } },
          { key: 'card', value: { intValue: '4111111111111111' } },
          {
            key: 'nested',
            value: {
              kvlistValue: { values: [{ key: 'apiKey', value: { stringValue: 'abc123' } }] },
            },
          },
          { key: ATTR.USER_ID, value: { stringValue: 'u-42' } },
        ],
        'login with Bearer abcdefghijklmnop',
      ),
    );
    expect(res.status).toBe(200);
    expect(upstream.logs).toHaveLength(1);
    const log = upstream.logs[0]!;
    expect(log.resource[ATTR.SOURCE]).toBe('frontend');
    expect(log.resource[RESOURCE.SERVICE_NAME]).toBe('trading-ui');
    expect(log.scope).toBe('orders.panel');
    expect(log.eventName).toBe(EVENT.BROWSER_CONSOLE);
    expect(log.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(log.attributes.password).toBe('[REDACTED]');
    expect(log.attributes.card).toMatch(/REDACTED/);
    expect(log.attributes.nested).toEqual({ apiKey: '[REDACTED]' });
    expect(log.attributes[ATTR.USER_ID]).toBe('u-42');
    expect(String(log.body)).not.toContain('abcdefghijklmnop');
    expect(relay.stats.forwarded).toBe(1);
    expect(relay.stats.items).toBe(1);
  });

  it('overrides a source the browser claimed', async () => {
    const { url } = await serve();
    const body = logsBody();
    body.resourceLogs[0]!.resource.attributes.push({
      key: ATTR.SOURCE,
      value: { stringValue: 'backend' },
    });
    expect((await post(`${url}/otlp/v1/logs`, body)).status).toBe(200);
    expect(upstream.logs[0]!.resource[ATTR.SOURCE]).toBe('frontend');
  });

  it('forwards spans and checks their ids', async () => {
    const { url } = await serve();
    const span = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      name: 'GET',
      kind: 3,
      startTimeUnixNano: '1763000000000000000',
      endTimeUnixNano: '1763000000100000000',
      attributes: [{ key: 'url.full', value: { stringValue: 'https://x.test/a?token=s3cr3t' } }],
      status: { code: 2, message: 'failed with password=hunter2' },
    };
    const body = (s: unknown) => ({
      resourceSpans: [
        {
          resource: {
            attributes: [{ key: RESOURCE.SERVICE_NAME, value: { stringValue: 'trading-ui' } }],
          },
          scopeSpans: [{ scope: { name: 'tracelog.browser' }, spans: [s] }],
        },
      ],
    });
    expect((await post(`${url}/otlp/v1/traces`, body(span))).status).toBe(200);
    expect(upstream.spans).toHaveLength(1);
    expect(upstream.spans[0]!.kind).toBe(3);
    expect(upstream.spans[0]!.resource[ATTR.SOURCE]).toBe('frontend');
    expect(upstream.spans[0]!.attributes['url.full']).not.toContain('s3cr3t');
    expect(upstream.spans[0]!.status.message).not.toContain('hunter2');

    const bad = await post(`${url}/otlp/v1/traces`, body({ ...span, traceId: 'xyz' }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe(
      'resourceSpans[0].scopeSpans[0].spans[0].traceId must be 32 hex digits',
    );
    expect(upstream.spans).toHaveLength(1);
  });

  it('answers 401 and 403 from the authenticate hook, and 401 when it throws', async () => {
    const { url, relay } = await serve({
      authenticate: (req) => {
        const token = req.headers['x-csrf-token'];
        if (token === 'boom') throw new Error('hook failed');
        if (token === 'other-user') return 'forbidden';
        return Promise.resolve(token === 'ok');
      },
    });
    expect((await post(`${url}/otlp/v1/logs`, logsBody())).status).toBe(401);
    expect((await post(`${url}/otlp/v1/logs`, logsBody(), { 'x-csrf-token': 'boom' })).status).toBe(
      401,
    );
    expect(
      (await post(`${url}/otlp/v1/logs`, logsBody(), { 'x-csrf-token': 'other-user' })).status,
    ).toBe(403);
    expect(upstream.logs).toHaveLength(0);
    expect((await post(`${url}/otlp/v1/logs`, logsBody(), { 'x-csrf-token': 'ok' })).status).toBe(
      200,
    );
    expect(upstream.logs).toHaveLength(1);
    expect(relay.stats.unauthorized).toBe(3);
  });

  it('answers 413 for a declared oversize body without reading it', async () => {
    const { url } = await serve({ maxBodyBytes: 1024 });
    const res = await post(`${url}/otlp/v1/logs`, logsBody('trading-ui', [], 'x'.repeat(5000)));
    expect(res.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });

  it('stops reading a chunked body once it passes the limit', async () => {
    const { url, relay } = await serve({ maxBodyBytes: 1024 });
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${url}/otlp/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      // Keeps writing: the answer must come while the client is still sending.
      let sent = 0;
      const tick = setInterval(() => {
        if (req.destroyed || sent > 2_000_000) return clearInterval(tick);
        req.write('x'.repeat(512));
        sent += 512;
      }, 1);
      req.on('response', () => {
        clearInterval(tick);
        req.destroy();
      });
    });
    expect(status).toBe(413);
    expect(relay.stats.tooLarge).toBe(1);
    expect(upstream.requests).toHaveLength(0);
  });

  it('rate-limits per client with 429 and Retry-After', async () => {
    const { url, relay } = await serve({ rateLimit: { perSecond: 0.5, burst: 2 } });
    const statuses: number[] = [];
    let retry: string | null = null;
    for (let i = 0; i < 4; i++) {
      const res = await post(`${url}/otlp/v1/logs`, logsBody());
      statuses.push(res.status);
      if (res.status === 429) retry = res.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(retry).toBe('2');
    expect(relay.stats.rateLimited).toBe(2);
    // Another client has its own bucket.
    const other = await serve({
      rateLimit: { perSecond: 0.5, burst: 1 },
      clientKey: (req) => String(req.headers['x-client']),
    });
    expect((await post(`${other.url}/otlp/v1/logs`, logsBody(), { 'x-client': 'a' })).status).toBe(
      200,
    );
    expect((await post(`${other.url}/otlp/v1/logs`, logsBody(), { 'x-client': 'a' })).status).toBe(
      429,
    );
    expect((await post(`${other.url}/otlp/v1/logs`, logsBody(), { 'x-client': 'b' })).status).toBe(
      200,
    );
  });

  it('answers 400 with a clear message for malformed JSON and wrong shapes, 415 for other types', async () => {
    const { url } = await serve();
    const malformed = await post(`${url}/otlp/v1/logs`, '{"resourceLogs": [');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toMatch(/^malformed JSON/);

    const shape = await post(`${url}/otlp/v1/logs`, {
      resourceLogs: [{ scopeLogs: [{ logRecords: {} }] }],
    });
    expect(shape.status).toBe(400);
    expect(((await shape.json()) as { error: string }).error).toBe(
      'resourceLogs[0].scopeLogs[0].logRecords must be an array',
    );

    const severity = logsBody();
    (
      severity.resourceLogs[0]!.scopeLogs[0]!.logRecords[0] as { severityNumber: unknown }
    ).severityNumber = 'INFO';
    const sev = await post(`${url}/otlp/v1/logs`, severity);
    expect(sev.status).toBe(400);
    expect(((await sev.json()) as { error: string }).error).toContain(
      'severityNumber must be an integer',
    );

    const text = await post(`${url}/otlp/v1/logs`, JSON.stringify(logsBody()), {
      'content-type': 'text/plain',
    });
    expect(text.status).toBe(415);
    expect(upstream.requests).toHaveLength(0);
    expect((await post(`${url}/elsewhere`, logsBody())).status).toBe(404);
  });

  it('refuses records claiming another service: 403 when all do, partial success when some do', async () => {
    const { url, relay } = await serve();
    const foreign = await post(`${url}/otlp/v1/logs`, logsBody('orders-api'));
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: string }).error).toContain('"orders-api"');
    expect(upstream.logs).toHaveLength(0);

    const mixed = logsBody('trading-ui');
    mixed.resourceLogs.push(logsBody('orders-api').resourceLogs[0]!);
    const res = await post(`${url}/otlp/v1/logs`, mixed);
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      partialSuccess: { rejectedLogRecords: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedLogRecords).toBe('1');
    expect(answer.partialSuccess.errorMessage).toContain('orders-api');
    expect(upstream.logs.map((l) => l.resource[RESOURCE.SERVICE_NAME])).toEqual(['trading-ui']);
    expect(relay.stats.refusedResources).toBe(2);
  });

  it('answers 503 with Retry-After while the collector is down or refusing, and forwards once it is back', async () => {
    const { url, relay } = await serve({ attempts: 2 });
    upstream.failWith(503, { 'retry-after': '7' });
    const busy = await post(`${url}/otlp/v1/logs`, logsBody());
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('7');

    await upstream.down();
    const down = await post(`${url}/otlp/v1/logs`, logsBody());
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('10');
    expect(relay.stats.upstreamUnavailable).toBe(2);

    await upstream.up();
    upstream.failWith(undefined);
    expect((await post(`${url}/otlp/v1/logs`, logsBody())).status).toBe(200);
    expect(upstream.logs).toHaveLength(1);
  });

  it('retries a collector hiccup within the request', async () => {
    const { url } = await serve({ attempts: 3 });
    upstream.failWith(502);
    setTimeout(() => upstream.failWith(undefined), 150);
    expect((await post(`${url}/otlp/v1/logs`, logsBody())).status).toBe(200);
    expect(upstream.logs).toHaveLength(1);
  });

  it('refuses an incomplete configuration at creation', () => {
    expect(() => createRelay({ collectorEndpoint: upstream.url, services: [] })).toThrow(
      /services/,
    );
  });
});
