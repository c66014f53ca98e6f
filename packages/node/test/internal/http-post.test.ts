import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKOFF } from '../../src/internal/backoff.js';
import { HttpPoster } from '../../src/internal/http-post.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A collector stand-in: `answer` handles the n-th request (0-based); bodies are recorded. */
async function collector(
  answer: (res: ServerResponse, n: number, req: IncomingMessage) => void,
): Promise<{ url: URL; bodies: string[] }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString());
      answer(res, bodies.length - 1, req);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: new URL(`http://127.0.0.1:${port}/v1/logs`), bodies };
}

const relayPoster = () =>
  new HttpPoster({ headers: { authorization: 'Bearer t' }, backoff: BACKOFF.relay });

describe('HttpPoster', () => {
  it('retries a 503 after the Retry-After the collector asked for, then reports ok', async () => {
    const { url, bodies } = await collector((res, n) => {
      if (n === 0) res.writeHead(503, { 'retry-after': '0' }).end('busy');
      else res.writeHead(200).end('{}');
    });
    const answer = await relayPoster().post({
      url,
      body: 'payload',
      contentType: 'application/json',
      timeoutMs: 5_000,
    });
    expect(answer).toMatchObject({ outcome: 'ok', status: 200, body: '{}' });
    expect(bodies).toEqual(['payload', 'payload']);
  });

  it('hands a Retry-After longer than its row allows back instead of waiting it out', async () => {
    const { url, bodies } = await collector((res) =>
      res.writeHead(429, { 'retry-after': '120' }).end(),
    );
    const answer = await relayPoster().post({
      url,
      body: 'payload',
      contentType: 'application/json',
      timeoutMs: 5_000,
    });
    expect(answer).toMatchObject({ outcome: 'retry', status: 429, retryAfterMs: 120_000 });
    expect(bodies).toHaveLength(1);
  });

  it('does not retry a 400, and keeps its body and the headers it was given', async () => {
    let seen: IncomingMessage | undefined;
    const { url, bodies } = await collector((res, _n, req) => {
      seen = req;
      res.writeHead(400).end('bad field');
    });
    const answer = await relayPoster().post({
      url,
      body: 'payload',
      contentType: 'application/json',
      timeoutMs: 5_000,
    });
    expect(answer).toMatchObject({ outcome: 'reject', status: 400, body: 'bad field' });
    expect(answer.reason).toBe('HTTP 400: bad field');
    expect(bodies).toHaveLength(1);
    expect(seen?.headers).toMatchObject({
      authorization: 'Bearer t',
      'content-type': 'application/json',
    });
  });

  it('aborts a try the collector does not answer within the timeout', async () => {
    let closedOnCollector: Promise<unknown> | undefined;
    const { url } = await collector((res) => {
      // Never answered: the poster has to give up on its own and drop the connection.
      closedOnCollector = new Promise((resolve) => res.on('close', resolve));
    });
    const poster = new HttpPoster({ headers: {}, backoff: BACKOFF.export });
    const answer = await poster.post({
      url,
      body: 'payload',
      contentType: 'application/x-protobuf',
      timeoutMs: 100,
    });
    expect(answer).toMatchObject({ outcome: 'retry', status: 0 });
    expect(answer.reason).toContain('no answer within 100 ms');
    await closedOnCollector;
  });

  it('tries a collector that drops the connection as many times as its row says', async () => {
    const { url, bodies } = await collector((_res, _n, req) => req.socket.destroy());
    const poster = new HttpPoster({
      headers: {},
      backoff: { ...BACKOFF.relay, initialMs: 1, maxMs: 2, attempts: 3 },
    });
    const answer = await poster.post({
      url,
      body: 'x',
      contentType: 'application/json',
      timeoutMs: 1_000,
    });
    expect(answer).toMatchObject({ outcome: 'retry', status: 0 });
    expect(bodies).toHaveLength(3);
  });
});
