import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { getLogger, withContext } from '@tracelog/node';
import { DEFAULT_HTTP_HEADERS } from '../../src/config/defaults.js';
import { useSdk } from '../fixtures/sdk.js';

const { receiver, flush } = useSdk({
  instrumentations: {
    http: {
      correlationHeader: 'x-correlation-id',
      // Recorded on purpose, so the test can prove the value is masked rather than left out.
      headers: [...DEFAULT_HTTP_HEADERS, 'authorization'],
    },
  },
});

describe('HTTP', () => {
  it('traces requests, logs one http.request record, and returns the correlation id', async () => {
    const server = createServer((req, res) => {
      void withContext({ 'user.id': 'trader-1' }, () => {
        getLogger('api').info('handling', { marker: 'http' });
        res.writeHead(req.url?.startsWith('/fail') ? 503 : 200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
        request({ port, path, headers, host: '127.0.0.1' }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        })
          .on('error', reject)
          .end();
      });
    const ok = await get('/orders/7?symbol=ACME', {
      'user-agent': 'tests',
      authorization: 'Bearer abc.def.ghi',
    });
    await get('/fail');
    await get('/health');
    server.close();

    const correlationId = String(ok.headers['x-correlation-id']);
    expect(correlationId).toMatch(/^[0-9a-f]{32}$/);
    expect(String(ok.headers.traceresponse)).toMatch(
      new RegExp(`^00-${correlationId}-[0-9a-f]{16}-01$`),
    );

    await flush();
    await receiver.waitFor(
      () => receiver.logs.filter((l) => l.eventName === EVENT.HTTP_REQUEST).length >= 2,
    );
    const events = receiver.logs.filter((l) => l.eventName === EVENT.HTTP_REQUEST);
    expect(events.map((e) => e.attributes[ATTR.URL_PATH])).not.toContain('/health');
    const first = events.find((e) => e.traceId === correlationId)!;
    expect(first.attributes).toMatchObject({
      [ATTR.HTTP_REQUEST_METHOD]: 'GET',
      [ATTR.URL_PATH]: '/orders/7',
      [ATTR.HTTP_RESPONSE_STATUS_CODE]: 200,
      'http.request.header.user-agent': 'tests',
      'user.id': 'trader-1',
    });
    // Recorded, because the app asked for it, and masked whole: the token never leaves.
    expect(first.attributes['http.request.header.authorization']).toBe('[REDACTED]');
    expect(JSON.stringify(receiver.logs)).not.toContain('abc.def.ghi');
    expect(typeof first.attributes[ATTR.HTTP_DURATION_MS]).toBe('number');
    const failed = events.find((e) => e.attributes[ATTR.URL_PATH] === '/fail')!;
    expect(failed.severityText).toBe('ERROR');
    const handlerLog = receiver.logs.find((l) => l.attributes.marker === 'http')!;
    expect(handlerLog.traceId).toBe(correlationId);
    await receiver.waitFor(() =>
      receiver.spans.some((s) => s.traceId === correlationId && s.kind === 2),
    );
    expect(receiver.spans.some((s) => s.attributes[ATTR.URL_PATH] === '/health')).toBe(false);
  });
});
