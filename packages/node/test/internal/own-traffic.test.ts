import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { useSdk } from '../fixtures/sdk.js';

const { receiver, flush } = useSdk();

describe('own export traffic', () => {
  it("is not counted in http.client.request.duration, while the app's own calls are", async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      request({ port, host: '127.0.0.1', path: '/quote' }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      })
        .on('error', reject)
        .end();
    });
    server.close();
    const clientPoints = () =>
      receiver.metrics.filter((m) => m.name === 'http.client.request.duration');
    // Several exports have gone to the receiver by now, each an HTTP client call of the SDK's.
    await flush();
    await flush();
    await receiver.waitFor(
      () => clientPoints().some((m) => m.attributes['server.port'] === port),
      'the app call in http.client.request.duration',
    );
    expect(clientPoints().filter((m) => m.attributes['server.port'] === receiver.port)).toEqual([]);
  });
});
