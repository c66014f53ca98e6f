import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT, RESOURCE } from '../../packages/core/src/schema.ts';
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
