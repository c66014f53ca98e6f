import { describe, expect, it } from 'vitest';
import { ATTR, EVENT, RESOURCE } from '@tracelog/core';
import { initBrowser } from '../src/index.js';
import type { BrowserHandle, BrowserOptions } from '../src/index.js';
import { attr, useFakeBrowser } from './fakes.js';
import type { OtlpJsonLogs } from './fakes.js';

const env = useFakeBrowser();

function start(options: Partial<BrowserOptions> = {}): BrowserHandle {
  env.handle = initBrowser({
    service: 'trading-ui',
    endpoint: 'https://app.example.com/otlp',
    version: '1.2.3',
    instrument: { webVitals: false, interactions: false },
    ...options,
  });
  return env.handle;
}

const exports = () => env.fake.sent.filter((s) => s.url.includes('/otlp/'));
const records = () =>
  exports()
    .filter((s) => s.url.endsWith('/v1/logs'))
    .flatMap((s) => (JSON.parse(s.body) as OtlpJsonLogs).resourceLogs)
    .flatMap((rl) =>
      rl.scopeLogs.flatMap((sl) =>
        sl.logRecords.map((r) => ({ ...r, scope: sl.scope.name, resource: rl.resource })),
      ),
    );
const byBody = (body: string) => records().filter((r) => r.body.stringValue === body);

describe('initBrowser', () => {
  it('sends OTLP/HTTP JSON logs the collector accepts', async () => {
    const t = start({ user: 'trader-7' });
    t.getLogger('orders.panel').info('order placed', {
      qty: 3,
      price: 101.5,
      live: true,
      tags: ['a', 'b'],
    });
    await t.flush();
    const sent = exports();
    expect(sent[0]!.url).toBe('https://app.example.com/otlp/v1/logs');
    expect(sent[0]!.headers['content-type']).toBe('application/json');
    const [rec] = byBody('order placed');
    expect(rec).toBeDefined();
    expect(rec!.scope).toBe('orders.panel');
    expect(rec!.severityNumber).toBe(9);
    expect(rec!.timeUnixNano).toMatch(/^\d{19}$/);
    expect(Math.abs(Number(rec!.timeUnixNano.slice(0, 13)) - Date.now())).toBeLessThan(5_000);
    const a = rec!.attributes;
    expect(a.find((kv) => kv.key === 'qty')!.value).toEqual({ intValue: '3' });
    expect(a.find((kv) => kv.key === 'price')!.value).toEqual({ doubleValue: 101.5 });
    expect(a.find((kv) => kv.key === 'live')!.value).toEqual({ boolValue: true });
    expect(a.find((kv) => kv.key === 'tags')!.value).toEqual({
      arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] },
    });
    expect(attr(a, ATTR.USER_ID)).toBe('trader-7');
    expect(attr(a, ATTR.APP_VERSION)).toBe('1.2.3');
    expect(attr(a, ATTR.SESSION_ID)).toMatch(/^[\da-f]{32}$/);
    expect(attr(a, ATTR.BROWSER_ROUTE)).toBe('/orders');
    expect(attr(a, ATTR.BROWSER_PAGE_URL)).toBe(
      'https://app.example.com/orders?id=7&token=[REDACTED]',
    );
    const res = rec!.resource.attributes;
    expect(attr(res, RESOURCE.SERVICE_NAME)).toBe('trading-ui');
    expect(attr(res, RESOURCE.SERVICE_VERSION)).toBe('1.2.3');
    expect(attr(res, RESOURCE.DEPLOYMENT_ENVIRONMENT)).toBe('production');
    expect(attr(res, RESOURCE.TELEMETRY_SDK_NAME)).toBe('tracelog');
    expect(attr(res, RESOURCE.TELEMETRY_SDK_LANGUAGE)).toBe('webjs');
    expect(records().find((r) => r.eventName === EVENT.SESSION_START)).toBeDefined();
  });

  it('redacts secrets in messages and attributes, and drops query strings when asked', async () => {
    const t = start({ redaction: { dropQuery: true } });
    t.logger.warn('login failed for Bearer abcdefghijklmnopqrstuvwxyz', {
      password: 'hunter2',
      card: '4111 1111 1111 1111',
    });
    await t.flush();
    const [rec] = records().filter((r) => r.body.stringValue.startsWith('login failed'));
    expect(rec!.body.stringValue).not.toContain('abcdefghij');
    expect(attr(rec!.attributes, 'password')).toBe('[REDACTED]');
    expect(String(attr(rec!.attributes, 'card'))).toContain('[REDACTED]');
    expect(attr(rec!.attributes, ATTR.BROWSER_PAGE_URL)).toBe('https://app.example.com/orders');
  });

  it('honours the level and keeps the console quiet in production', async () => {
    const t = start({ level: 'warn' });
    t.logger.info('not recorded');
    t.logger.warn('recorded');
    await t.flush();
    expect(byBody('not recorded')).toHaveLength(0);
    expect(byBody('recorded')).toHaveLength(1);
  });

  it('sends nothing remotely in development unless asked', async () => {
    const t = start({ environment: 'development', console: false });
    t.logger.info('dev only');
    await t.flush();
    expect(exports()).toHaveLength(0);
  });

  it('beforeSend can change or drop records; a hook that throws leaves the record as it was', async () => {
    let calls = 0;
    const t = start({
      beforeSend(record) {
        calls++;
        if (record.message === 'drop me') return null;
        if (record.message === 'boom') throw new Error('hook bug');
        return { ...record, attributes: { ...record.attributes, 'ui.theme': 'dark' } };
      },
    });
    t.logger.info('drop me');
    t.logger.info('boom');
    t.logger.info('changed');
    await t.flush();
    expect(byBody('drop me')).toHaveLength(0);
    expect(byBody('boom')).toHaveLength(1);
    expect(attr(byBody('changed')[0]!.attributes, 'ui.theme')).toBe('dark');
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('collapses repeats and reports how many were suppressed', async () => {
    const t = start({ dedupeWindowMs: 40 });
    for (let i = 0; i < 5; i++) t.logger.error('quote feed stale');
    await new Promise((r) => setTimeout(r, 60));
    t.logger.error('quote feed stale');
    await t.flush();
    // The first, then one report of the four repeats when the window closed, then the next one.
    const sent = byBody('quote feed stale');
    expect(sent).toHaveLength(3);
    expect(attr(sent[0]!.attributes, ATTR.REPEAT_COUNT)).toBeUndefined();
    expect(attr(sent[1]!.attributes, ATTR.REPEAT_COUNT)).toBe('4');
    expect(attr(sent[1]!.attributes, ATTR.DEDUPE_WINDOW_MS)).toBe('40');
    expect(sent[1]!.severityNumber).toBe(17);
    expect(attr(sent[2]!.attributes, ATTR.REPEAT_COUNT)).toBeUndefined();
  });

  it('rate-limits log records with a token bucket', async () => {
    const t = start({ rateLimit: { logs: { perSecond: 0.001, burst: 5 } }, dedupeWindowMs: false });
    for (let i = 0; i < 50; i++) t.logger.info(`tick ${i}`);
    await t.flush();
    expect(records().length).toBe(5);
  });

  it('drops ignored messages and errors from browser extensions', async () => {
    const t = start({ ignore: { messages: [/ResizeObserver loop/] } });
    t.logger.error('ResizeObserver loop completed with undelivered notifications');
    const fromExtension = new Error('extension broke');
    fromExtension.stack =
      'Error: extension broke\n    at inject (chrome-extension://abcdef/content.js:1:20)';
    t.captureException(fromExtension);
    const fromApp = new Error('app broke');
    fromApp.stack = 'Error: app broke\n    at submit (https://app.example.com/main.js:10:5)';
    t.captureException(fromApp);
    await t.flush();
    const exceptions = records().filter((r) => r.eventName === EVENT.EXCEPTION);
    expect(exceptions.map((r) => attr(r.attributes, ATTR.EXCEPTION_MESSAGE))).toEqual([
      'app broke',
    ]);
    expect(attr(exceptions[0]!.attributes, ATTR.EXCEPTION_FRAMES)).toEqual({
      values: [{ stringValue: 'submit (https://app.example.com/main.js:10:5)' }],
    });
    expect(byBody('ResizeObserver loop completed with undelivered notifications')).toHaveLength(0);
  });

  it('records uncaught errors and unhandled rejections from window events', async () => {
    const t = start();
    class FakeErrorEvent extends Event {
      constructor(
        readonly error: unknown,
        readonly message: string,
      ) {
        super('error');
      }
    }
    const g = globalThis as { ErrorEvent?: unknown };
    const saved = g.ErrorEvent;
    g.ErrorEvent = FakeErrorEvent;
    const error = new TypeError('x is undefined');
    error.stack = 'TypeError: x is undefined\n    at render (https://app.example.com/main.js:7:3)';
    try {
      dispatchEvent(new FakeErrorEvent(error, error.message));
      // An error event from an element that failed to load, where Element does not exist: ignored.
      dispatchEvent(new Event('error'));
    } finally {
      g.ErrorEvent = saved;
    }
    const rejection = Object.assign(new Event('unhandledrejection'), {
      reason: new RangeError('bad qty'),
    });
    dispatchEvent(rejection);
    await t.flush();
    const thrown = records().find((r) => attr(r.attributes, ATTR.EXCEPTION_TYPE) === 'TypeError');
    expect(thrown?.eventName).toBe(EVENT.EXCEPTION);
    expect(thrown?.severityNumber).toBe(17);
    expect(attr(thrown!.attributes, ATTR.EXCEPTION_MECHANISM)).toBe('onerror');
    expect(attr(thrown!.attributes, ATTR.CODE_FUNCTION_NAME)).toBe('render');
    const rejected = records().find(
      (r) => attr(r.attributes, ATTR.EXCEPTION_TYPE) === 'RangeError',
    );
    expect(rejected?.eventName).toBe(EVENT.EXCEPTION);
    expect(attr(rejected!.attributes, ATTR.EXCEPTION_MECHANISM)).toBe('unhandledrejection');
  });
});

describe('fetch instrumentation', () => {
  it('sends traceparent to the same origin and allow-listed origins only, and reads the correlation id back', async () => {
    const t = start({ propagateTo: ['https://api.example.com'] });
    env.fake.answers.push(
      { status: 200, headers: { 'x-correlation-id': 'corr-123' } },
      { status: 200 },
      { status: 500 },
    );
    await fetch('/api/orders');
    await fetch('https://api.example.com/quotes');
    await fetch('https://cdn.other.com/lib.js');
    const calls = env.fake.sent.filter((s) => !s.url.includes('/otlp/'));
    expect(calls[0]!.headers.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
    expect(calls[1]!.headers.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
    expect(calls[2]!.headers.traceparent).toBeUndefined();
    await t.flush();
    const spans = exports()
      .filter((s) => s.url.endsWith('/v1/traces'))
      .flatMap(
        (s) =>
          JSON.parse(s.body).resourceSpans[0].scopeSpans[0].spans as {
            traceId: string;
            spanId: string;
            kind: number;
            status: { code: number };
            attributes: { key: string; value: Record<string, unknown> }[];
          }[],
      );
    expect(spans).toHaveLength(3);
    expect(spans.every((s) => s.kind === 3)).toBe(true);
    expect(calls[0]!.headers.traceparent).toBe(`00-${spans[0]!.traceId}-${spans[0]!.spanId}-01`);
    expect(attr(spans[0]!.attributes, ATTR.CORRELATION_ID)).toBe('corr-123');
    expect(spans[2]!.status.code).toBe(2);
    // The failed call is also a warn record in its span's trace.
    const failed = records().find((r) => r.eventName === EVENT.HTTP_REQUEST)!;
    expect(failed.traceId).toBe(spans[2]!.traceId);
    expect(attr(failed.attributes, ATTR.HTTP_RESPONSE_STATUS_CODE)).toBe('500');
    // The SDK's own export requests carry no trace context.
    expect(exports().every((s) => s.headers.traceparent === undefined)).toBe(true);
  });

  it('withSpan puts the log and the call it makes in one trace', async () => {
    const t = start();
    await t.withSpan('place-order', async () => {
      t.logger.info('placing');
      await Promise.resolve();
      await fetch('/api/orders', { method: 'POST', headers: { 'x-app': '1' } });
      t.logger.info('placed');
    });
    await t.flush();
    const call = env.fake.sent.find((s) => s.url === '/api/orders')!;
    expect(call.headers['x-app']).toBe('1');
    const traceId = call.headers.traceparent!.split('-')[1];
    expect(byBody('placing')[0]!.traceId).toBe(traceId);
    expect(byBody('placed')[0]!.traceId).toBe(traceId);
  });
});

describe('transport', () => {
  it('keeps each request within the batch size', async () => {
    const t = start({ dedupeWindowMs: false, rateLimit: { logs: false } });
    for (let i = 0; i < 200; i++) t.logger.info(`record ${i} ${'x'.repeat(300)}`);
    await t.flush();
    const logs = exports().filter((s) => s.url.endsWith('/v1/logs'));
    expect(logs.length).toBeGreaterThan(3);
    for (const s of logs)
      expect(new TextEncoder().encode(s.body).length).toBeLessThanOrEqual(16_384);
    expect(records().filter((r) => r.body.stringValue.startsWith('record '))).toHaveLength(200);
  });

  it('keeps failed requests in the offline queue and replays them', async () => {
    const t = start();
    env.fake.answers.push({ status: 503, headers: { 'retry-after': '120' } });
    t.logger.info('kept');
    await t.flush();
    expect(localStorage.getItem('tracelog:queue:trading-ui')).toContain('kept');
    expect(byBody('kept')).toHaveLength(1); // the refused attempt
    dispatchEvent(new Event('online'));
    await new Promise((r) => setTimeout(r, 20));
    await t.flush();
    expect(byBody('kept')).toHaveLength(2);
    expect(localStorage.getItem('tracelog:queue:trading-ui')).toBeNull();
  });

  it('drops requests the receiver refuses for good', async () => {
    const t = start();
    env.fake.answers.push({ status: 400 });
    t.logger.info('invalid');
    await t.flush();
    expect(localStorage.getItem('tracelog:queue:trading-ui')).toBeNull();
  });

  it('flushes with keepalive when the page is hidden', async () => {
    start({ transport: { flushIntervalMs: 600_000 } });
    env.handle!.logger.info('bye');
    (globalThis as unknown as { document: { visibilityState: string } }).document.visibilityState =
      'hidden';
    dispatchEvent(new Event('visibilitychange'));
    await new Promise((r) => setTimeout(r, 10));
    const sent = exports().find((s) => s.body.includes('"bye"'));
    expect(sent?.keepalive).toBe(true);
  });

  it('shutdown is idempotent and restores fetch', async () => {
    const t = start();
    expect(globalThis.fetch).not.toBe(env.fake.fn);
    await Promise.all([t.shutdown(), t.shutdown()]);
    expect(globalThis.fetch).toBe(env.fake.fn);
    await t.flush();
    env.handle = undefined;
  });
});
