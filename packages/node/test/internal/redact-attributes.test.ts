import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logs, trace } from '@opentelemetry/api';
import type { SpanOptions } from '@opentelemetry/api';
import {
  OWN_RECORD,
  REDACTED_BY,
  createRedactor,
  ownRecord,
  pipelineRedactor,
} from '@tracelog/core';
import type { Redactor } from '@tracelog/core';
import { SECRET_CORPUS, findLeaks } from '@tracelog/test-utils';
import { getLogger, init, task, withContext } from '@tracelog/node';
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
    instrumentations: {
      http: {
        headers: ['authorization', 'cookie', 'x-api-key', 'referer', 'user-agent', 'x-request-id'],
      },
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

describe('attributes redacted where they were made', () => {
  // An instrumentation whose span and records share one attribute set redacts it once, with the
  // pipeline's redactor, and says so; the pipeline then redacts only what was added since.
  const counting = (redactor: Redactor) => {
    const keys: Array<string | undefined> = [];
    const texts: string[] = [];
    const { redactValue, redactString } = redactor;
    redactor.redactValue = (value, key) => {
      keys.push(key);
      return redactValue(value, key);
    };
    redactor.redactString = (text) => {
      texts.push(text);
      return redactString(text);
    };
    return {
      keys,
      texts,
      restore: () => Object.assign(redactor, { redactValue, redactString }),
    };
  };

  it('redacts an own record only where it changed since, and the whole of one another redactor made', async () => {
    const redactor = pipelineRedactor()!;
    expect(redactor).toBeTruthy();
    const logger = logs.getLogger('pre-redacted');
    const { keys, texts, restore } = counting(redactor);
    try {
      withContext({ 'session.token': 'scoped-secret-1' }, () => {
        logger.emit(
          ownRecord({
            [OWN_RECORD]: true,
            body: 'made by an instrumentation',
            attributes: { 'job.name': 'settle', 'messaging.message.id': '7' },
            redactedBy: redactor,
          }),
        );
      });
    } finally {
      restore();
    }
    // Only the scoped attribute the pipeline added; not the two made redacted, nor the body.
    expect(keys).toEqual(['session.token']);
    expect(texts).not.toContain('made by an instrumentation');

    logger.emit(
      ownRecord({
        [OWN_RECORD]: true,
        body: 'made with another redactor: password=other-secret-6',
        attributes: { 'db.password': 'other-secret-2' },
        redactedBy: createRedactor({ enabled: false }),
      }),
    );
    await telemetry.flush();
    await receiver.waitFor(
      () => receiver.logs.filter((l) => l.scope === 'pre-redacted').length === 2,
    );
    const [made, other] = ['made by an instrumentation', 'made with another redactor'].map((body) =>
      receiver.logs.find((l) => String(l.body).startsWith(body))!,
    );
    expect(made!.attributes['session.token']).toBe('[REDACTED]');
    expect(made!.attributes['job.name']).toBe('settle');
    expect(other!.attributes['db.password']).toBe('[REDACTED]');
    expect(other!.body).not.toContain('other-secret-6');
  });

  it('redacts a span’s attributes set after its start, and all of those another redactor made', async () => {
    const tracer = trace.getTracer('pre-redacted');
    const options = (redactor: Redactor): SpanOptions & { [REDACTED_BY]?: Redactor } => ({
      attributes: { 'job.name': 'settle' },
      [REDACTED_BY]: redactor,
    });
    withContext({ 'session.token': 'scoped-secret-3' }, () => {
      const span = tracer.startSpan('pre-redacted own', options(pipelineRedactor()!));
      span.setAttribute('db.password', 'late-secret-4');
      span.end();
    });
    const other = tracer.startSpan('pre-redacted other', {
      ...options(createRedactor({ enabled: false })),
      attributes: { 'db.password': 'other-secret-5' },
    });
    other.end();
    await telemetry.flush();
    await receiver.waitFor(
      () => receiver.spans.filter((s) => s.name.startsWith('pre-redacted')).length === 2,
    );
    const own = receiver.spans.find((s) => s.name === 'pre-redacted own')!;
    expect(own.attributes).toMatchObject({
      'job.name': 'settle',
      'session.token': '[REDACTED]',
      'db.password': '[REDACTED]',
    });
    const foreign = receiver.spans.find((s) => s.name === 'pre-redacted other')!;
    expect(foreign.attributes['db.password']).toBe('[REDACTED]');
    for (const secret of ['scoped-secret', 'late-secret', 'other-secret'])
      expect(receiver.raw.join('\n')).not.toContain(secret);
  });
});
