import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EVENT } from '@tracelog/core';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.ts';
import { PANEL_RANGE } from '../../dashboards/src/metrics-dashboards.ts';
import { BROWSER_SDK_LANGUAGE, COLLECTOR, L, SDK, SPAN } from '../../dashboards/src/metrics.ts';
import {
  METRICS_DASHBOARD_FILES,
  METRICS_PANELS,
  WINDOW_S,
  bucketBounds,
  bucketRange,
  counterGroups,
  groupKey,
  interpolatePromql,
} from '../support/metrics-panels.ts';
import { Prometheus, alertingEnv } from '../support/metrics.ts';
import { startRedis } from '@tracelog/test-utils';
import { startService, stopServices } from '../support/services.ts';
import { Collector, VictoriaLogs, freePort, removeWorkDirs, waitFor } from '../support/stack.ts';
import type { Jaeger } from '../support/stack.ts';

/**
 * Every panel of the dashboards on Prometheus (dashboards/metrics-json, as Grafana loads them),
 * run as Grafana runs it, against a real Prometheus fed by our collector build with telemetry
 * that only our SDKs produced: an API and a BullMQ worker on @tracelog/node, a page on
 * @tracelog/browser in Chromium, and a collector whose log and trace stores are gone for the
 * health panels' failures. Each panel's numbers are compared with what the test's own traffic
 * must give: counts exactly (the counters behind a rate hold what was sent, and the rate lies
 * within what Prometheus can compute from their samples), ratios within the bounds of their
 * parts, percentiles within the histogram buckets the sent durations imply, gauges exactly.
 */

const dir = new URL('../../dashboards/', import.meta.url);
const fixtures = new URL('./fixtures/', import.meta.url).pathname;

const S = { api: 'desk-api', worker: 'desk-worker', web: 'desk-web', lonely: 'desk-lonely' };
let logs: VictoriaLogs;
let prometheus: Prometheus;
let collector: Collector;
let brokenCollector: Collector;
let redis: Awaited<ReturnType<typeof startRedis>>;
let browser: Browser | undefined;
let upstream: Server | undefined;

describe('dashboards on Prometheus', () => {
  it.each(METRICS_DASHBOARD_FILES)('$file: uid, data source and variables', ({ file, json }) => {
    const datasources = parse(
      readFileSync(new URL('provisioning/datasources/tracelog.yaml', dir), 'utf8'),
    ) as { datasources: Array<{ uid: string; type: string }> };
    const prom = datasources.datasources.find((d) => d.type === 'prometheus')!;
    expect(json.uid).toBe(`tracelog-${file.replace(/\.json$/, '')}`);
    const defined = new Set(json.templating.list.map((v) => v.name));
    for (const v of json.templating.list) expect(v.datasource?.uid).toBe(prom.uid);
    for (const panel of json.panels) {
      expect(panel.datasource.uid, panel.title).toBe(prom.uid);
      for (const target of panel.targets) {
        expect(target.datasource.uid).toBe(prom.uid);
        for (const [, name] of target.expr.matchAll(/\$\{?(\w+)\}?/g))
          expect(defined.has(name!), `${panel.title} uses $${name}`).toBe(true);
      }
    }
  });

  describe('every panel shows the numbers the SDK-only traffic must give', () => {
    beforeAll(async () => {
      prometheus = await new Prometheus().start();
      [logs, redis] = await Promise.all([new VictoriaLogs().start(), startRedis()]);
      const pagePort = await freePort();
      const collectorEnv = {
        TRACELOG_PROMETHEUS_OTLP_ENDPOINT: prometheus.url,
        TRACELOG_SPANMETRICS_FLUSH_INTERVAL: '1s',
        TRACELOG_COLLECTOR_METRICS_INTERVAL_MS: '1000',
      };
      collector = await new Collector({
        logs,
        env: { ...collectorEnv, TRACELOG_CORS_ORIGIN: `http://127.0.0.1:${pagePort}` },
      }).start();
      // Stores at a port nothing listens on, with small queues: they fill, then refuse.
      const gone = 'http://127.0.0.1:9';
      brokenCollector = await new Collector({
        logs: { url: gone } as VictoriaLogs,
        traces: { otlpUrl: gone } as Jaeger,
        env: {
          ...collectorEnv,
          TRACELOG_COLLECTOR_SERVICE_NAME: BROKEN,
          TRACELOG_VICTORIALOGS_QUEUE_SIZE: String(BROKEN_QUEUE),
          TRACELOG_JAEGER_QUEUE_SIZE: String(BROKEN_QUEUE),
        },
      }).start();
      upstream = createServer((_req, res) => res.writeHead(503).end());
      const upstreamPort = await freePort();
      await new Promise<void>((resolve) => upstream!.listen(upstreamPort, '127.0.0.1', resolve));

      const shared = { redisPort: redis.port, upstreamUrl: `http://127.0.0.1:${upstreamPort}/` };
      const env = (name: string, via: Collector, extra: Record<string, string> = {}) =>
        alertingEnv(name, via, shared, { QUEUE, SLOW_MS: String(SLOW_S * 1000), ...extra });
      const url = async (script: string, e: Record<string, string>) =>
        `http://127.0.0.1:${await startService(fixtures, script, e).line}`;
      const api = await url(
        'alerting-service.mjs',
        env(S.api, collector, { PAGE_SERVICE: S.web, PORT: String(pagePort) }),
      );
      await startService(fixtures, 'alerting-worker.mjs', env(S.worker, collector)).line;
      const lonely = await url('alerting-service.mjs', env(S.lonely, brokenCollector));
      browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
      await sendTraffic(api, lonely, await browser.newPage());
      await waitFor(counted, 90_000, 'every count the traffic makes, in Prometheus');
      // The last samples of the gauges and rates: a panel that never agrees fails its own test.
      await waitFor(panelsAgree, 30_000, 'the panels').catch(() => undefined);
      at = Date.now() / 1000;
      expected = await expectations();
    });

    afterAll(async () => {
      await browser?.close();
      await stopServices();
      await Promise.all([collector?.stop(), brokenCollector?.stop()]);
      await Promise.all([prometheus?.stop(), logs?.stop(), redis?.stop()]);
      await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
      removeWorkDirs();
    });

    it('every panel is value-checked here', () => {
      expect(METRICS_PANELS.map((p) => p.name).sort()).toEqual(Object.keys(EXPECTATIONS).sort());
    });

    it.each(METRICS_PANELS)('$name (all services)', async ({ name, expr, variables }) => {
      await expectPanel(name, interpolatePromql(expr, variables, {}), expected.get(name)!);
    });

    it.each(METRICS_PANELS)('$name (one service picked)', async ({ name, expr, variables }) => {
      // The service the panel is about, as a user picks it from the variable's values.
      const service = name.startsWith('collector-health')
        ? BROKEN
        : name.startsWith('front-end')
          ? S.web
          : name.startsWith('job-metrics')
            ? S.worker
            : S.api;
      const values = (await (
        await fetch(`${prometheus.url}/api/v1/label/service_name/values`)
      ).json()) as { data: string[] };
      expect(values.data).toContain(service);
      const query = interpolatePromql(expr, variables, { service, environment: 'test' });
      const mine = new Map(
        [...expected.get(name)!].filter(([, g]) => g.labels[L.service] === service),
      );
      expect(mine.size, `${name}: groups of ${service}`).toBeGreaterThan(0);
      await expectPanel(name, query, mine);
    });
  });
});

// --- The traffic -------------------------------------------------------------------------------

/** What the test does: rounds of calls to the API, jobs enqueued, clicks on the page. */
const ROUNDS = 10;
const CALLS = ['ok', 'ok', 'fail', 'slow', 'upstream'] as const;
const JOBS = { settled: 3, failing: 1 };
const QUEUE = 'desk';
/** How long the API's `/slow` sleeps before answering (seconds). */
const SLOW_S = 0.2;
const BROKEN = 'desk-collector-broken';
const BROKEN_QUEUE = 5;
/** The round after which the page is loaded again (leaving it reports its Web Vitals). */
const RELOAD_AFTER = 4;

/** What the traffic was, as the test saw it. */
const seen = {
  /** The statuses of the page's own requests to the API: its document and its script. */
  pageStatuses: [] as number[],
  pageLoads: 0,
  /** The longest any call to a service took, timed by the test (seconds). */
  slowest: {} as Record<string, number>,
  /** When the traffic started (seconds). */
  start: 0,
};

/** Calls `url`, timing it for `service`; resolves once the answer is read. */
async function call(service: string, url: string, init?: RequestInit): Promise<void> {
  const started = performance.now();
  await (await fetch(url, init)).arrayBuffer();
  const seconds = (performance.now() - started) / 1000;
  seen.slowest[service] = Math.max(seen.slowest[service] ?? 0, seconds);
}

async function sendTraffic(api: string, lonely: string, page: Page): Promise<void> {
  seen.start = Date.now() / 1000;
  // The page's own requests to the API, with their statuses and durations as Chromium timed them.
  page.on('requestfinished', (request) => {
    if (!request.url().startsWith(api)) return;
    void request.response().then((response) => {
      seen.pageStatuses.push(response?.status() ?? 0);
      const seconds = request.timing().responseEnd / 1000;
      seen.slowest[S.api] = Math.max(seen.slowest[S.api] ?? 0, seconds);
    });
  });
  const load = async () => {
    await page.goto(api);
    seen.pageLoads++;
  };
  await load();
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(CALLS.map((path) => call(S.api, `${api}/${path}`)));
    await call(S.api, `${api}/jobs?count=${JOBS.settled}`, { method: 'POST' });
    await call(S.api, `${api}/jobs?count=${JOBS.failing}&fail=1`, { method: 'POST' });
    await call(S.lonely, `${lonely}/ok`);
    await page.click('#explode');
    // Half-way, the page is loaded again: leaving it reports its Web Vitals, so their counter
    // gets two samples (a rate needs two; one page view gives one).
    if (round === RELOAD_AFTER) await load();
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  // Closing the page reports the second view's Web Vitals.
  await page.close();
}

// --- What the panels must show -----------------------------------------------------------------

type Range = [number, number];
/** A group a panel must draw, and the range its value must lie in. */
interface Group {
  labels: Record<string, string>;
  value: Range;
}
type Groups = Map<string, Group>;

/** The label a panel sums several counters under, each named by it (`sumOver` in its source). */
const METRIC_LABEL = 'metric';
const SERVER = `${COLLECTOR.spanCalls}{${L.spanKind}="${SPAN.server}"}`;
const CONSUMER = `${COLLECTOR.spanCalls}{${L.spanKind}="${SPAN.consumer}"}`;
const EXPORTERS = {
  jaeger: 'otlp_http/jaeger',
  logs: 'otlp_http/victorialogs',
  prometheus: 'otlp_http/prometheus',
};

/** When the panels are read (seconds), and what they must show then, by panel name. */
let at = 0;
/** The time the panels are read at: `at`, or now while waiting for the traffic to settle. */
const readAt = () => at || Date.now() / 1000;
let expected = new Map<string, Groups>();

/** An exact count, or a range the test can vouch for. */
const exactly = (n: number): Range => [n, n];
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

/** The server spans of the API: its calls, its job posts, the page's requests. */
function apiRequests(): Record<string, Range> {
  const answered = CALLS.filter((c) => c === 'ok' || c === 'slow').length;
  return {
    // `ok` and `slow`; the page's document and script. `upstream` fails (502), `fail` too (500).
    200: exactly(ROUNDS * answered + count(seen.pageStatuses, 200)),
    500: exactly(ROUNDS),
    502: exactly(ROUNDS),
    202: exactly(ROUNDS * 2),
    // Chromium asks for /favicon.ico once; the page's response events do not report it.
    404: [0, 1],
  };
}
const sum = (ranges: Range[]): Range => [
  ranges.reduce((n, r) => n + r[0], 0),
  ranges.reduce((n, r) => n + r[1], 0),
];

/**
 * A rate (or increase) panel's groups: the counters `selector` picks must hold what the traffic
 * made (`totals`, by `totalsBy`: every group it made, no other), and each group's value lie
 * within what a rate over their samples can give, times `scale` (1 / range for a rate, 60 / range
 * per minute, 1 for an increase).
 */
async function rates(
  selector: string,
  by: string[],
  totals: Array<[Record<string, string>, Range]>,
  { scale = 1 / WINDOW_S, totalsBy = by, rename = (m: Record<string, string>) => m } = {},
): Promise<Groups> {
  const series = (await prometheus.samples(`${selector}[${PANEL_RANGE}]`, at || undefined)).map(
    (s) => ({ ...s, metric: rename(s.metric) }),
  );
  const made = counterGroups(series, totalsBy);
  const wanted = new Map(totals.map(([labels, range]) => [groupKey(labels, totalsBy), range]));
  for (const [key, group] of made) {
    const range = wanted.get(key);
    expect(range, `${selector}: ${key} is no group the traffic makes`).toBeDefined();
    expect(group.total, `${selector}: ${key}`).toBeGreaterThanOrEqual(range![0]);
    expect(group.total, `${selector}: ${key}`).toBeLessThanOrEqual(range![1]);
  }
  for (const [key, range] of wanted)
    if (range[0] > 0) expect(made.has(key), `${selector}: ${key} counted`).toBe(true);
  const groups: Groups = new Map();
  for (const [key, g] of counterGroups(series, by))
    if (g.rated) groups.set(key, { labels: g.labels, value: [g.low * scale, g.high * scale] });
  return groups;
}

/** A gauge panel's groups, each with its value. */
const gauges = (by: string[], values: Array<[Record<string, string>, Range]>): Groups =>
  new Map(values.map(([labels, value]) => [groupKey(labels, by), { labels, value }]));

/**
 * A ratio of two rate panels' sums by `by`: each group's value lies between the smallest
 * numerator over the largest denominator and the other way round.
 */
function ratio(numerator: Groups, denominator: Groups, by: string[]): Groups {
  const summed = (groups: Groups) => {
    const out: Groups = new Map();
    for (const { labels, value } of groups.values()) {
      const key = groupKey(labels, by);
      const g = out.get(key) ?? {
        labels: JSON.parse(key) as Record<string, string>,
        value: [0, 0],
      };
      out.set(key, { labels: g.labels, value: [g.value[0] + value[0], g.value[1] + value[1]] });
    }
    return out;
  };
  const den = summed(denominator);
  return new Map(
    [...summed(numerator)].map(([key, { labels, value }]) => {
      const [low, high] = den.get(key)!.value;
      return [key, { labels, value: [value[0] / high, value[1] / low] }];
    }),
  );
}

const api = { [L.service]: S.api };
const worker = { [L.service]: S.worker };
const web = { [L.service]: S.web };
const lonely = { [L.service]: S.lonely };
const noRoute = { [L.route]: '' };
const job = { [L.queue]: QUEUE };

/** Spans the API's calls made: the calls, the outbound calls, the jobs enqueued and run. */
const serverSpans = (by: string[]) =>
  rates(
    SERVER,
    by,
    [
      ...Object.entries(apiRequests()).map(([status, range]): [Record<string, string>, Range] => [
        { ...api, ...noRoute, [L.status]: status },
        range,
      ]),
      [{ ...lonely, ...noRoute, [L.status]: '200' }, lonelyCalls],
    ],
    { totalsBy: [L.service, L.route, L.status] },
  );
const jobsRun = ROUNDS * (JOBS.settled + JOBS.failing);
/**
 * The lonely service's calls, as the span metrics count them: each once, and again each time its
 * SDK sent a batch again that the broken collector had refused (the span metrics counted it on
 * the way in).
 */
const lonelyCalls: Range = [ROUNDS, Infinity];
const processDesk = { ...job, [L.spanName]: `process ${QUEUE}` };

/**
 * The percentile panels: the sample at the 95th percentile's rank lies in [`least`, `most`], so
 * the panel's value lies in the buckets around them.
 */
async function percentile(
  histogram: string,
  groups: Array<[Record<string, string>, number, number]>,
  by: string[],
): Promise<Groups> {
  const bounds = await bucketBounds(prometheus, `${histogram}_bucket`);
  return gauges(
    by,
    groups.map(([labels, least, most]) => [labels, bucketRange(bounds, least, most)]),
  );
}

/** The log records each service writes for the traffic, by severity (see `EXPECTATIONS`). */
function logRecords(): Array<[Record<string, string>, Range]> {
  const requests = apiRequests();
  const apiOk = sum([requests[200]!, requests[202]!]);
  const vitals = 4 * seen.pageLoads;
  return [
    // An `http.request` record per request (errors for 5xx, a warning for the 404), a
    // `job.enqueued` per job, and `/fail`'s own error.
    [{ ...api, [L.severity]: 'INFO' }, sum([apiOk, exactly(jobsRun)])],
    [{ ...api, [L.severity]: 'WARN' }, requests[404]!],
    [{ ...api, [L.severity]: 'ERROR' }, exactly(ROUNDS * 3)],
    // `job.started` per job, `job.succeeded` or `job.failed` as it ended.
    [{ ...worker, [L.severity]: 'INFO' }, exactly(jobsRun + ROUNDS * JOBS.settled)],
    [{ ...worker, [L.severity]: 'ERROR' }, exactly(ROUNDS * JOBS.failing)],
    // One session, four Web Vitals per page view, an exception per click.
    [{ ...web, [L.severity]: 'INFO' }, exactly(1 + vitals)],
    [{ ...web, [L.severity]: 'ERROR' }, exactly(ROUNDS)],
    // Its collector refuses while its queues are full, and the service sends again what was
    // refused: the counts have each attempt that got through the receiver, however many.
    [{ ...lonely, [L.severity]: 'INFO' }, [0, Infinity]],
  ];
}

/** What each panel must show, by `<file> › <title>`. */
const EXPECTATIONS: Record<string, () => Promise<Groups>> = {
  'service-metrics.json › Requests per second by route': () =>
    rates(
      SERVER,
      [L.service, L.route],
      [
        [{ ...api, ...noRoute }, sum(Object.values(apiRequests()))],
        [{ ...lonely, ...noRoute }, lonelyCalls],
      ],
    ),
  'service-metrics.json › Share of requests failing with 5xx': async () =>
    ratio(
      await rates(
        `${COLLECTOR.spanCalls}{${L.spanKind}="${SPAN.server}", ${L.status}=~"5.."}`,
        [L.service],
        [[api, exactly(ROUNDS * 2)]],
      ),
      await serverSpans([L.service]),
      [L.service],
    ),
  'service-metrics.json › Request duration p95 by route': async () => {
    // The slow calls are the slowest, and more than 5 % of the API's requests: the sample at the
    // rank is one of them.
    const requests = sum(Object.values(apiRequests()))[1];
    expect(0.05 * requests).toBeLessThan(ROUNDS);
    return percentile(
      COLLECTOR.spanDuration,
      [
        [{ ...api, ...noRoute }, SLOW_S, seen.slowest[S.api]!],
        [{ ...lonely, ...noRoute }, 0, seen.slowest[S.lonely]!],
      ],
      [L.service, L.route],
    );
  },
  'service-metrics.json › Responses by status code': () => serverSpans([L.service, L.status]),
  'service-metrics.json › Outbound HTTP calls by outcome': () =>
    rates(
      `${COLLECTOR.spanCalls}{${L.spanKind}="${SPAN.client}", ${L.method}!=""}`,
      [L.service, L.status, L.errorType],
      // `/upstream` calls an upstream that answers 503.
      [[{ ...api, [L.status]: '503', [L.errorType]: '503' }, exactly(ROUNDS)]],
    ),
  'service-metrics.json › Log records per second by severity': () =>
    rates(COLLECTOR.logRecords, [L.service, L.severity], logRecords()),
  'front-end-metrics.json › Browser errors per minute (uncaught errors, failed loads)': () =>
    rates(
      `${COLLECTOR.logRecords}{${L.sdkLanguage}="${BROWSER_SDK_LANGUAGE}", ${L.event}=~"${EVENT.EXCEPTION}|${EVENT.BROWSER_ERROR}"}`,
      [L.service],
      [[web, exactly(ROUNDS)]],
      { scale: 60 / WINDOW_S },
    ),
  'front-end-metrics.json › Web vitals by rating': () =>
    rates(
      COLLECTOR.webVitals,
      [L.service, L.vitalName, L.vitalRating],
      // Each page view reports each vital once, whatever its rating.
      ['TTFB', 'LCP', 'CLS', 'INP'].map((name) => [
        { ...web, [L.vitalName]: name },
        exactly(seen.pageLoads),
      ]),
      { scale: 1, totalsBy: [L.service, L.vitalName] },
    ),
  'front-end-metrics.json › Browser records per second by event': () =>
    rates(
      `${COLLECTOR.logRecords}{${L.sdkLanguage}="${BROWSER_SDK_LANGUAGE}"}`,
      [L.service, L.event],
      [
        [{ ...web, [L.event]: 'exception' }, exactly(ROUNDS)],
        [{ ...web, [L.event]: 'session.start' }, exactly(1)],
        [{ ...web, [L.event]: 'browser.web_vital' }, exactly(4 * seen.pageLoads)],
      ],
    ),
  'job-metrics.json › Jobs processed per second by queue and task': () =>
    rates(
      CONSUMER,
      [L.service, L.queue, L.spanName],
      [[{ ...worker, ...processDesk }, exactly(jobsRun)]],
    ),
  'job-metrics.json › Jobs failing per second by queue and task': () =>
    rates(
      `${COLLECTOR.spanCalls}{${L.spanKind}="${SPAN.consumer}", ${L.spanStatus}="${SPAN.error}"}`,
      [L.service, L.queue, L.spanName, L.errorType],
      [[{ ...worker, ...processDesk, [L.errorType]: 'Error' }, exactly(ROUNDS * JOBS.failing)]],
    ),
  // The test cannot time the jobs: each ran between the traffic's start and now.
  'job-metrics.json › Processing time p95 by queue and task': () =>
    percentile(
      COLLECTOR.spanDuration,
      [[{ ...worker, ...processDesk }, 0, readAt() - seen.start]],
      [L.service, L.queue, L.spanName],
    ),
  'job-metrics.json › Jobs enqueued and processed per second': () =>
    rates(
      `${COLLECTOR.spanCalls}{${L.spanKind}=~"${SPAN.producer}|${SPAN.consumer}"}`,
      [L.service, L.queue, L.spanName, L.spanKind],
      [
        [
          { ...api, ...job, [L.spanName]: `send ${QUEUE}`, [L.spanKind]: SPAN.producer },
          exactly(jobsRun),
        ],
        [{ ...worker, ...processDesk, [L.spanKind]: SPAN.consumer }, exactly(jobsRun)],
      ],
    ),
  // Likewise: each job waited between the traffic's start and now. Every job was measured.
  'job-metrics.json › Wait in queue p95': async () => {
    const [measured] = await prometheus.query(
      `sum(${SDK.jobWait}_count{${L.service}="${S.worker}"})`,
      at || undefined,
    );
    expect(Number(measured?.value[1])).toBe(jobsRun);
    return percentile(
      SDK.jobWait,
      [[{ ...worker, ...job }, 0, readAt() - seen.start]],
      [L.service, L.queue],
    );
  },
  // Every job has run: none is in progress, in the API's view of the queue or the worker's.
  'job-metrics.json › Jobs in progress': async () =>
    gauges(
      [L.service, L.queue],
      [
        [{ ...api, ...job }, exactly(0)],
        [{ ...worker, ...job }, exactly(0)],
      ],
    ),
  'collector-health.json › Sending queue in use by exporter': async () => {
    const capacity = new Map(
      (await prometheus.query(COLLECTOR.queueCapacity, at || undefined)).map((s) => [
        groupKey(s.metric, [L.service, L.exporter]),
        Number(s.value[1]),
      ]),
    );
    return new Map(
      [...queued()].map(([key, { labels, value }]) => [
        key,
        { labels, value: [value[0] / capacity.get(key)!, value[1] / capacity.get(key)!] },
      ]),
    );
  },
  'collector-health.json › Items queued by exporter': async () => queued(),
  'collector-health.json › Items failed or refused per second by exporter': () =>
    rates(
      `{__name__=~"${COLLECTOR.exportFailures.join('|')}"}`,
      [L.service, L.exporter, METRIC_LABEL],
      // The broken collector's stores' queues filled, then refused (at least one item each, as
      // `settled` waits for); how many more depends on how often the services retried.
      [
        [
          {
            [L.service]: BROKEN,
            [L.exporter]: EXPORTERS.jaeger,
            [METRIC_LABEL]: 'otelcol_exporter_enqueue_failed_spans_total',
          },
          [1, Infinity],
        ],
        [
          {
            [L.service]: BROKEN,
            [L.exporter]: EXPORTERS.logs,
            [METRIC_LABEL]: 'otelcol_exporter_enqueue_failed_log_records_total',
          },
          [1, Infinity],
        ],
      ],
      { rename: (m) => ({ ...m, [METRIC_LABEL]: m.__name__! }) },
    ),
  'collector-health.json › Items sent per second by exporter': async () =>
    rates(
      `{__name__=~"${COLLECTOR.exportSent.join('|')}"}`,
      [L.service, L.exporter],
      [
        // Every record VictoriaLogs holds, sent once.
        [{ [L.service]: HEALTHY, [L.exporter]: EXPORTERS.logs }, exactly(await logs.count('*'))],
        [{ [L.service]: HEALTHY, [L.exporter]: EXPORTERS.prometheus }, [1, Infinity]],
        [{ [L.service]: BROKEN, [L.exporter]: EXPORTERS.prometheus }, [1, Infinity]],
        // Nothing reaches the stores that are gone.
        [{ [L.service]: BROKEN, [L.exporter]: EXPORTERS.jaeger }, exactly(0)],
        [{ [L.service]: BROKEN, [L.exporter]: EXPORTERS.logs }, exactly(0)],
      ],
    ),
};
const HEALTHY = 'tracelog-collector';

/**
 * The exporters' queues: the broken collector's stores' queues full (nothing leaves them before
 * their retries give up, minutes later); the healthy one's drained, but for the metrics it
 * exports every second, of which one request may be waiting.
 */
const queued = () =>
  gauges(
    [L.service, L.exporter],
    [
      [{ [L.service]: HEALTHY, [L.exporter]: EXPORTERS.logs }, exactly(0)],
      [{ [L.service]: HEALTHY, [L.exporter]: EXPORTERS.prometheus }, [0, 1]],
      [{ [L.service]: BROKEN, [L.exporter]: EXPORTERS.jaeger }, exactly(BROKEN_QUEUE)],
      [{ [L.service]: BROKEN, [L.exporter]: EXPORTERS.logs }, exactly(BROKEN_QUEUE)],
      [{ [L.service]: BROKEN, [L.exporter]: EXPORTERS.prometheus }, [0, 1]],
    ],
  );

/** Whether Prometheus holds every count the traffic makes (each expectation checks its own). */
async function counted(): Promise<boolean> {
  await expectations();
  return true;
}

/** Whether every panel shows what it must, now. */
async function panelsAgree(): Promise<boolean> {
  for (const [name, groups] of await expectations())
    await expectPanel(name, interpolatePromql(panel(name).expr, panel(name).variables, {}), groups);
  return true;
}

const panel = (name: string) => METRICS_PANELS.find((p) => p.name === name)!;

/** The panel's query, at `at`: the groups expected, each with its value in range. */
async function expectPanel(name: string, query: string, groups: Groups): Promise<void> {
  expect(groups.size, `${name}: groups the traffic makes`).toBeGreaterThan(0);
  const by = Object.keys([...groups.values()][0]?.labels ?? {});
  const got = new Map(
    (await prometheus.query(query, at || undefined))
      .filter((s) => Number.isFinite(Number(s.value[1])))
      .map((s) => [groupKey(s.metric, by), Number(s.value[1])]),
  );
  expect([...got.keys()].sort(), `${name}: ${query}`).toEqual([...groups.keys()].sort());
  for (const [
    key,
    {
      value: [low, high],
    },
  ] of groups) {
    const value = got.get(key)!;
    const what = `${name}: ${key} = ${value}, expected within [${low}, ${high}]`;
    expect(value >= low - 1e-9 && value <= high + 1e-9, what).toBe(true);
  }
}

/** Every panel's expectations, read once the traffic has settled. */
async function expectations(): Promise<Map<string, Groups>> {
  const out = new Map<string, Groups>();
  for (const [name, expectations] of Object.entries(EXPECTATIONS))
    out.set(name, await expectations());
  return out;
}
