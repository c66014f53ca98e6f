import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_CORPUS, findLeaks } from '@tracelog/test-utils';
import { getLogger, init, task } from '@tracelog/node';
import type { TracelogHandle } from '@tracelog/node';
import { OtlpReceiver } from '@tracelog/test-utils';

const receiver = new OtlpReceiver();
let telemetry: TracelogHandle;
let spoolDir: string;

beforeAll(async () => {
  await receiver.start();
  spoolDir = mkdtempSync(join(tmpdir(), 'tracelog-redaction-'));
  telemetry = init({
    serviceName: 'redaction-test',
    endpoint: receiver.url,
    protocol: 'http/json',
    console: false,
    spool: { directory: spoolDir },
    handleSignals: false,
    // Record the headers a careless setup might: every one of them must still come out masked.
    http: {
      headers: ['authorization', 'cookie', 'x-api-key', 'referer', 'user-agent', 'x-request-id'],
    },
  });
});

afterAll(async () => {
  await telemetry.shutdown();
  await receiver.stop();
  rmSync(spoolDir, { recursive: true, force: true });
});

describe('secrets never leave the process', () => {
  it(`masks all ${SECRET_CORPUS.length} secrets of the corpus in headers, query strings, log arguments and errors`, async () => {
    expect(SECRET_CORPUS.length).toBeGreaterThanOrEqual(30);
    const server = createServer((req, res) => {
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Header values can't hold line breaks (a PEM key): those travel in the other places only.
    const printable = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).filter(([, v]) => /^[\x20-\x7e]*$/.test(v)));
    const send = (path: string, headers: Record<string, string>) =>
      new Promise<void>((resolve, reject) => {
        request({ host: '127.0.0.1', port, path, headers: printable(headers) }, (res) => {
          res.resume();
          res.on('end', resolve);
        })
          .on('error', reject)
          .end();
      });

    const log = getLogger('careless');
    for (const [index, secret] of SECRET_CORPUS.entries()) {
      const value = secret.value;
      // A secret recognisable by its shape goes everywhere, even under innocent names; one that
      // is only a secret because of its name (a password) goes under that name.
      const key = secret.key ?? 'note';
      const innocent = secret.key === undefined;
      await send(`/callback?${encodeURIComponent(key)}=${encodeURIComponent(value)}&i=${index}`, {
        authorization: `Bearer ${value}`,
        cookie: `session=${value}`,
        'x-api-key': value,
        referer: `https://example.test/return?${key}=${encodeURIComponent(value)}`,
        ...(innocent && { 'x-request-id': value }),
      });
      log.info(innocent ? `user pasted ${value} into the form` : 'form submitted', {
        [key]: value,
        form: { [key]: value },
      });
      log.error(
        'login failed',
        new Error(innocent ? `upstream said: ${value}` : `bad ${key}=${value}`),
      );
      await task('sync-account', { category: 'data', args: { [key]: value } }, () => undefined);
    }
    server.close();
    await telemetry.flush();
    await receiver.waitFor(
      () => receiver.logs.filter((l) => l.scope === 'careless').length >= 2 * SECRET_CORPUS.length,
    );

    const exported = receiver.raw.join('\n');
    expect(exported.length).toBeGreaterThan(10_000);
    expect(findLeaks(exported)).toEqual([]);
    // And the records are still there, with their shape: redaction masks, it does not drop.
    expect(receiver.logs.filter((l) => l.body === 'login failed')).toHaveLength(
      SECRET_CORPUS.length,
    );
  });
});
