import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { getLogger, init, task, timed, withContext } from '@tracelog/node';
import { DEFAULT_HTTP_HEADERS } from '../src/config/defaults.js';
import type { TracelogHandle } from '@tracelog/node';
import { OtlpReceiver } from '@tracelog/test-utils';

const receiver = new OtlpReceiver();
let telemetry: TracelogHandle;
let spoolDir: string;

beforeAll(async () => {
  await receiver.start();
  spoolDir = mkdtempSync(join(tmpdir(), 'tracelog-init-'));
  // Per-component levels as an operator sets them; the `level` option is the default for the rest.
  process.env.TRACELOG_LEVELS = 'desk=warn,desk.db=debug';
  telemetry = init({
    serviceName: 'init-test',
    endpoint: receiver.url,
    protocol: 'http/json',
    console: false,
    level: 'debug',
    spool: { directory: spoolDir },
    handleSignals: false,
    http: {
      correlationHeader: 'x-correlation-id',
      // Recorded on purpose, so the test can prove the value is masked rather than left out.
      headers: [...DEFAULT_HTTP_HEADERS, 'authorization'],
    },
  });
  delete process.env.TRACELOG_LEVELS;
});

afterAll(async () => {
  await telemetry.shutdown();
  await receiver.stop();
  rmSync(spoolDir, { recursive: true, force: true });
});

/** Logs under a fresh marker and returns the records that carry it once exported. */
async function exported(marker: string, count = 1) {
  await telemetry.flush();
  await receiver.waitFor(
    () => receiver.logs.filter((l) => l.attributes.marker === marker).length >= count,
    `${count} record(s) marked ${marker}`,
    10_000,
  );
  return receiver.logs.filter((l) => l.attributes.marker === marker);
}

describe('logger', () => {
  it('exports records with the component as scope, level and attributes', async () => {
    getLogger('orders.api').info('order placed', { marker: 'basic', order: { id: 42, qty: 3 } });
    const [record] = await exported('basic');
    expect(record).toMatchObject({
      service: 'init-test',
      scope: 'orders.api',
      severityText: 'INFO',
      severityNumber: 9,
      body: 'order placed',
    });
    expect(record!.attributes).toMatchObject({ 'order.id': 42, 'order.qty': 3 });
  });

  it("carries the active span's trace and span ids", async () => {
    const tracer = trace.getTracer('test');
    const ids = tracer.startActiveSpan('work', (span) => {
      getLogger('worker').info('inside span', { marker: 'span' });
      span.end();
      return span.spanContext();
    });
    const [record] = await exported('span');
    expect(record!.traceId).toBe(ids.traceId);
    expect(record!.spanId).toBe(ids.spanId);
  });

  it('applies per-component levels from TRACELOG_LEVELS hierarchically', async () => {
    // TRACELOG_LEVELS=desk=warn,desk.db=debug (set before init); the default level is debug.
    getLogger('desk.api').info('hidden', { marker: 'levels' });
    getLogger('desk.api').warn('shown', { marker: 'levels' });
    getLogger('desk.db.pool').debug('shown too', { marker: 'levels' });
    getLogger('desking').debug('not under desk', { marker: 'levels' });
    getLogger('desk').debug('hidden too', { marker: 'levels' });
    const records = await exported('levels', 3);
    expect(records.map((r) => r.body).sort()).toEqual(['not under desk', 'shown', 'shown too']);
  });

  it('turns Error arguments into exception.* attributes', async () => {
    const error = new TypeError('price must be a number');
    getLogger('orders').error('validation failed', error, { marker: 'error' });
    getLogger('orders').error(new RangeError('quantity out of range') as unknown as string, {
      marker: 'error',
    });
    const records = await exported('error', 2);
    const first = records.find((r) => r.body === 'validation failed')!;
    expect(first.attributes[ATTR.EXCEPTION_TYPE]).toBe('TypeError');
    expect(first.attributes[ATTR.EXCEPTION_MESSAGE]).toBe('price must be a number');
    expect(String(first.attributes[ATTR.EXCEPTION_STACKTRACE])).toContain('init.test.ts');
    const second = records.find((r) => r.attributes[ATTR.EXCEPTION_TYPE] === 'RangeError')!;
    expect(second.body).toBe('quantity out of range');
  });

  it('never throws on hostile arguments, and still records the call', async () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const getter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('ownKeys trap');
        },
        getPrototypeOf() {
          throw new Error('prototype trap');
        },
      },
    );
    const log = getLogger('hostile');
    const calls = [
      () => log.info('circular', { marker: 'hostile', circular }),
      () => log.info('bigint', { marker: 'hostile', big: 10n ** 30n }),
      () => log.info('symbol', { marker: 'hostile', sym: Symbol('s'), fn: () => 1 }),
      () => log.info('huge', { marker: 'hostile', text: 'x'.repeat(5_000_000) }),
      () => log.info('getter', { marker: 'hostile', getter }),
      () => log.info('proxy', { marker: 'hostile', proxy }),
      () => log.info(Symbol('as message') as unknown as string, { marker: 'hostile' }),
    ];
    for (const call of calls) expect(call).not.toThrow();
    const records = await exported('hostile', calls.length);
    const byBody = new Map(records.map((r) => [r.body, r]));
    expect(byBody.get('bigint')!.attributes.big).toBe('1000000000000000000000000000000');
    expect(byBody.get('circular')!.attributes['circular.self']).toContain('Circular');
    expect(String(byBody.get('huge')!.attributes.text).length).toBeLessThan(20_000);
    expect(byBody.get('getter')!.attributes['getter.boom']).toBe('[Unreadable]');
  });
});

describe('withContext', () => {
  it('adds scoped attributes to every log and span inside, across async work', async () => {
    const tracer = trace.getTracer('test');
    await withContext({ 'user.id': 'u-17', 'strategy.id': 'mean-revert' }, async () => {
      getLogger('strategy').info('tick', { marker: 'scoped' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await withContext({ 'order.id': 'o-1' }, async () => {
        getLogger('strategy').info('order', { marker: 'scoped' });
        tracer.startActiveSpan('place', (span) => span.end());
      });
    });
    getLogger('strategy').info('outside', { marker: 'scoped' });
    const records = await exported('scoped', 3);
    const byBody = new Map(records.map((r) => [r.body, r.attributes]));
    expect(byBody.get('tick')).toMatchObject({ 'user.id': 'u-17', 'strategy.id': 'mean-revert' });
    expect(byBody.get('order')).toMatchObject({ 'user.id': 'u-17', 'order.id': 'o-1' });
    expect(byBody.get('outside')!['user.id']).toBeUndefined();
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'place'));
    const span = receiver.spans.find((s) => s.name === 'place')!;
    expect(span.attributes).toMatchObject({ 'user.id': 'u-17', 'order.id': 'o-1' });
  });
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

    await telemetry.flush();
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
    await telemetry.flush();
    await telemetry.flush();
    await receiver.waitFor(
      () => clientPoints().some((m) => m.attributes['server.port'] === port),
      'the app call in http.client.request.duration',
    );
    expect(clientPoints().filter((m) => m.attributes['server.port'] === receiver.port)).toEqual([]);
  });
});

describe('task and timed', () => {
  it('emits task.start, task.step and task.success with durations under one trace', async () => {
    const result = await task(
      'fetch-quotes',
      { category: 'data', attributes: { marker: 'task' } },
      async (t) => {
        t.step('download', { marker: 'task', rows: 10 });
        getLogger('data').info('inside task', { marker: 'task' });
        return 7;
      },
    );
    expect(result).toBe(7);
    const records = await exported('task', 4);
    const events = records.map((r) => r.eventName);
    expect(events).toEqual(
      expect.arrayContaining([EVENT.TASK_START, EVENT.TASK_STEP, EVENT.TASK_SUCCESS]),
    );
    expect(new Set(records.map((r) => r.traceId)).size).toBe(1);
    const success = records.find((r) => r.eventName === EVENT.TASK_SUCCESS)!;
    expect(success.attributes).toMatchObject({
      [ATTR.TASK_NAME]: 'fetch-quotes',
      [ATTR.TASK_CATEGORY]: 'data',
    });
    expect(typeof success.attributes[ATTR.TASK_DURATION_MS]).toBe('number');
    expect(records.find((r) => r.body === 'inside task')!.attributes[ATTR.TASK_NAME]).toBe(
      'fetch-quotes',
    );
  });

  it('records task.failure with the error and rethrows it unchanged', async () => {
    const boom = new Error('exchange unavailable');
    await expect(
      task('place-order', { category: 'strategy', attributes: { marker: 'task-fail' } }, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const records = await exported('task-fail', 2);
    const failure = records.find((r) => r.eventName === EVENT.TASK_FAILURE)!;
    expect(failure.severityText).toBe('ERROR');
    expect(failure.attributes[ATTR.EXCEPTION_MESSAGE]).toBe('exchange unavailable');
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'task place-order'));
    expect(receiver.spans.find((s) => s.name === 'task place-order')!.status.code).toBe(2);
  });

  it('timed() keeps sync functions sync and records their duration', async () => {
    const add = timed('math.add', (a: number, b: number) => a + b, { level: 'info' });
    expect(add(2, 3)).toBe(5);
    await telemetry.flush();
    await receiver.waitFor(() => receiver.logs.some((l) => l.eventName === EVENT.FUNCTION_TIMING));
    const record = receiver.logs.find((l) => l.eventName === EVENT.FUNCTION_TIMING)!;
    expect(record.attributes[ATTR.CODE_FUNCTION_NAME]).toBe('math.add');
  });

  const timings = (name: string) =>
    receiver.logs.filter(
      (l) =>
        l.eventName === EVENT.FUNCTION_TIMING && l.attributes[ATTR.CODE_FUNCTION_NAME] === name,
    );

  it('timed() on an async function records once it settles, and passes its value through', async () => {
    let settle!: (value: string) => void;
    const quote = timed(
      'quotes.fetch',
      (symbol: string) =>
        new Promise<string>((resolve) => (settle = (v) => resolve(`${symbol}:${v}`))),
      { level: 'info' },
    );
    const pending = quote('ACME');
    expect(pending).toBeInstanceOf(Promise);
    await telemetry.flush();
    expect(timings('quotes.fetch')).toHaveLength(0); // still running: nothing recorded yet
    settle('101.5');
    await expect(pending).resolves.toBe('ACME:101.5');
    await telemetry.flush();
    await receiver.waitFor(() => timings('quotes.fetch').length === 1, 'the async timing record');
    const [record] = timings('quotes.fetch');
    expect(record!.severityText).toBe('INFO');
    expect(typeof record!.attributes[ATTR.FUNCTION_DURATION_MS]).toBe('number');
    expect(record!.attributes[ATTR.EXCEPTION_TYPE]).toBeUndefined();
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'quotes.fetch'), 'span');
    expect(receiver.spans.find((s) => s.name === 'quotes.fetch')!.status.code).toBe(0);
  });

  it('timed() on an async function that rejects records the error and rejects with it unchanged', async () => {
    const boom = new RangeError('no liquidity');
    const fill = timed('orders.fill', async (qty: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (qty > 0) throw boom;
      return qty;
    });
    await expect(fill(5)).rejects.toBe(boom);
    await telemetry.flush();
    await receiver.waitFor(() => timings('orders.fill').length === 1, 'the failed timing record');
    const [record] = timings('orders.fill');
    expect(record!.severityText).toBe('ERROR');
    expect(record!.attributes).toMatchObject({
      [ATTR.EXCEPTION_TYPE]: 'RangeError',
      [ATTR.EXCEPTION_MESSAGE]: 'no liquidity',
    });
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'orders.fill'), 'span');
    expect(receiver.spans.find((s) => s.name === 'orders.fill')!.status.code).toBe(2);
  });
});

describe('configuration', () => {
  it('refuses an endpoint that is not a URL, and only that, with a clear error', async () => {
    const { resolveConfig } = await import('../src/config/resolve.js');
    expect(() => resolveConfig({ endpoint: 'collector:4318' }, {})).toThrow(
      /must be an http\(s\) URL/,
    );
    const { config, warnings } = resolveConfig(
      {},
      { TRACELOG_SPOOL_MAX_BYTES: 'huge', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    );
    expect(config.spool && config.spool.maxBytes).toBe(64 * 1024 * 1024);
    expect(config.protocol).toBe('http/protobuf');
    expect(warnings).toEqual([
      expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported'),
      'TRACELOG_SPOOL_MAX_BYTES is not valid; using 67108864',
    ]);
  });
});
