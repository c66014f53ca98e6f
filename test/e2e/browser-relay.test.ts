import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, RESOURCE } from '@tracelog/core';
import { createRelay } from '@tracelog/node';
import { startOtlpReceiver } from '@tracelog/test-utils';
import type { OtlpReceiver } from '@tracelog/test-utils';

/** The relay mounted in real Express and Fastify apps (which the relay itself never imports). */

let upstream: OtlpReceiver;
beforeAll(async () => {
  upstream = await startOtlpReceiver();
});
afterAll(async () => {
  await upstream.stop();
});

const body = (service: string, message: string) =>
  JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: [{ key: RESOURCE.SERVICE_NAME, value: { stringValue: service } }] },
        scopeLogs: [
          {
            scope: { name: 'app' },
            logRecords: [{ severityNumber: 9, body: { stringValue: message } }],
          },
        ],
      },
    ],
  });
const post = (url: string, text: string, type = 'application/json') =>
  fetch(url, { method: 'POST', headers: { 'content-type': type }, body: text });

describe('relay adaptors', () => {
  it('works as Express middleware, also after express.json(), and leaves other routes alone', async () => {
    const relay = createRelay({
      collectorEndpoint: upstream.url,
      services: ['trading-ui'],
      maxBodyBytes: 2048,
    });
    const app = express();
    app.use(express.json());
    app.use(relay.express());
    app.get('/health', (_req, res) => void res.send('ok'));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await post(`${url}/otlp/v1/logs`, body('trading-ui', 'via express'))).status).toBe(
        200,
      );
      expect((await post(`${url}/otlp/v1/logs`, body('orders-api', 'spoofed'))).status).toBe(403);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      await upstream.waitFor(
        () => upstream.logs.some((l) => l.body === 'via express'),
        'the relayed record',
      );
      const log = upstream.logs.find((l) => l.body === 'via express')!;
      expect(log.resource[ATTR.SOURCE]).toBe('frontend');
      expect(upstream.logs.some((l) => l.body === 'spoofed')).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('works as a Fastify plugin with its own size limit and content-type check', async () => {
    const relay = createRelay({
      collectorEndpoint: upstream.url,
      services: ['trading-ui'],
      maxBodyBytes: 2048,
    });
    const app = Fastify();
    await app.register(relay.fastify() as unknown as Parameters<typeof app.register>[0]);
    app.get('/health', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      expect((await post(`${url}/otlp/v1/logs`, body('trading-ui', 'via fastify'))).status).toBe(
        200,
      );
      expect((await post(`${url}/otlp/v1/logs`, body('trading-ui', 'x'.repeat(5000)))).status).toBe(
        413,
      );
      expect(
        (await post(`${url}/otlp/v1/logs`, body('trading-ui', 'text'), 'text/plain')).status,
      ).toBe(415);
      expect((await fetch(`${url}/health`)).status).toBe(200);
      await upstream.waitFor(
        () => upstream.logs.some((l) => l.body === 'via fastify'),
        'the relayed record',
      );
    } finally {
      await app.close();
    }
  });
});
