import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpTarget } from '../../src/export/http-target.js';
import { BACKOFF } from '../../src/internal/backoff.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A collector that answers every request with `answer`, recording each content type. */
async function collector(answer: (res: ServerResponse) => void) {
  const contentTypes: string[] = [];
  const server = createServer((req, res) => {
    contentTypes.push(String(req.headers['content-type']));
    req.resume();
    req.on('end', () => answer(res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/v1/traces`, contentTypes };
}

const target = (url: string) => new HttpTarget({ url, headers: {}, timeoutMs: 5_000 });

describe('HttpTarget', () => {
  it('tries a failing collector as often as the export row of BACKOFF says, leaving the rest to its channel', async () => {
    const { url, contentTypes } = await collector((res) => res.writeHead(503).end('overloaded'));
    const result = await target(url).send(new Uint8Array([1, 2]), 2, 'protobuf');
    expect(result).toMatchObject({ outcome: 'retry', reason: 'HTTP 503: overloaded' });
    expect(contentTypes).toEqual(
      Array.from({ length: BACKOFF.export.attempts }, () => 'application/x-protobuf'),
    );
  });

  it('passes the Retry-After the collector asked for on to its channel', async () => {
    const { url } = await collector((res) => res.writeHead(429, { 'retry-after': '3' }).end());
    expect(await target(url).send(new Uint8Array([1]), 1, 'protobuf')).toEqual({
      outcome: 'retry',
      reason: 'HTTP 429',
      retryAfterMs: 3_000,
    });
  });

  it('reports a refusal as reject and a 2xx as ok', async () => {
    const refused = await collector((res) => res.writeHead(413).end());
    expect(await target(refused.url).send(new Uint8Array([1]), 1, 'json')).toEqual({
      outcome: 'reject',
      reason: 'HTTP 413',
    });
    expect(refused.contentTypes).toEqual(['application/json']);
    const taken = await collector((res) => res.writeHead(200).end());
    expect(await target(taken.url).send(new Uint8Array([1]), 1, 'json')).toEqual({ outcome: 'ok' });
  });
});
