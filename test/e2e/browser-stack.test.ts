import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';
import { Elasticsearch } from '../support/elasticsearch.js';
import {
  Collector,
  Jaeger,
  Loki,
  VictoriaLogs,
  esTitle,
  esUrl,
  freePort,
  lokiTitle,
  lokiUrl,
  quote,
  removeWorkDirs,
  waitFor,
  workDir,
} from '../support/stack.js';
import type { LogRow } from '../support/stack.js';

/**
 * The example trading page (examples/browser) in Chromium, served by the example API
 * (`npm run demo -- --serve`) with its Node SDK exporting to our collector build, which stores
 * logs in VictoriaLogs and spans in Jaeger, and also into the Loki and the Elasticsearch you run
 * when TRACELOG_LOKI_URL / TRACELOG_ES_URL name them (else their cases are skipped and say why):
 * everything real, on loopback. Each flow runs twice: through the relay the API mounts on the
 * page's origin, and straight to the collector's OTLP/HTTP receiver (CORS allows the page's
 * origin, and only it). Records are found by this run's trace and session ids: a Loki or an
 * Elasticsearch you run keeps earlier runs' records.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const UI = 'trading-ui';
const API = 'orders-api';
const loki = new Loki();
const es = new Elasticsearch();
let logStore: VictoriaLogs;
let traceStore: Jaeger;
let collector: Collector;
let app: ChildProcess;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  const executablePath = ensureChromium();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  if (lokiUrl) await loki.ready();
  if (esUrl) await es.loadTemplates();
  [logStore, traceStore] = await Promise.all([new VictoriaLogs().start(), new Jaeger().start()]);
  collector = await new Collector({
    logs: logStore,
    traces: traceStore,
    lokiUrl,
    esUrl,
    // Both allowed origins are the page's: a page on any other origin must be refused.
    env: { TRACELOG_CORS_ORIGIN: origin, TRACELOG_CORS_ORIGIN_2: origin },
  }).start();
  app = spawn(process.execPath, [join(root, 'examples/src/demo.ts'), '--serve'], {
    // Its own folder: the demo clears its local telemetry file relative to the working directory.
    cwd: workDir('demo'),
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      TRACELOG_SPOOL_DIR: join(workDir('spool'), 'spool'),
      PORT: String(port),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    app.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`The trading page: ${origin}/`)) resolve();
    });
    app.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${out}`)));
  });
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  if (app && app.exitCode === null) {
    const exited = new Promise((resolve) => app.once('exit', resolve));
    app.kill('SIGTERM');
    await exited;
  }
  await collector?.stop();
  await Promise.all([logStore?.stop(), traceStore?.stop()]);
  removeWorkDirs();
});

interface Opened {
  page: Page;
  context: BrowserContext;
  /** Every OTLP request the page made (including keepalive ones after it was left). */
  otlp: Array<{ url: string; body: string }>;
  sessionId: string;
}

async function open(path: string, setup?: (page: Page) => Promise<void>): Promise<Opened> {
  const context = await browser.newContext();
  const otlp: Opened['otlp'] = [];
  context.on('request', (request) => {
    if (/\/v1\/(logs|traces)$/.test(request.url()) && request.method() === 'POST')
      otlp.push({ url: request.url(), body: request.postData() ?? '' });
  });
  const page = await context.newPage();
  await setup?.(page);
  await page.goto(`${origin}${path}`);
  const sessionId = await page.waitForFunction(
    () => JSON.parse(sessionStorage.getItem('tracelog:session:trading-ui') ?? '{}').id as string,
  );
  return { page, context, otlp, sessionId: await sessionId.jsonValue() };
}

/** Places the order on the page and returns the correlation id the page shows for it. */
async function placeOrder(page: Page): Promise<string> {
  await page.click('#place-order');
  const row = await page.waitForSelector('#orders tr[data-correlation-id]');
  const id = await row.getAttribute('data-correlation-id');
  expect(await row.textContent()).toMatch(/^201ord-\d+/);
  return id ?? '';
}

/** One log record as a test reads it: body, and every label/field under Loki's names. */
interface Found {
  line: string;
  labels: Record<string, string>;
}

/** Where records are read back from: the same questions, asked of each store. */
interface Store {
  name: string;
  /** A case's title, with why it is skipped when it is (`lokiTitle`, `esTitle`). */
  title(text: string): string;
  skip: boolean;
  /** A service's records whose labels include every `where` pair. */
  find(service: string, where: Record<string, string>): Promise<Found[]>;
}

/** Loki's label name for a field: `user.id` → `user_id`, `Scope.name` → `scope_name`. */
const lokiName = (field: string) => field.replace(/[^A-Za-z0-9_]/g, '_');

/** A VictoriaLogs record under Loki's names (its fields are OTLP's, dots and all). */
function fromVictoriaLogs(row: LogRow): Found {
  const labels: Record<string, string> = {};
  for (const [field, value] of Object.entries(row))
    if (!field.startsWith('_')) labels[lokiName(field)] = value;
  return { line: row._msg ?? '', labels };
}

/** An Elasticsearch document under Loki's names: `Attributes.user.id` → `user_id`, … */
function fromElasticsearch(doc: Record<string, unknown>): Found {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(doc)) {
    const name = key
      .replace(/^(Attributes|Resource)\./, '')
      .replace(/^Scope\.name$/, 'scope_name')
      .replace(/^SeverityText$/, 'severity_text')
      .replace(/^TraceId$/, 'trace_id');
    if (value !== null && typeof value !== 'object') labels[lokiName(name)] = String(value);
  }
  return { line: String(doc.Body ?? ''), labels };
}

const matching = (found: Found[], service: string, where: Record<string, string>) =>
  found.filter(
    (f) =>
      f.labels.service_name === service &&
      Object.entries(where).every(([k, v]) => f.labels[k] === v),
  );

const STORES: Store[] = [
  {
    name: 'VictoriaLogs',
    title: (text) => text,
    skip: false,
    find: async (service, where) => {
      const byTrace = where.trace_id ? ` trace_id:=${quote(where.trace_id)}` : '';
      const rows = await logStore.query(`{service.name=${quote(service)}}${byTrace}`);
      return matching(rows.map(fromVictoriaLogs), service, where);
    },
  },
  {
    name: 'Loki',
    title: lokiTitle,
    skip: !lokiUrl,
    find: async (service, where) => {
      const filters = Object.entries(where).map(([k, v]) => ` | ${k}="${v}"`);
      return loki.logs(`{service_name="${service}"}${filters.join('')}`);
    },
  },
  {
    name: 'Elasticsearch',
    title: esTitle,
    skip: !esUrl,
    find: async (service, where) => {
      // Narrowed by an id of this run: the user's Elasticsearch keeps every earlier run's records.
      const query = where.trace_id
        ? { term: { TraceId: where.trace_id } }
        : where.session_id
          ? { term: { 'Attributes.session.id': where.session_id } }
          : { term: { 'Resource.service.name': service } };
      const docs = await es.search('tracelog-logs', query);
      return matching(docs.map(fromElasticsearch), service, where);
    },
  },
];

/** Waits until a store returns records satisfying `done`, and returns them. */
function until(
  store: Store,
  service: string,
  where: Record<string, string>,
  done: (found: Found[]) => boolean,
  what: string,
): Promise<Found[]> {
  return waitFor(
    async () => {
      const found = await store.find(service, where);
      return done(found) ? found : undefined;
    },
    120_000,
    `${what} in ${store.name}`,
  );
}

const bodies = (found: Found[]) => found.map((l) => l.line);

const modes = [
  { via: 'relay', path: '/', otlpPrefix: () => `${origin}/otlp/v1/` },
  { via: 'collector (CORS)', path: '/?via=collector', otlpPrefix: () => `${collector.url}/v1/` },
];

describe.each(modes)('the trading page, telemetry through the $via', (mode) => {
  it('a click places an order: the page’s spans and the API’s share one trace, delivered by this path only', async () => {
    const { page, context, otlp } = await open(mode.path);
    const traceId = await placeOrder(page);
    expect(traceId).toMatch(/^[\da-f]{32}$/);

    // The spans: the page's place-order span and its fetch, and the API's server span.
    const {
      placeOrder: placeSpan,
      fetch: fetchSpan,
      server,
    } = await waitFor(
      async () => {
        const spans = await traceStore.trace(traceId);
        const found = {
          placeOrder: spans.find((s) => s.service === UI && s.name === 'place-order'),
          fetch: spans.find((s) => s.service === UI && s.name === 'POST'),
          server: spans.find((s) => s.service === API && s.kind === 'server'),
        };
        return found.placeOrder && found.fetch && found.server ? found : undefined;
      },
      120_000,
      'both sides’ spans in Jaeger',
    );
    expect(fetchSpan!.kind).toBe('client');
    expect(fetchSpan!.parentSpanId).toBe(placeSpan!.spanId);
    expect(server!.parentSpanId).toBe(fetchSpan!.spanId);

    // Delivered by the path under test, and by no other.
    expect(otlp.length).toBeGreaterThan(0);
    expect(otlp.filter((r) => !r.url.startsWith(mode.otlpPrefix()))).toEqual([]);
    await context.close();
  });

  describe.each(STORES)('read back from $name', (store) => {
    it.skipIf(store.skip)(
      store.title('a click places an order: the page’s logs and the API’s share its trace id'),
      async () => {
        const { page, context } = await open(mode.path);
        const traceId = await placeOrder(page);
        expect(traceId).toMatch(/^[\da-f]{32}$/);

        const ui = await until(
          store,
          UI,
          { trace_id: traceId },
          (found) => bodies(found).includes('order placed'),
          'the page’s records',
        );
        expect(bodies(ui)).toEqual(expect.arrayContaining(['placing order', 'order placed']));
        const placed = ui.find((l) => l.line === 'order placed')!.labels;
        expect(placed).toMatchObject({
          scope_name: 'orders.ticket',
          user_id: 'trader-7',
          deployment_environment_name: 'demo',
          tracelog_source: 'frontend',
        });
        expect(placed.order_id).toMatch(/^ord-\d+$/);

        const api = await until(
          store,
          API,
          { trace_id: traceId },
          (found) =>
            bodies(found).includes('order accepted') &&
            found.some((l) => l.labels.event_name === 'http.request'),
          'the API’s records',
        );
        expect(bodies(api)).toEqual(expect.arrayContaining(['order received', 'order accepted']));
        expect(api.find((l) => l.labels.event_name === 'http.request')?.labels).toMatchObject({
          http_request_method: 'POST',
          url_path: '/orders',
          http_response_status_code: '201',
        });
        // The same order id on both sides.
        expect(api.find((l) => l.line === 'order accepted')?.labels.order_id).toBe(placed.order_id);
        await context.close();
      },
    );

    it.skipIf(store.skip)(
      store.title('an uncaught error and an unhandled rejection arrive with their stacks'),
      async () => {
        const { page, context, sessionId } = await open(mode.path);
        await page.click('#throw-error');
        await page.click('#reject-promise');
        const exceptions = await until(
          store,
          UI,
          { session_id: sessionId, event_name: 'exception' },
          (found) => found.length >= 2,
          'two exception records',
        );
        const byType = (type: string) => exceptions.find((l) => l.labels.exception_type === type)!;
        const thrown = byType('TypeError').labels;
        expect(thrown.tracelog_exception_mechanism).toBe('onerror');
        expect(thrown.severity_text).toBe('ERROR');
        expect(thrown.exception_message).toContain('length');
        expect(thrown.exception_stacktrace).toMatch(/openPriceLadder[\s\S]*\/app\.js:\d+:\d+/);
        expect(thrown.code_function_name).toBe('openPriceLadder');
        const rejected = byType('RangeError').labels;
        expect(rejected.tracelog_exception_mechanism).toBe('unhandledrejection');
        expect(rejected.exception_message).toBe('positions service answered with an empty book');
        expect(rejected.exception_stacktrace).toMatch(/loadPositions[\s\S]*\/app\.js:\d+:\d+/);
        await context.close();
      },
    );

    it.skipIf(store.skip)(
      store.title('the last batch arrives after the page is left'),
      async () => {
        // The page's clock stands still, so its flush timer never fires: only leaving can send.
        const { page, context, otlp } = await open(mode.path, (p) => p.clock.install());
        await page.clock.pauseAt(Date.now() + 1_000);
        const traceId = await placeOrder(page);
        expect(otlp.filter((r) => r.body.includes('order placed'))).toEqual([]);
        await page.goto(`${origin}/health`);
        const ui = await until(
          store,
          UI,
          { trace_id: traceId },
          (found) => bodies(found).includes('order placed'),
          'the record written just before the page was left',
        );
        expect(bodies(ui)).toEqual(expect.arrayContaining(['placing order', 'order placed']));
        expect(otlp.filter((r) => !r.url.startsWith(mode.otlpPrefix()))).toEqual([]);
        await context.close();
      },
    );
  });
});

describe('the example’s relay', () => {
  it('takes telemetry only with the session cookie the page was served with', async () => {
    const body = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: UI } }] },
          scopeLogs: [
            {
              scope: { name: 'orders.ticket' },
              logRecords: [
                {
                  timeUnixNano: `${Date.now()}000000`,
                  severityNumber: 9,
                  body: { stringValue: 'relay auth probe' },
                },
              ],
            },
          ],
        },
      ],
    });
    const send = (cookie?: string) =>
      fetch(`${origin}/otlp/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
        body,
      });
    expect((await send()).status).toBe(401);
    expect((await send(`demo_session=${'a'.repeat(32)}.${'b'.repeat(64)}`)).status).toBe(401);
    const served = await fetch(`${origin}/`);
    const cookie = served.headers.get('set-cookie')!.split(';')[0]!;
    expect((await send(cookie)).status).toBe(200);
  });
});

describe('the collector’s CORS', () => {
  it('answers preflights for the page’s origin only, and a page on another origin cannot post', async () => {
    const preflight = (from: string) =>
      fetch(`${collector.url}/v1/logs`, {
        method: 'OPTIONS',
        headers: {
          origin: from,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const allowed = await preflight(origin);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'content-type',
    );
    const refused = await preflight('http://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    // The same page from http://localhost:<port>, an origin the collector does not allow.
    const post = (page: Page) =>
      page.evaluate(
        (url) =>
          fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          })
            .then((r) => r.status)
            .catch((e: unknown) => String(e)),
        `${collector.url}/v1/logs`,
      );
    const { page: ok, context: okContext } = await open('/');
    expect(await post(ok)).toBe(200);
    await okContext.close();
    const elsewhere = await browser.newContext();
    const other = await elsewhere.newPage();
    await other.goto(origin.replace('127.0.0.1', 'localhost'));
    expect(await post(other)).toMatch(/TypeError: Failed to fetch/);
    await elsewhere.close();
  });
});
