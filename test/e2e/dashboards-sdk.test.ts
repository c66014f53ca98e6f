import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT, RESOURCE } from '@tracelog/core';
import { vlAll, vlIs, vlRange } from '../../dashboards/src/logsql.ts';
import { VL_FIELD } from '../../dashboards/src/names.ts';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.ts';
import { Elasticsearch } from '../support/elasticsearch.ts';
import { describeVlPanels } from '../support/panel-oracle.ts';
import {
  TRACE_PANELS,
  expectPanelData,
  panelsOf,
  runPanel,
  runVlPanel,
  variableQueries,
  variableValues,
} from '../support/panels.ts';
import type { Picks } from '../support/logsql.ts';
import { startRedis } from '@tracelog/test-utils';
import { startService, stopServices } from '../support/services.ts';
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
  removeWorkDirs,
  runTag,
  waitFor,
  workDir,
} from '../support/stack.ts';
import type { JaegerSpan, LogRow } from '../support/stack.ts';

/**
 * Every dashboard panel on telemetry that only our SDKs produced: a trading API on Express and its
 * BullMQ settlement worker on @tracelog/node, and the trading page they serve on @tracelog/browser
 * in Chromium, all through our collector build into VictoriaLogs and Jaeger, and into the
 * Elasticsearch and Loki you run when TRACELOG_ES_URL / TRACELOG_LOKI_URL name them (else their
 * panels are skipped and say why). A panel that reads an attribute or event no SDK emits comes
 * back empty here, whatever the synthetic seed says; each VictoriaLogs panel's numbers must be
 * what the stored records give (test/support/panel-oracle.ts).
 */

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const SERVICES = { web: 'trading-web', api: 'trading-api', worker: 'settlement-worker' };
/**
 * The back-end services' environment, this run's own: an Elasticsearch or Loki you run keeps
 * earlier runs' records, so its panels are run with this environment selected, as a user would.
 */
const environment = runTag('test');
const loki = new Loki();
let logs: VictoriaLogs;
let traces: Jaeger;
let collector: Collector;
let redis: Awaited<ReturnType<typeof startRedis>>;
let browser: Browser;
let origin: string;
/** The trace id of the page's order click: page → API → settlement job. */
let clickTraceId = '';
/** Every record of the run, as VictoriaLogs returns them. */
let records: LogRow[] = [];

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

/** One call the test makes to the API: what it must answer, and the Express route that answers. */
interface ApiCall {
  status: number;
  method: string;
  path: string;
  route: string;
  body?: { symbol?: string; quantity?: number; broker?: 'busy' | 'down' };
}

/** Back-end traffic, from a client's side: every route, some 4xx and 5xx, tasks and jobs. */
const CLIENT_CALLS: ApiCall[] = [
  {
    status: 201,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body: { symbol: 'ACME', quantity: 100 },
  },
  {
    status: 201,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body: { symbol: 'GLOBX', quantity: 5 },
  },
  {
    status: 201,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body: { symbol: 'ACME', quantity: 7, broker: 'busy' },
  },
  {
    status: 201,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body: { symbol: 'INIT', quantity: 1, broker: 'busy' },
  },
  {
    status: 201,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body: { symbol: 'ACME', quantity: 3, broker: 'down' },
  },
  {
    status: 201,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body: { symbol: 'GLOBX', quantity: 9, broker: 'down' },
  },
  {
    status: 422,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body: { symbol: 'ACME', quantity: 0 },
  },
  { status: 422, method: 'POST', path: '/orders', route: '/orders', body: {} },
  { status: 200, method: 'GET', path: '/orders/ord-1', route: '/orders/:id' },
  { status: 404, method: 'GET', path: '/orders/ord-999', route: '/orders/:id' },
  { status: 200, method: 'GET', path: '/quotes/ACME', route: '/quotes/:symbol' },
  { status: 200, method: 'GET', path: '/quotes/GLOBX', route: '/quotes/:symbol' },
  { status: 503, method: 'GET', path: '/quotes/HALT', route: '/quotes/:symbol' },
  { status: 200, method: 'POST', path: '/reports/pnl', route: '/reports/:kind' },
  { status: 200, method: 'POST', path: '/reports/pnl', route: '/reports/:kind' },
  { status: 500, method: 'POST', path: '/reports/exposure', route: '/reports/:kind' },
];
/** The page's visitors: each loads the page and its script (and /health, which is not logged). */
const VISITORS = 2;
/** What the first visitor's clicks call: an order (placed with a broker that is up), a halted quote. */
const PAGE_CALLS: ApiCall[] = [
  {
    status: 201,
    method: 'POST',
    path: '/orders',
    route: '/orders',
    body: { symbol: 'ACME', quantity: 10 },
  },
  { status: 503, method: 'GET', path: '/quotes/HALT', route: '/quotes/:symbol' },
];

async function apiTraffic(): Promise<void> {
  for (const { status, method, path, body } of CLIENT_CALLS) {
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-user-id': 'trader-3' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    await response.text();
    expect(response.status, `${method} ${path}`).toBe(status);
  }
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

const count = (...filters: string[]) => logs.count(vlAll(...filters));
const of = (service: string) => vlIs(RESOURCE.SERVICE_NAME, service);
const event = (name: string, service: string) => count(vlIs(VL_FIELD.event, name), of(service));

/** The Web Vitals the page reported. */
const vitals = async () => {
  const rows = await logs.query(
    vlAll(vlIs(VL_FIELD.event, EVENT.BROWSER_WEB_VITAL), of(SERVICES.web)),
  );
  return [...new Set(rows.map((r) => r[ATTR.WEB_VITAL_NAME]))].sort();
};

beforeAll(async () => {
  const executablePath = ensureChromium();
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  if (lokiUrl) await loki.ready();
  if (esUrl) await new Elasticsearch().loadTemplates();
  [logs, traces, redis] = await Promise.all([
    new VictoriaLogs().start(),
    new Jaeger().start(),
    startRedis(),
  ]);
  collector = await new Collector({
    logs,
    traces,
    lokiUrl,
    esUrl,
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

  // Everything the traffic above must have produced, in VictoriaLogs and Jaeger.
  const { web, api, worker } = SERVICES;
  const arrivals: Array<[what: string, probe: () => Promise<boolean>]> = [
    // 2 ok + 2 busy (settled on the retry) + the page's order; 2 down fail both attempts.
    ['5 settled jobs', async () => (await event(EVENT.JOB_SUCCEEDED, worker)) >= 5],
    ['4 retries', async () => (await event(EVENT.JOB_RETRYING, worker)) >= 4],
    ['2 failed jobs', async () => (await event(EVENT.JOB_FAILED, worker)) >= 2],
    ['2 worker.stats reports', async () => (await event(EVENT.WORKER_STATS, worker)) >= 2],
    ['a failed report task', async () => (await event(EVENT.TASK_FAILURE, api)) >= 1],
    // The client's 16 calls, the page's 2, and the page and its script for 2 visitors.
    ['22 http.request records', async () => (await event(EVENT.HTTP_REQUEST, api)) >= 22],
    ['2 browser sessions', async () => (await event(EVENT.SESSION_START, web)) >= 2],
    ['the thrown error and the rejection', async () => (await event(EVENT.EXCEPTION, web)) >= 2],
    ['TTFB, LCP, CLS and INP', async () => (await vitals()).join() === 'CLS,INP,LCP,TTFB'],
    [
      'the page’s record of its fetch answered with 503',
      async () =>
        (await count(
          vlIs(VL_FIELD.event, EVENT.HTTP_REQUEST),
          of(web),
          vlRange(ATTR.HTTP_RESPONSE_STATUS_CODE, 503, 503),
        )) >= 1,
    ],
    [
      'the page’s fetch span answered with 503',
      async () =>
        (await traces.traces(web)).some(
          (s) => s.kind === 'client' && Number(s.tags[ATTR.HTTP_RESPONSE_STATUS_CODE]) === 503,
        ),
    ],
    [
      'the click’s job in the worker',
      async () => (await count(vlIs(VL_FIELD.traceId, clickTraceId), of(worker))) >= 1,
    ],
  ];
  for (const [what, probe] of arrivals) await waitFor(probe, 180_000, what);
  // Stopped first, so nothing arrives after the records are read: the panels see what they do.
  await browser.close();
  await stopServices();
  // What the services flushed on the way out may still be in the collector: read once the
  // store's count has stopped moving.
  let seen = -1;
  let since = Date.now();
  records = await waitFor(
    async () => {
      const stored = await logs.count('*');
      if (stored !== seen) [seen, since] = [stored, Date.now()];
      return Date.now() - since >= 3000 ? logs.query('*') : undefined;
    },
    60_000,
    'every record in VictoriaLogs',
  );
});

afterAll(async () => {
  await browser?.close();
  await stopServices();
  await redis?.stop();
  await collector?.stop();
  await Promise.all([logs?.stop(), traces?.stop()]);
  removeWorkDirs();
});

describeVlPanels('the SDKs’ records', () => ({ url: logs.url, records, traceId: clickTraceId }));

// --- What the traffic itself must give -----------------------------------------------------------

/** Each API call the traffic made: the client's, the page's clicks, each visitor's page load. */
const API_CALLS: ApiCall[] = [
  ...CLIENT_CALLS,
  ...PAGE_CALLS,
  ...Array.from({ length: VISITORS }, (): ApiCall[] => [
    { status: 200, method: 'GET', path: '/', route: '/' },
    { status: 200, method: 'GET', path: '/app.js', route: '/app.js' },
  ]).flat(),
];
/** The orders placed (each enqueues a settlement job with two attempts), by their broker. */
const brokers = API_CALLS.filter((c) => c.route === '/orders' && c.status === 201).map(
  (c) => c.body?.broker ?? 'ok',
);
/** Each run of the settle-order task: a busy broker fails once then settles, a down one fails twice. */
const settleRuns = brokers.flatMap((broker) =>
  broker === 'ok'
    ? ['success']
    : broker === 'busy'
      ? ['failure', 'success']
      : ['failure', 'failure'],
);
/** The report tasks: `pnl` is daily-pnl (analytics), `exposure` is recompute-exposure (risk), which fails. */
const reportRuns = API_CALLS.filter((c) => c.route === '/reports/:kind').map((c) =>
  c.path.endsWith('/exposure')
    ? { name: 'recompute-exposure', category: 'risk', outcome: 'failure' }
    : { name: 'daily-pnl', category: 'analytics', outcome: 'success' },
);
/** The page's uncaught error and unhandled rejection. */
const PAGE_ERRORS = 2;

/** How many of `items` give each key. */
function tally<T>(items: T[], keyOf: (item: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[keyOf(item)] = (out[keyOf(item)] ?? 0) + 1;
  return out;
}

/**
 * A VictoriaLogs stats panel's numbers as a user opens it (All): each group's total over the
 * dashboard's range (a time series summed over its steps), by the fields it groups by joined
 * with ` / `, for its stat `stat`.
 */
async function panelTotals(
  title: string,
  fields: string[],
  stat: string,
): Promise<Record<string, number>> {
  const panel = panelsOf('victorialogs').find((p) => p.name === title)!;
  const data = await runVlPanel(panel, logs.url, { trace_id: clickTraceId });
  if (data.kind === 'records') throw new Error(`${title} lists records`);
  const out: Record<string, number> = {};
  for (const { labels, samples } of data.series) {
    if (labels.__name__ !== stat) continue;
    const key = fields.map((f) => labels[f] ?? '').join(' / ');
    out[key] = (out[key] ?? 0) + samples.reduce((n, [, v]) => n + v, 0);
  }
  return out;
}

describe('the panels show what the test’s own traffic must give', () => {
  const settlement = 'settlement';
  it.each([
    [
      'service-overview › Requests by route',
      [ATTR.HTTP_ROUTE],
      'requests',
      () => tally(API_CALLS, (c) => c.route),
    ],
    [
      'service-overview › Server errors (5xx) by route',
      [ATTR.HTTP_ROUTE],
      'errors',
      () =>
        tally(
          API_CALLS.filter((c) => c.status >= 500),
          (c) => c.route,
        ),
    ],
    [
      'jobs-and-workers › Jobs succeeded by queue',
      [ATTR.MESSAGING_DESTINATION_NAME],
      'jobs',
      () => ({ [settlement]: brokers.filter((b) => b !== 'down').length }),
    ],
    [
      'jobs-and-workers › Jobs failed by queue',
      [ATTR.MESSAGING_DESTINATION_NAME],
      'jobs',
      () => ({ [settlement]: brokers.filter((b) => b === 'down').length }),
    ],
    [
      'jobs-and-workers › Retries by queue',
      [ATTR.MESSAGING_DESTINATION_NAME],
      'retries',
      () => ({ [settlement]: brokers.filter((b) => b !== 'ok').length }),
    ],
    [
      'jobs-and-workers › Task outcomes by category',
      [ATTR.TASK_CATEGORY, ATTR.TASK_OUTCOME],
      'tasks',
      () => ({
        ...tally(settleRuns, (outcome) => `position / ${outcome}`),
        ...tally(reportRuns, (r) => `${r.category} / ${r.outcome}`),
      }),
    ],
    [
      'logs-explorer › Task runs by outcome',
      [ATTR.TASK_NAME, ATTR.TASK_OUTCOME],
      'runs',
      () => ({
        ...tally(settleRuns, (outcome) => `settle-order / ${outcome}`),
        ...tally(reportRuns, (r) => `${r.name} / ${r.outcome}`),
      }),
    ],
    ['front-end › Sessions started', [], 'sessions', () => ({ '': VISITORS })],
  ] as const)('%s', async (title, fields, stat, expected) => {
    expect(await panelTotals(title, [...fields], stat)).toEqual(expected());
  });

  it('front-end › Errors by message: the page’s uncaught error and its unhandled rejection', async () => {
    const byMessage = await panelTotals(
      'front-end › Errors by message',
      [ATTR.EXCEPTION_MESSAGE],
      'errors',
    );
    expect(Object.values(byMessage).reduce((n, v) => n + v, 0)).toBe(PAGE_ERRORS);
  });
});

/** A panel of a server you run, with this run's environment selected. */
const inRun = (): Picks => ({ environment, trace_id: clickTraceId });

describe.skipIf(!esUrl)(
  esTitle(
    'every Elasticsearch panel returns this run’s data, of its shape, from SDK traffic alone',
  ),
  () => {
    it.each(panelsOf('elasticsearch').map((p) => [p.name, p] as const))(
      '%s',
      async (_name, panel) => {
        // The page reports its own environment; the back end's is this run's.
        const picks = panel.name.startsWith('front-end ›') ? { trace_id: clickTraceId } : inRun();
        expectPanelData(await runPanel(panel, { esUrl }, picks));
      },
    );

    it.each(variableQueries('elasticsearch').map((v) => [v.name, v] as const))(
      'variable $%s offers values',
      async (_name, variable) => {
        expect((await variableValues(variable, { esUrl })).length).toBeGreaterThan(0);
      },
    );
  },
);

describe.skipIf(!lokiUrl)(
  lokiTitle('every Loki panel returns this run’s records from SDK traffic alone'),
  () => {
    beforeAll(async () => {
      // The back end's records (in this run's environment) and the click's trace, as in
      // VictoriaLogs.
      const { api, worker } = SERVICES;
      const expected = {
        backEnd: await count(
          vlIs(RESOURCE.DEPLOYMENT_ENVIRONMENT, environment),
          `${RESOURCE.SERVICE_NAME}:in("${api}", "${worker}")`,
        ),
        click: await count(vlIs(VL_FIELD.traceId, clickTraceId)),
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

    it.each(panelsOf('loki').map((p) => [p.name, p] as const))('%s', async (_name, panel) => {
      const data = await runPanel(panel, { loki }, inRun());
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

describe('the correlation explorer on one click of the page', () => {
  const panel = (title: string) =>
    panelsOf('victorialogs').find((p) => p.name === `correlation-explorer › ${title}`)!;
  const services = (rows: LogRow[]) =>
    [...new Set(rows.map((r) => r[RESOURCE.SERVICE_NAME]))].sort();
  const all = [SERVICES.worker, SERVICES.api, SERVICES.web].sort();

  it('log records: the page, the API and the worker, under one trace id', async () => {
    const data = await runVlPanel(panel('Log records with this trace id'), logs.url, {
      trace_id: clickTraceId,
    });
    if (data.kind !== 'records') throw new Error(`unexpected ${data.kind}`);
    expect(clickTraceId).toMatch(/^[\da-f]{32}$/);
    expect(data.rows.every((r) => r[VL_FIELD.traceId] === clickTraceId)).toBe(true);
    expect(services(data.rows)).toEqual(all);
    expect(data.rows.map((r) => r[VL_FIELD.event])).toEqual(
      expect.arrayContaining([EVENT.HTTP_REQUEST, EVENT.JOB_ENQUEUED, EVENT.JOB_SUCCEEDED]),
    );
  });

  it('jobs started from the trace: the settlement job, by its conversation id', async () => {
    const data = await runVlPanel(
      panel('Jobs started from this trace (conversation id)'),
      logs.url,
      {
        trace_id: clickTraceId,
      },
    );
    if (data.kind !== 'records') throw new Error(`unexpected ${data.kind}`);
    expect(services(data.rows)).toContain(SERVICES.worker);
  });

  it.each(TRACE_PANELS.map((p) => [p.store, p] as const))(
    'trace (%s dashboards, Jaeger): the page’s click and fetch, the API’s request, the worker’s job, every span',
    async (_store, panel) => {
      // The trace id query of Grafana's Jaeger data source: GET /api/traces/<id>.
      const id = (panel.target as { query: string }).query.replace('$trace_id', clickTraceId);
      const spans: JaegerSpan[] = await traces.trace(id);
      expect(spans.every((s) => s.traceId === clickTraceId)).toBe(true);
      expect([...new Set(spans.map((s) => s.service))].sort()).toEqual(all);
      const kinds = (service: string) =>
        spans.filter((s) => s.service === service).map((s) => s.kind);
      expect(kinds(SERVICES.web)).toEqual(expect.arrayContaining(['internal', 'client']));
      expect(kinds(SERVICES.api)).toEqual(expect.arrayContaining(['server', 'producer']));
      expect(kinds(SERVICES.worker)).toContain('consumer');
      // Whole: one root (the click), every other span's parent in the trace.
      const ids = new Set(spans.map((s) => s.spanId));
      expect(spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))).toHaveLength(1);
    },
  );

  it.skipIf(!lokiUrl)(
    lokiTitle('Loki log records: the page, the API and the worker, under one trace id'),
    async () => {
      const data = await runPanel(
        panelsOf('loki').find(
          (p) => p.name === 'correlation-explorer › Log records with this trace id',
        )!,
        { loki },
        inRun(),
      );
      if (data.source !== 'loki') throw new Error(`unexpected ${data.source}`);
      expect(data.lines.every((l) => l.labels.trace_id === clickTraceId)).toBe(true);
      expect([...new Set(data.lines.map((l) => l.labels.service_name))].sort()).toEqual(all);
    },
  );
});
