import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.ts';
import { isEs } from '../../dashboards/src/model.ts';
import {
  PANELS,
  VARIABLE_QUERIES,
  expectPanelData,
  runPanel,
  variableValues,
} from '../support/panels.ts';
import type { PanelCase } from '../support/panels.ts';
import { startRedis } from '../support/redis.ts';
import { startService, stopServices } from '../support/services.ts';
import {
  Collector,
  Elasticsearch,
  Loki,
  freePort,
  lokiTitle,
  lokiUrl,
  removeWorkDirs,
  runTag,
  waitFor,
  workDir,
} from '../support/stack.ts';

/**
 * Every dashboard panel on telemetry that only our SDKs produced: a trading API on Express and its
 * BullMQ settlement worker on @tracelog/node, and the trading page they serve on @tracelog/browser
 * in Chromium, all through our collector build into Elasticsearch, and into the Loki you run when
 * TRACELOG_LOKI_URL names one (else the Loki panels are skipped and say why). A panel that reads
 * an attribute or event no SDK emits comes back empty here, whatever the synthetic seed says.
 */

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const SERVICES = { web: 'trading-web', api: 'trading-api', worker: 'settlement-worker' };
/**
 * The back-end services' environment, this run's own: a Loki you run keeps earlier runs'
 * records, so its panels are run with this environment selected, as a user would select one.
 */
const environment = runTag('test');
const loki = new Loki();
let es: Elasticsearch;
let collector: Collector;
let redis: Awaited<ReturnType<typeof startRedis>>;
let browser: Browser;
let origin: string;
/** The trace id of the page's order click: page → API → settlement job. */
let clickTraceId = '';

/** Starts a fixture service; resolves with the first line it prints. */
function service(script: string, name: string, env: Record<string, string>): Promise<string> {
  return startService(fixtures, script, {
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_SERVICE_NAME: name,
    TRACELOG_ENVIRONMENT: environment,
    TRACELOG_SPOOL_DIR: join(workDir('spool'), 'spool'),
    REDIS_PORT: String(redis.port),
    ...env,
  }).line;
}

/** Back-end traffic, from a client's side: every route, some 4xx and 5xx, tasks and jobs. */
async function apiTraffic(): Promise<void> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-user-id': 'trader-3' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.text();
    return response.status;
  };
  const expected: Array<[number, string, string, unknown?]> = [
    [201, 'POST', '/orders', { symbol: 'ACME', quantity: 100 }],
    [201, 'POST', '/orders', { symbol: 'GLOBX', quantity: 5 }],
    [201, 'POST', '/orders', { symbol: 'ACME', quantity: 7, broker: 'busy' }],
    [201, 'POST', '/orders', { symbol: 'INIT', quantity: 1, broker: 'busy' }],
    [201, 'POST', '/orders', { symbol: 'ACME', quantity: 3, broker: 'down' }],
    [201, 'POST', '/orders', { symbol: 'GLOBX', quantity: 9, broker: 'down' }],
    [422, 'POST', '/orders', { symbol: 'ACME', quantity: 0 }],
    [422, 'POST', '/orders', {}],
    [200, 'GET', '/orders/ord-1'],
    [404, 'GET', '/orders/ord-999'],
    [200, 'GET', '/quotes/ACME'],
    [200, 'GET', '/quotes/GLOBX'],
    [503, 'GET', '/quotes/HALT'],
    [200, 'POST', '/reports/pnl'],
    [200, 'POST', '/reports/pnl'],
    [500, 'POST', '/reports/exposure'],
  ];
  for (const [status, method, path, body] of expected)
    expect(await call(method, path, body), `${method} ${path}`).toBe(status);
}

/** The page, used as a trader would; returns the order click's correlation id. */
async function pageTraffic(page: Page): Promise<string> {
  await page.goto(`${origin}/`);
  await page.click('#place-order');
  const row = await page.waitForSelector('#orders tr[data-correlation-id]');
  expect(await row.textContent()).toBe('201');
  const traceId = (await row.getAttribute('data-correlation-id')) ?? '';
  await page.click('#quote-halted');
  // Answered before the page is left, so its span ends with the status, not as aborted.
  await page.waitForSelector('body[data-quote-status="503"]');
  await page.click('#throw-error');
  await page.click('#reject-promise');
  await page.waitForSelector('body[data-error-seen][data-rejection-seen]');
  // Leaving hides the page: LCP, CLS and INP are reported then, and the last batch is sent.
  await page.goto(`${origin}/health`);
  return traceId;
}

const logs = (query: string) => es.count('tracelog-logs', { query_string: { query } });
const event = (name: string, service: string) =>
  logs(`Attributes.event.name:"${name}" AND Resource.service.name:"${service}"`);

/** The Web Vitals the page reported. */
const vitals = async () => {
  const query = `Attributes.event.name:"browser.web_vital" AND Resource.service.name:"${SERVICES.web}"`;
  const names = await es.search('tracelog-logs', { query_string: { query } });
  return [...new Set(names.map((d) => d['Attributes.web_vital.name']))].sort();
};

beforeAll(async () => {
  const executablePath = ensureChromium();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  if (lokiUrl) await loki.ready();
  [es, redis] = await Promise.all([new Elasticsearch().start(), startRedis()]);
  collector = await new Collector({
    elasticsearch: es,
    lokiUrl,
    // The page posts straight to the collector, which allows its origin.
    env: { TRACELOG_CORS_ORIGIN: origin, TRACELOG_CORS_ORIGIN_2: origin },
  }).start();
  await Promise.all([
    service('settlement-worker.mjs', SERVICES.worker, { STATS_EVERY: '3' }),
    service('trading-api.mjs', SERVICES.api, { PORT: String(port) }),
  ]);
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });

  await apiTraffic();
  const first = await browser.newContext();
  clickTraceId = await pageTraffic(await first.newPage());
  // A second visitor: a second session.
  const second = await browser.newContext();
  const visit = await second.newPage();
  await visit.goto(`${origin}/`);
  await visit.goto(`${origin}/health`);

  // Everything the traffic above must have produced, in Elasticsearch.
  const { web, api, worker } = SERVICES;
  const arrivals: Array<[what: string, probe: () => Promise<boolean>]> = [
    // 2 ok + 2 busy (settled on the retry) + the page's order; 2 down fail both attempts.
    ['5 settled jobs', async () => (await event('job.succeeded', worker)) >= 5],
    ['4 retries', async () => (await event('job.retrying', worker)) >= 4],
    ['2 failed jobs', async () => (await event('job.failed', worker)) >= 2],
    ['2 worker.stats reports', async () => (await event('worker.stats', worker)) >= 2],
    ['a failed report task', async () => (await event('task.failure', api)) >= 1],
    // The client's 16 calls, the page's 2, and the page and its script for 2 visitors.
    ['22 http.request records', async () => (await event('http.request', api)) >= 22],
    ['2 browser sessions', async () => (await event('session.start', web)) >= 2],
    ['the thrown error and the rejection', async () => (await event('exception', web)) >= 2],
    ['TTFB, LCP, CLS and INP', async () => (await vitals()).join() === 'CLS,INP,LCP,TTFB'],
    [
      'the page’s fetch answered with 503',
      async () =>
        (await es.count('tracelog-traces', {
          query_string: {
            query: `Resource.service.name:"${web}" AND Kind:SPAN_KIND_CLIENT AND Attributes.http.response.status_code:503`,
          },
        })) >= 1,
    ],
    [
      'the click’s job in the worker',
      async () =>
        (await logs(`TraceId:"${clickTraceId}" AND Resource.service.name:"${worker}"`)) >= 1,
    ],
  ];
  for (const [what, probe] of arrivals) await waitFor(probe, 180_000, `${what} in Elasticsearch`);
});

afterAll(async () => {
  await browser?.close();
  await stopServices();
  await redis?.stop();
  await collector?.stop();
  await es?.stop();
  removeWorkDirs();
});

const backends = () => ({ esUrl: es.url, loki, traceId: clickTraceId });

/** A panel as a user sees it with this run's environment selected. */
const inRun = (panel: PanelCase): PanelCase => ({
  ...panel,
  variables: panel.variables.map((v) =>
    v.name === 'environment' ? { ...v, current: { value: environment } } : v,
  ),
});

describe('every Elasticsearch panel returns data of the expected shape from SDK traffic alone', () => {
  it.each(PANELS.filter((p) => isEs(p.target)))('$name', async (panel) => {
    expectPanelData(await runPanel(panel, backends()));
  });
});

describe.skipIf(!lokiUrl)(
  lokiTitle('every Loki panel returns this run’s records from SDK traffic alone'),
  () => {
    beforeAll(async () => {
      // The back end's records (in this run's environment) and the click's trace, as in
      // Elasticsearch.
      const { api, worker } = SERVICES;
      const backEnd = `Resource.deployment.environment.name:"${environment}" AND Resource.service.name:("${api}" OR "${worker}")`;
      const expected = {
        backEnd: await logs(backEnd),
        click: await logs(`TraceId:"${clickTraceId}"`),
      };
      await waitFor(
        async () =>
          (await loki.scalar(
            `sum(count_over_time({deployment_environment_name="${environment}"} [2h]))`,
          )) >= expected.backEnd &&
          (await loki.scalar(
            `sum(count_over_time({service_name=~".+"} | trace_id="${clickTraceId}" [2h]))`,
          )) >= expected.click,
        120_000,
        'the same records in Loki',
      );
    });

    it.each(PANELS.filter((p) => !isEs(p.target)))('$name', async (panel) => {
      const data = await runPanel(inRun(panel), backends());
      expectPanelData(data);
      if (data.source !== 'loki') throw new Error(`unexpected ${data.source}`);
      expect(
        data.lines.every(
          (l) =>
            l.labels.deployment_environment_name === environment ||
            l.labels.trace_id === clickTraceId,
        ),
      ).toBe(true);
    });
  },
);

describe('every dashboard variable offers values from SDK traffic alone', () => {
  it.each(VARIABLE_QUERIES)('$0', async (_name, query) => {
    expect((await variableValues(es.url, query)).length).toBeGreaterThan(0);
  });
});

describe('the correlation explorer on one click of the page', () => {
  const panel = (title: string) =>
    PANELS.find((p) => p.name === `correlation-explorer › ${title}`)!;
  const services = (docs: Array<Record<string, unknown>>) =>
    [...new Set(docs.map((d) => d['Resource.service.name']))].sort();
  const all = [SERVICES.worker, SERVICES.api, SERVICES.web].sort();

  it('Elasticsearch log records: the page, the API and the worker, under one trace id', async () => {
    const data = await runPanel(
      panel('Log records with this trace id (Elasticsearch)'),
      backends(),
    );
    if (data.source !== 'elasticsearch') throw new Error(`unexpected ${data.source}`);
    expect(clickTraceId).toMatch(/^[\da-f]{32}$/);
    expect(data.hits.every((h) => h.TraceId === clickTraceId)).toBe(true);
    expect(services(data.hits)).toEqual(all);
    const events = data.hits.map((h) => h['Attributes.event.name']);
    expect(events).toEqual(
      expect.arrayContaining(['http.request', 'job.enqueued', 'job.succeeded']),
    );
  });

  it('jobs started from the trace: the settlement job, by its conversation id', async () => {
    const data = await runPanel(
      panel('Jobs started from this trace (conversation id)'),
      backends(),
    );
    if (data.source !== 'elasticsearch') throw new Error(`unexpected ${data.source}`);
    expect(services(data.hits)).toContain(SERVICES.worker);
  });

  it('spans: the page’s click and fetch, the API’s request, the worker’s job', async () => {
    const data = await runPanel(panel('Spans'), backends());
    if (data.source !== 'elasticsearch') throw new Error(`unexpected ${data.source}`);
    expect(services(data.hits)).toEqual(all);
    const kinds = (service: string) =>
      data.hits.filter((s) => s['Resource.service.name'] === service).map((s) => s.Kind);
    expect(kinds(SERVICES.web)).toEqual(
      expect.arrayContaining(['SPAN_KIND_INTERNAL', 'SPAN_KIND_CLIENT']),
    );
    expect(kinds(SERVICES.api)).toEqual(
      expect.arrayContaining(['SPAN_KIND_SERVER', 'SPAN_KIND_PRODUCER']),
    );
    expect(kinds(SERVICES.worker)).toContain('SPAN_KIND_CONSUMER');
  });

  it.skipIf(!lokiUrl)(
    lokiTitle('Loki log records: the page, the API and the worker, under one trace id'),
    async () => {
      const data = await runPanel(panel('Log records with this trace id (Loki)'), backends());
      if (data.source !== 'loki') throw new Error(`unexpected ${data.source}`);
      expect(data.lines.every((l) => l.labels.trace_id === clickTraceId)).toBe(true);
      expect([...new Set(data.lines.map((l) => l.labels.service_name))].sort()).toEqual(all);
    },
  );
});
