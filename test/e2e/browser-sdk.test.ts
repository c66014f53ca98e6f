import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ATTR, EVENT, RESOURCE } from '@tracelog/core';
import { createRelay } from '@tracelog/node';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';
import { startOtlpReceiver } from '@tracelog/test-utils';
import type { OtlpReceiver } from '@tracelog/test-utils';

/**
 * The browser SDK in real Chromium: a page served by a local app server (SDK bundled with esbuild
 * now, relay mounted at /otlp, an API at /api), a second server on another port (another origin)
 * standing in for a third party, and a real OTLP/HTTP receiver behind the relay.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
let sdk: string;
let receiver: OtlpReceiver;
let app: Server;
let third: Server;
let appUrl: string;
let thirdUrl: string;
let browser: Browser;
const apiCalls: IncomingHttpHeaders[] = [];
const thirdCalls: IncomingHttpHeaders[] = [];

const page = (flushMs: number) => `<!doctype html><html><head><title>trading</title>
<script src="/sdk.js"></script>
<script>
  window.t = tracelog.initBrowser({
    service: 'trading-ui', endpoint: '/otlp', version: '1.2.3', environment: 'production',
    user: 'trader-7', transport: { flushIntervalMs: ${flushMs} }, dedupeWindowMs: false,
  });
</script></head><body>
<button id="place-order">Place order</button>
<script src="/app.js"></script>
<script>
  document.getElementById('place-order').addEventListener('click', async () => {
    t.logger.info('placing order', { 'order.symbol': 'BTC-PERP' });
    const res = await fetch('/api/order?token=s3cr3t', { method: 'POST' });
    await fetch('${'${THIRD}'}/quote').catch(() => {});
    t.logger.info('order placed', { status: res.status });
  });
</script></body></html>`;

const APP_JS = `function placeOrder() {
  throw new TypeError('price is undefined');
}
window.failSoon = function () {
  setTimeout(placeOrder, 0);
  Promise.reject(new RangeError('quantity out of range'));
};
`;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  const executablePath = ensureChromium();
  const bundle = await build({
    entryPoints: [`${root}packages/browser/src/index.ts`],
    bundle: true,
    format: 'iife',
    globalName: 'tracelog',
    target: 'es2020',
    write: false,
    alias: { '@tracelog/core': `${root}packages/core/src/index.ts` },
  });
  sdk = bundle.outputFiles[0]!.text;
  receiver = await startOtlpReceiver();
  const relay = createRelay({
    collectorEndpoint: receiver.url,
    services: ['trading-ui'],
    retryAfterSeconds: 1,
    attempts: 1,
    rateLimit: false,
  });
  third = createServer((req, res) => {
    thirdCalls.push(req.headers);
    res.writeHead(200, { 'access-control-allow-origin': '*', 'content-type': 'application/json' });
    res.end('{"price":1}');
  });
  thirdUrl = await listen(third);
  app = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/otlp/')) return void relay.handler(req, res);
    if (url.pathname === '/sdk.js')
      return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    if (url.pathname.startsWith('/api/')) {
      apiCalls.push(req.headers);
      const parent = String(req.headers.traceparent ?? '');
      const [, traceId = ''] = parent.split('-');
      req.resume();
      return void res
        .writeHead(201, {
          'content-type': 'application/json',
          traceresponse: `00-${traceId || '0'.repeat(31) + '1'}-00f067aa0ba902b7-01`,
        })
        .end('{}');
    }
    if (url.pathname === '/app.js')
      return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(APP_JS);
    if (url.pathname === '/next')
      return void res.writeHead(200, { 'content-type': 'text/html' }).end('<p>next</p>');
    const flush = Number(url.searchParams.get('flush') ?? 200);
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(page(flush).replace('${THIRD}', thirdUrl));
  });
  appUrl = await listen(app);
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([app, third].map((s) => s && new Promise((r) => s.close(r))));
  await receiver?.stop();
});

beforeEach(() => {
  receiver.clear();
  receiver.failWith(undefined);
  apiCalls.length = 0;
  thirdCalls.length = 0;
});

async function open(flush = 200): Promise<Page> {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${appUrl}/?flush=${flush}`);
  await p.waitForFunction(() => 't' in window);
  return p;
}

const findLog = (message: string) => receiver.logs.find((l) => l.body === message);

describe('@tracelog/browser in Chromium', () => {
  it('a click logs and calls the API in one trace; traceparent reaches the same origin, never a third party', async () => {
    const p = await open();
    await p.click('#place-order');
    await receiver.waitFor(
      () =>
        !!findLog('order placed') && receiver.spans.some((s) => s.kind === 3 && s.name === 'POST'),
      'the click log, the follow-up log and the fetch span',
    );
    const placing = findLog('placing order')!;
    const placed = findLog('order placed')!;
    const fetchSpan = receiver.spans.find((s) => s.name === 'POST')!;
    expect(placing.traceId).toMatch(/^[\da-f]{32}$/);
    expect(fetchSpan.traceId).toBe(placing.traceId);
    expect(placed.traceId).toBe(placing.traceId);

    // The back end saw the same trace id and answered with it.
    expect(apiCalls).toHaveLength(1);
    expect(String(apiCalls[0]!.traceparent)).toBe(`00-${placing.traceId}-${fetchSpan.spanId}-01`);
    expect(fetchSpan.attributes[ATTR.CORRELATION_ID]).toBe(placing.traceId);
    expect(fetchSpan.attributes[ATTR.HTTP_RESPONSE_STATUS_CODE]).toBe(201);
    expect(String(fetchSpan.attributes[ATTR.URL_FULL])).not.toContain('s3cr3t');

    // The third-party origin was called, without trace context.
    await receiver.waitFor(() => thirdCalls.length === 1, 'the third-party call');
    expect(thirdCalls[0]!.traceparent).toBeUndefined();
    const thirdSpan = receiver.spans.find((s) => s.name === 'GET');
    if (thirdSpan) expect(thirdSpan.attributes[ATTR.SERVER_ADDRESS]).toBe('127.0.0.1');

    // The click span is the parent, and everything carries the browser's identity.
    const click = receiver.spans.find((s) => s.name === 'click button#place-order')!;
    expect(click.traceId).toBe(placing.traceId);
    expect(fetchSpan.parentSpanId).toBe(click.spanId);
    expect(placing.resource[RESOURCE.SERVICE_NAME]).toBe('trading-ui');
    expect(placing.resource[RESOURCE.TELEMETRY_SDK_LANGUAGE]).toBe('webjs');
    expect(placing.resource[ATTR.SOURCE]).toBe('frontend');
    expect(placing.attributes[ATTR.USER_ID]).toBe('trader-7');
    expect(placing.attributes[ATTR.APP_VERSION]).toBe('1.2.3');
    expect(placing.attributes[ATTR.SESSION_ID]).toMatch(/^[\da-f]{32}$/);
    expect(placing.scope).toBe('app');
    expect(receiver.logs.some((l) => l.eventName === EVENT.SESSION_START)).toBe(true);
    await p.context().close();
  });

  it('XMLHttpRequest: traceparent to the same origin with a client span in the page trace, none to a third party', async () => {
    const p = await open();
    const statuses = await p.evaluate(async (third) => {
      const send = (method: string, url: string) =>
        new Promise<number>((resolve) => {
          const xhr = new XMLHttpRequest();
          xhr.open(method, url);
          xhr.onloadend = () => resolve(xhr.status);
          xhr.send();
        });
      return [await send('PUT', '/api/amend?token=s3cr3t'), await send('GET', `${third}/quote`)];
    }, thirdUrl);
    expect(statuses).toEqual([201, 200]);
    await receiver.waitFor(
      () => receiver.spans.some((s) => s.kind === 3 && s.name === 'PUT'),
      'the XHR client span',
    );
    const xhrSpan = receiver.spans.find((s) => s.kind === 3 && s.name === 'PUT')!;
    expect(apiCalls).toHaveLength(1);
    expect(String(apiCalls[0]!.traceparent)).toBe(`00-${xhrSpan.traceId}-${xhrSpan.spanId}-01`);
    expect(xhrSpan.attributes[ATTR.HTTP_RESPONSE_STATUS_CODE]).toBe(201);
    expect(String(xhrSpan.attributes[ATTR.URL_FULL])).not.toContain('s3cr3t');
    expect(thirdCalls).toHaveLength(1);
    expect(thirdCalls[0]!.traceparent).toBeUndefined();
    await p.context().close();
  });

  it('delivers uncaught errors and unhandled rejections with stacks', async () => {
    const p = await open();
    await p.evaluate(() => (window as unknown as { failSoon(): void }).failSoon());
    await receiver.waitFor(
      () => receiver.logs.filter((l) => l.eventName === EVENT.EXCEPTION).length >= 2,
      'two exception records',
    );
    const thrown = receiver.logs.find((l) => l.attributes[ATTR.EXCEPTION_TYPE] === 'TypeError')!;
    expect(thrown.attributes[ATTR.EXCEPTION_MESSAGE]).toBe('price is undefined');
    expect(String(thrown.attributes[ATTR.EXCEPTION_STACKTRACE])).toContain('placeOrder');
    expect((thrown.attributes[ATTR.EXCEPTION_FRAMES] as string[])[0]).toMatch(
      /^placeOrder \(http:\/\/127\.0\.0\.1:\d+\/app\.js:2:9\)$/,
    );
    expect(thrown.attributes[ATTR.EXCEPTION_MECHANISM]).toBe('onerror');
    expect(thrown.attributes[ATTR.CODE_LINE_NUMBER]).toBe(2);
    expect(thrown.severityNumber).toBe(17);
    const rejected = receiver.logs.find((l) => l.attributes[ATTR.EXCEPTION_TYPE] === 'RangeError')!;
    expect(rejected.attributes[ATTR.EXCEPTION_MECHANISM]).toBe('unhandledrejection');
    expect(String(rejected.attributes[ATTR.EXCEPTION_STACKTRACE])).toContain(
      'quantity out of range',
    );
    await p.context().close();
  });

  it('delivers the last batch when the page is left (pagehide, keepalive)', async () => {
    const p = await open(600_000);
    await p.evaluate(() =>
      (window as unknown as { t: { logger: { warn(m: string): void } } }).t.logger.warn(
        'last words',
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(findLog('last words')).toBeUndefined();
    await p.goto(`${thirdUrl}/elsewhere`);
    await receiver.waitFor(() => !!findLog('last words'), 'the record written just before leaving');
    await p.context().close();
  });

  it('queues while the receiver is down and replays when it is back', async () => {
    const p = await open(100);
    const queued = () => p.evaluate(() => localStorage.getItem('tracelog:queue:trading-ui'));
    await receiver.down();
    await p.evaluate(() =>
      (window as unknown as { t: { logger: { info(m: string): void } } }).t.logger.info(
        'written while down',
      ),
    );
    await p.waitForFunction(
      () =>
        (localStorage.getItem('tracelog:queue:trading-ui') ?? '').includes('written while down'),
      null,
      { timeout: 15_000 },
    );
    // Kept in the page, not delivered.
    expect(await queued()).toContain('written while down');
    expect(findLog('written while down')).toBeUndefined();

    await receiver.up();
    await receiver.waitFor(
      () => !!findLog('written while down'),
      'the queued record after the receiver came back',
      30_000,
    );
    await p.waitForFunction(
      () => localStorage.getItem('tracelog:queue:trading-ui') === null,
      null,
      { timeout: 10_000 },
    );
    // Replayed once, as written, and the page's queue is empty again.
    const replayed = receiver.logs.filter((l) => l.body === 'written while down');
    expect(replayed).toHaveLength(1);
    expect(replayed[0]!.severityText).toBe('INFO');
    expect(replayed[0]!.attributes[ATTR.USER_ID]).toBe('trader-7');
    expect(replayed[0]!.resource[RESOURCE.SERVICE_NAME]).toBe('trading-ui');
    expect(await queued()).toBeNull();
    await p.context().close();
  });
});
