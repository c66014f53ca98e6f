import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RESOURCE } from '@tracelog/core';
import { BACKOFF } from '../../src/internal/backoff.js';
import { createForwarder } from '../../src/relay/forward.js';
import { createRelay } from '../../src/relay/relay.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A collector that answers the n-th request (0-based) with `answer`, recording each path. */
async function collector(answer: (res: ServerResponse, n: number) => void) {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => answer(res, paths.length - 1));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/`, paths };
}

const logs = JSON.stringify({
  resourceLogs: [
    {
      resource: {
        attributes: [{ key: RESOURCE.SERVICE_NAME as string, value: { stringValue: 'web' } }],
      },
      scopeLogs: [{ scope: { name: 'ui' }, logRecords: [{ body: { stringValue: 'hi' } }] }],
    },
  ],
});

describe('createForwarder', () => {
  it("posts to the signal's path and retries a hiccup within the request", async () => {
    const { url, paths } = await collector((res, n) =>
      n === 0 ? res.writeHead(502).end() : res.writeHead(200).end('{}'),
    );
    const forward = createForwarder(url, {}, 2, 5_000);
    expect(await forward('traces', '{}')).toMatchObject({ outcome: 'ok', body: '{}' });
    expect(paths).toEqual(['/v1/traces', '/v1/traces']);
  });

  it('by default tries the collector as often as the relay row of BACKOFF says, then answers 503', async () => {
    const { url, paths } = await collector((res) => res.writeHead(503).end());
    const relay = createRelay({ collectorEndpoint: url, services: ['web'], rateLimit: false });
    const server = createServer((req, res) => void relay.handler(req, res));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/otlp/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: logs,
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(paths).toHaveLength(BACKOFF.relay.attempts);
  });
});
