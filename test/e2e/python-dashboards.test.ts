import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC } from '@tracelog/core';
import { PANEL_RANGE } from '../../dashboards/src/metrics-dashboards.ts';
import { PROM_ALERTS } from '../../dashboards/src/prometheus-alerts.ts';
import { COLLECTOR, L, SPAN, promName } from '../../dashboards/src/metrics.ts';
import {
  METRICS_PANELS,
  WINDOW_S,
  bucketBounds,
  bucketRange,
  counterGroups,
  interpolatePromql,
} from '../support/metrics-panels.ts';
import { startAlerting } from '../support/metrics.ts';
import type { Alertmanager, Prometheus, RangeSeries, WebhookReceiver } from '../support/metrics.ts';
import { PYTHON_EXAMPLES, PythonService, loopbackAddress, pythonVenv } from '../support/python.ts';
import { startRedis } from '@tracelog/test-utils';
import {
  Collector,
  Jaeger,
  VictoriaLogs,
  freePort,
  quote,
  removeWorkDirs,
  waitFor,
} from '../support/stack.ts';
import type { JaegerSpan, LogRow } from '../support/stack.ts';

/**
 * The dashboards on Prometheus and the alert rules, fed by Python services alone: the FastAPI
 * and Django examples and their Celery worker (examples/python, upstream OpenTelemetry Python
 * under opentelemetry-instrument, as docs/python.md runs them) on a real Redis, exporting to our
 * collector build, which stores logs in VictoriaLogs and spans in Jaeger and sends span metrics
 * and log counts to Prometheus. No @tracelog SDK anywhere: the ledger the tasks call is a bare
 * HTTP server. Every panel that claims to show any OpenTelemetry service (no `needs` in its
 * source) must show these services, with the numbers their spans in Jaeger and their records in
 * VictoriaLogs give; the HTTP 5xx-ratio and failing-jobs rules must fire from a FastAPI fault and
 * a failing Celery task and reach a webhook through Alertmanager, and the stopped-sending rule
 * from a Python service killed.
 */

const S = { fastapi: 'orders-fastapi', django: 'reports-django', worker: 'orders-celery' } as const;
const SERVICES: string[] = Object.values(S);
/** What the test sends: orders settled and refused (their tasks raise), faults, reports. */
const TRAFFIC = { settled: 4, refused: 8, faults: 3, unrouted: 1, reports: 3 } as const;
const run = Date.now().toString(36);

let alerting: { webhook: WebhookReceiver; alertmanager: Alertmanager; prometheus: Prometheus };
let logStore: VictoriaLogs;
let traceStore: Jaeger;
let collector: Collector;
let redis: Awaited<ReturnType<typeof startRedis>>;
let ledger: Server | undefined;
const python: Record<keyof typeof S, PythonService> = {} as never;
const urls = { fastapi: '', django: '' };

beforeAll(async () => {
  let ledgerPort: number;
  [alerting, logStore, traceStore, redis, ledgerPort] = await Promise.all([
    startAlerting(),
    new VictoriaLogs().start(),
    new Jaeger().start(),
    startRedis(),
    freePort(),
    pythonVenv(),
  ]);
  // The ledger orders.settle books with: a bare server, so no Node SDK is in the flow.
  ledger = createServer((req, res) => {
    req.resume();
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"booked":true}');
  });
  await new Promise<void>((resolve) => ledger!.listen(ledgerPort, '127.0.0.1', resolve));
  collector = await new Collector({
    logs: logStore,
    traces: traceStore,
    env: {
      TRACELOG_PROMETHEUS_OTLP_ENDPOINT: alerting.prometheus.url,
      TRACELOG_SPANMETRICS_FLUSH_INTERVAL: '1s',
      TRACELOG_COLLECTOR_METRICS_INTERVAL_MS: '1000',
    },
  }).start();

  const [fastapi, django] = [await loopbackAddress(), await loopbackAddress()];
  urls.fastapi = fastapi.url;
  urls.django = django.url;
  const py = (service: string, command: string[], ready: { url: string } | { output: RegExp }) =>
    new PythonService({
      service,
      command,
      ready,
      otlpEndpoint: collector.url,
      env: {
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
        REDIS_URL: redis.url,
        LEDGER_URL: `http://127.0.0.1:${ledgerPort}`,
        DJANGO_SETTINGS_MODULE: 'django_orders.settings',
      },
    });
  python.worker = py(
    S.worker,
    ['celery', '-A', 'tasks', 'worker', '--loglevel', 'INFO', '--concurrency', '1'],
    { output: /@\S+ ready\./ },
  );
  python.fastapi = py(
    S.fastapi,
    ['uvicorn', 'api:app', '--host', '127.0.0.1', '--port', String(fastapi.port)],
    { url: fastapi.url },
  );
  python.django = py(
    S.django,
    [
      'python',
      join(PYTHON_EXAMPLES, 'manage.py'),
      'runserver',
      '--noreload',
      `127.0.0.1:${django.port}`,
    ],
    { url: django.url },
  );
  await Promise.all(Object.values(python).map((service) => service.start()));

  await sendTraffic();
});

afterAll(async () => {
  await Promise.all(Object.values(python).map((service) => service.stop()));
  await collector?.stop();
  await Promise.all([
    alerting?.prometheus.stop(),
    alerting?.alertmanager.stop(),
    logStore?.stop(),
    traceStore?.stop(),
    redis?.stop(),
  ]);
  await alerting?.webhook.stop();
  await new Promise((resolve) => (ledger ? ledger.close(resolve) : resolve(undefined)));
  removeWorkDirs();
});

const times = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Orders settled and refused, FastAPI faults, a path no route matches, Django reports. */
async function sendTraffic(): Promise<void> {
  const call = (path: string, method = 'POST') =>
    fetch(path, { method }).then(async (r) => (await r.arrayBuffer(), r.status));
  const statuses = await Promise.all([
    ...times(TRAFFIC.settled).map((i) => call(`${urls.fastapi}/orders/ord-${run}-${i}`)),
    ...times(TRAFFIC.refused).map((i) => call(`${urls.fastapi}/orders/fail-${run}-${i}`)),
    ...times(TRAFFIC.faults).map(() => call(`${urls.fastapi}/fail`, 'GET')),
    ...times(TRAFFIC.unrouted).map(() => call(`${urls.fastapi}/no-such-route`, 'GET')),
    ...times(TRAFFIC.reports).map((i) => call(`${urls.django}/reports/rep-${run}-${i}`)),
  ]);
  expect(statuses).toEqual([
    ...times(TRAFFIC.settled + TRAFFIC.refused).map(() => 200),
    ...times(TRAFFIC.faults).map(() => 500),
    ...times(TRAFFIC.unrouted).map(() => 404),
    ...times(TRAFFIC.reports).map(() => 202),
  ]);
}

// --- What the stores hold --------------------------------------------------------------------

/** A span as the span_metrics connector labels it (a label it lacks is ""). */
interface Span {
  [label: string]: string | number;
  seconds: number;
  /** When it ended (seconds). */
  end: number;
}

function labelled(span: JaegerSpan): Span {
  const tag = (name: string) => (span.tags[name] === undefined ? '' : String(span.tags[name]));
  return {
    [L.service]: span.service,
    [L.spanKind]: `SPAN_KIND_${span.kind.toUpperCase()}`,
    [L.spanStatus]: `STATUS_CODE_${span.status}`,
    [L.spanName]: span.name,
    [L.route]: tag('http.route'),
    [L.method]: tag('http.request.method'),
    [L.status]: tag('http.response.status_code'),
    [L.errorType]: tag('error.type'),
    [L.queue]: tag('messaging.destination.name'),
    seconds: span.durationUs / 1e6,
    end: (span.startUs + span.durationUs) / 1e6,
  };
}

/**
 * Every span the panels count: the traces of the two web services (their requests, the tasks
 * they enqueued, the worker's runs of them and the calls those made), and the worker's runs by
 * name in case one started a trace of its own. Not the worker's Redis polling (a trace per
 * command), which no panel counts.
 */
async function storedSpans(): Promise<Span[]> {
  const found = await Promise.all([
    traceStore.traces(S.fastapi),
    traceStore.traces(S.django),
    traceStore.traces(S.worker, { operation: 'run/orders.settle' }),
    traceStore.traces(S.worker, { operation: 'run/reports.build' }),
  ]);
  const byId = new Map(found.flat().map((span) => [span.spanId, span]));
  return [...byId.values()].map(labelled);
}

const count = (spans: Span[], where: Record<string, string>) =>
  spans.filter((s) => Object.entries(where).every(([k, v]) => s[k] === v)).length;

/** What the traffic must give, in Jaeger: it checks the oracle the panels are compared with. */
const FACTS: Array<[what: string, where: Record<string, string>, count: number]> = [
  [
    'FastAPI answered every order 200',
    {
      [L.service]: S.fastapi,
      [L.spanKind]: SPAN.server,
      [L.route]: '/orders/{order_id}',
      [L.status]: '200',
    },
    TRAFFIC.settled + TRAFFIC.refused,
  ],
  [
    'FastAPI answered every fault 500',
    { [L.service]: S.fastapi, [L.spanKind]: SPAN.server, [L.route]: '/fail', [L.status]: '500' },
    TRAFFIC.faults,
  ],
  [
    'Django answered every report 202',
    {
      [L.service]: S.django,
      [L.spanKind]: SPAN.server,
      [L.route]: 'reports/<str:report_id>',
      [L.status]: '202',
    },
    TRAFFIC.reports,
  ],
  [
    'FastAPI enqueued every order’s settlement',
    {
      [L.service]: S.fastapi,
      [L.spanKind]: SPAN.producer,
      [L.spanName]: 'apply_async/orders.settle',
    },
    TRAFFIC.settled + TRAFFIC.refused,
  ],
  [
    'Django enqueued every report',
    {
      [L.service]: S.django,
      [L.spanKind]: SPAN.producer,
      [L.spanName]: 'apply_async/reports.build',
    },
    TRAFFIC.reports,
  ],
  [
    'the worker settled the orders',
    {
      [L.service]: S.worker,
      [L.spanKind]: SPAN.consumer,
      [L.spanName]: 'run/orders.settle',
      [L.spanStatus]: SPAN.unset,
    },
    TRAFFIC.settled,
  ],
  [
    'the worker’s settlement raised for every refused order',
    {
      [L.service]: S.worker,
      [L.spanKind]: SPAN.consumer,
      [L.spanName]: 'run/orders.settle',
      [L.spanStatus]: SPAN.error,
    },
    TRAFFIC.refused,
  ],
  [
    'the worker built the reports',
    { [L.service]: S.worker, [L.spanKind]: SPAN.consumer, [L.spanName]: 'run/reports.build' },
    TRAFFIC.reports,
  ],
  [
    'the worker booked every settled order with the ledger',
    { [L.service]: S.worker, [L.spanKind]: SPAN.client, [L.method]: 'POST', [L.status]: '201' },
    TRAFFIC.settled,
  ],
];

// --- The panels' meaning, written again in plain code over the stored spans and records ------

/**
 * A panel's value for one group: a count of spans (per-second rate × range), a ratio, a p95, or
 * a count of log records (`records`, see the test that compares them).
 */
type Expected = { count: number } | { ratio: number } | { p95Of: number[] } | { records: number };

interface Oracle {
  /** The series whose samples Prometheus extrapolated the panel's rates from. */
  series: string;
  groups: (data: {
    spans: Span[];
    logs: LogRow[];
  }) => Map<string, [Record<string, string>, Expected]>;
}

const key = (labels: Record<string, string>) => JSON.stringify(labels);

/** Groups items by the labels `labelsOf` gives, with `expected` of each group's members. */
function groupBy<T>(
  items: T[],
  labelsOf: (item: T) => Record<string, string>,
  expected: (members: T[]) => Expected | undefined,
): Map<string, [Record<string, string>, Expected]> {
  const groups = new Map<string, { labels: Record<string, string>; members: T[] }>();
  for (const item of items) {
    const labels = labelsOf(item);
    const group = groups.get(key(labels)) ?? { labels, members: [] };
    group.members.push(item);
    groups.set(key(labels), group);
  }
  const out = new Map<string, [Record<string, string>, Expected]>();
  for (const [k, { labels, members }] of groups) {
    const value = expected(members);
    if (value) out.set(k, [labels, value]);
  }
  return out;
}

const pick = (span: Span, ...labels: string[]) =>
  Object.fromEntries(labels.map((l) => [l, String(span[l])]));
const counted = (members: unknown[]): Expected => ({ count: members.length });
const p95 = (members: Span[]): Expected => ({ p95Of: members.map((s) => s.seconds) });
const isServer = (s: Span) => s[L.spanKind] === SPAN.server;
const isConsumer = (s: Span) => s[L.spanKind] === SPAN.consumer;
const job = [L.service, L.queue, L.spanName];
const spanOracle = (
  which: (s: Span) => boolean,
  labels: string[],
  expected: (members: Span[]) => Expected | undefined = counted,
): Oracle => ({
  series: COLLECTOR.spanCalls,
  groups: ({ spans }) => groupBy(spans.filter(which), (s) => pick(s, ...labels), expected),
});

const ORACLES: Record<string, Oracle> = {
  'service-metrics.json › Requests per second by route': spanOracle(isServer, [L.service, L.route]),
  'service-metrics.json › Share of requests failing with 5xx': spanOracle(
    isServer,
    [L.service],
    (members) => {
      const failed = members.filter((s) => /^5\d\d$/.test(String(s[L.status]))).length;
      // No 5xx series for a service: the division yields nothing for it.
      return failed > 0 ? { ratio: failed / members.length } : undefined;
    },
  ),
  'service-metrics.json › Request duration p95 by route': spanOracle(
    isServer,
    [L.service, L.route],
    p95,
  ),
  'service-metrics.json › Responses by status code': spanOracle(isServer, [L.service, L.status]),
  'service-metrics.json › Outbound HTTP calls by outcome': spanOracle(
    (s) => s[L.spanKind] === SPAN.client && s[L.method] !== '',
    [L.service, L.status, L.errorType],
  ),
  'service-metrics.json › Log records per second by severity': {
    series: COLLECTOR.logRecords,
    groups: ({ logs }) =>
      groupBy(
        logs,
        (r) => ({
          [L.service]: r['service.name']!,
          // The count connector's default for a record without one.
          [L.severity]: r.severity_text || 'UNSPECIFIED',
        }),
        (members) => ({ records: members.length }),
      ),
  },
  'job-metrics.json › Jobs processed per second by queue and task': spanOracle(isConsumer, job),
  'job-metrics.json › Jobs failing per second by queue and task': spanOracle(
    (s) => isConsumer(s) && s[L.spanStatus] === SPAN.error,
    [...job, L.errorType],
  ),
  'job-metrics.json › Processing time p95 by queue and task': spanOracle(isConsumer, job, p95),
  'job-metrics.json › Jobs enqueued and processed per second': spanOracle(
    (s) => s[L.spanKind] === SPAN.producer || isConsumer(s),
    [...job, L.spanKind],
  ),
};

/** The panels that claim to show any OpenTelemetry service (no `needs` in their source). */
const ANY_SERVICE = METRICS_PANELS.filter((p) => p.needs === undefined);

describe('Python services alone: alerts', () => {
  it('the HTTP 5xx ratio and failing-jobs alerts fire from a FastAPI fault and a failing Celery task, through Alertmanager', async () => {
    const { webhook } = alerting;
    const fired = {
      HttpServerErrorRatio: await webhook.waitForAlert('HttpServerErrorRatio', S.fastapi),
      FailingJobs: await webhook.waitForAlert('FailingJobs', S.worker),
    };
    for (const [name, alert] of Object.entries(fired)) {
      const rule = PROM_ALERTS.find((a) => a.alert === name)!;
      expect(alert.labels.severity, name).toBe(rule.severity);
      expect(alert.annotations.runbook_url, name).toBe(`dashboards/RUNBOOK.md#${rule.runbook}`);
      expect(alert.annotations.summary, name).toContain(alert.labels.service);
    }
    // Per task, by the span name Celery gives its runs; Celery's spans name no queue.
    expect(fired.FailingJobs.labels).toMatchObject({ [L.spanName]: 'run/orders.settle' });
    expect(fired.FailingJobs.labels[L.queue]).toBeUndefined();
    // Only the faults fired them: not Django (no 5xx) and not reports.build (never failed).
    const about = (alertname: string) =>
      webhook.alerts
        .filter((a) => a.labels.alertname === alertname)
        .map((a) => `${a.labels.service} ${a.labels[L.spanName] ?? ''}`.trim());
    expect(new Set(about('HttpServerErrorRatio'))).toEqual(new Set([S.fastapi]));
    expect(new Set(about('FailingJobs'))).toEqual(new Set([`${S.worker} run/orders.settle`]));
  });
});

describe('Python services alone: every panel that claims any OpenTelemetry service shows them', () => {
  /** When the panels are read (seconds), and what the stores hold for that moment. */
  let at = 0;
  let data: { spans: Span[]; logs: LogRow[] };
  /**
   * The largest factor by which Prometheus's extrapolation can have scaled a rate of span
   * metrics: at most 1.1 sample intervals at the range's end (none at its start, where a counter
   * counts from zero), for the series with the fewest samples.
   */
  let slack = 1;
  /** The log-record counters' samples in the panels' range. */
  let logSeries: RangeSeries[] = [];

  beforeAll(async () => {
    const { prometheus } = alerting;
    const ofPython = `${L.service}=~"${SERVICES.join('|')}"`;
    const sumBy = async (expr: string, labels: string[]) =>
      new Map(
        (await prometheus.query(`sum by (${labels.join(', ')}) (${expr})`)).map((s) => [
          labels.map((l) => s.metric[l] ?? '').join(' '),
          Number(s.value[1]),
        ]),
      );
    // Settled: Jaeger holds what the traffic must give; Prometheus has counted every span Jaeger
    // holds and every record VictoriaLogs holds; and every span-metric series has 40 samples, so
    // a rate's extrapolation (at most 1.1 sample intervals) moves it by less than 3 %.
    await waitFor(
      async () => {
        const spans = await storedSpans();
        const wrong = FACTS.filter(([, where, n]) => count(spans, where) !== n).map(
          ([what]) => what,
        );
        if (wrong.length > 0) throw new Error(`Jaeger does not yet show: ${wrong.join('; ')}`);
        const calls = await sumBy(
          `${COLLECTOR.spanCalls}{${ofPython}, ${L.spanKind}=~"${SPAN.server}|${SPAN.producer}|${SPAN.consumer}"}`,
          [L.service, L.spanKind],
        );
        for (const [labels, n] of calls) {
          const [service, kind] = labels.split(' ');
          const stored = count(spans, { [L.service]: service!, [L.spanKind]: kind! });
          if (stored !== n) throw new Error(`${labels}: ${n} in Prometheus, ${stored} in Jaeger`);
        }
        const records = await sumBy(`${COLLECTOR.logRecords}{${ofPython}}`, [L.service]);
        for (const service of SERVICES) {
          const stored = await logStore.count(`service.name:=${quote(service)}`);
          if (stored !== (records.get(service) ?? 0))
            throw new Error(
              `${service}: ${records.get(service)} records counted, ${stored} stored`,
            );
        }
        const [fewest] = await prometheus.query(
          `min(count_over_time(${COLLECTOR.spanCalls}{${ofPython}}[${PANEL_RANGE}]))`,
        );
        return Number(fewest?.value[1] ?? 0) >= 40;
      },
      240_000,
      'the traffic in Jaeger, VictoriaLogs and Prometheus',
    );
    at = Date.now() / 1000;
    const inWindow = (end: number) => end > at - WINDOW_S && end <= at;
    data = {
      spans: (await storedSpans()).filter((s) => inWindow(s.end)),
      // Every record: the log counters count from their service's start (see `records`).
      logs: await logStore.query('*'),
    };
    const [fewest] = await prometheus.query(
      `min(count_over_time(${COLLECTOR.spanCalls}{${ofPython}}[${PANEL_RANGE}]))`,
      at,
    );
    slack = 1 + 1.1 / (Number(fewest!.value[1]) - 1);
    logSeries = await prometheus.samples(
      `${COLLECTOR.logRecords}{${ofPython}}[${PANEL_RANGE}]`,
      at,
    );
  });

  it('every such panel is value-checked here', () => {
    expect(ANY_SERVICE.map((p) => p.name).sort()).toEqual(Object.keys(ORACLES).sort());
  });

  it.each(ANY_SERVICE)(
    '$name: the numbers the stored spans and records give, as a user opens it',
    async ({ name, expr, variables }) => {
      await expectNumbers(name, interpolatePromql(expr, variables, {}), () => true);
    },
  );

  it.each(ANY_SERVICE)(
    '$name: the numbers of each Python service it concerns, with that service picked',
    async ({ name, expr, variables }) => {
      const services = new Set(
        [...ORACLES[name]!.groups(data).values()].map(([labels]) => labels[L.service]!),
      );
      expect(services.size, name).toBeGreaterThan(0);
      for (const service of services) {
        const query = interpolatePromql(expr, variables, { service, environment: 'test' });
        await expectNumbers(name, query, (labels) => labels[L.service] === service);
      }
    },
  );

  /**
   * Runs a panel's query at `at` and compares each group's number with what the stored spans and
   * records give, for the groups `mine` keeps.
   */
  async function expectNumbers(
    name: string,
    query: string,
    mine: (labels: Record<string, string>) => boolean,
  ): Promise<void> {
    const expected = ORACLES[name]!.groups(data);
    for (const [k, [labels]] of expected) if (!mine(labels)) expected.delete(k);
    const labels = Object.keys([...expected.values()][0]![0]);
    const bounds = await bucketBounds(
      alerting.prometheus,
      `${COLLECTOR.spanDuration}_bucket{${L.service}=~"${SERVICES.join('|')}"}`,
    );
    const rated = counterGroups(logSeries, labels);
    // A log counter with one sample in the range has no rate: the panel cannot show its group.
    for (const [k, [, want]] of expected)
      if ('records' in want && !rated.get(k)?.rated) expected.delete(k);
    const got = new Map(
      (await alerting.prometheus.query(query, at))
        .map((s): [Record<string, string>, number] => [
          Object.fromEntries(labels.map((l) => [l, s.metric[l] ?? ''])),
          Number(s.value[1]),
        ])
        // A group with nothing in the range: a zero rate, or no quantile.
        .filter(([, v]) => Number.isFinite(v) && v !== 0)
        .map(([group, v]) => [key(group), v]),
    );
    expect([...got.keys()].sort(), query).toEqual([...expected.keys()].sort());
    for (const [k, [, want]] of expected) {
      const value = got.get(k)!;
      if ('count' in want) {
        // rate × range = the count, scaled up by the extrapolation.
        expect(value * WINDOW_S, k).toBeGreaterThanOrEqual(want.count - 1e-9);
        expect(value * WINDOW_S, k).toBeLessThanOrEqual(want.count * slack + 1e-9);
      } else if ('ratio' in want) {
        expect(value, k).toBeGreaterThanOrEqual(want.ratio / slack - 1e-9);
        expect(value, k).toBeLessThanOrEqual(want.ratio * slack + 1e-9);
      } else if ('records' in want) {
        // The counters hold every stored record; the panel, the rate of their samples.
        const { total, low, high } = rated.get(k)!;
        expect(total, `${k}: counted`).toBe(want.records);
        expect(value * WINDOW_S, k).toBeGreaterThanOrEqual(low - 1e-9);
        expect(value * WINDOW_S, k).toBeLessThanOrEqual(high + 1e-9);
      } else {
        // histogram_quantile interpolates inside the bucket holding the p95 sample.
        const [lower, upper] = bucketOf(want.p95Of, bounds);
        expect(value, `${k}: ${want.p95Of.join(', ')}`).toBeGreaterThanOrEqual(lower);
        expect(value, `${k}: ${want.p95Of.join(', ')}`).toBeLessThanOrEqual(upper);
      }
    }
  }
});

describe('Python services alone: a service that stops sending', () => {
  it('a Python service killed fires ServiceStoppedSending; the ones still running do not', async () => {
    const { prometheus, webhook } = alerting;
    // Django has exported its HTTP metrics since its first request (cumulative, every interval).
    const own = `${promName(METRIC.HTTP_SERVER_REQUEST_DURATION, 's', 'histogram')}_count`;
    await waitFor(
      async () => (await prometheus.query(`${own}{${L.service}="${S.django}"}`)).length > 0,
      60_000,
      `${S.django}'s own metrics`,
    );
    await python.django.kill();
    await webhook.waitForAlert('ServiceStoppedSending', S.django);
    const stopped = webhook.alerts
      .filter((a) => a.labels.alertname === 'ServiceStoppedSending')
      .map((a) => a.labels.service);
    expect(new Set(stopped)).toEqual(new Set([S.django]));
  });
});

/** The bucket (lower, upper] holding the sample at the 95th percentile's rank. */
function bucketOf(samples: number[], bounds: number[]): [number, number] {
  const sorted = [...samples].sort((a, b) => a - b);
  const sample = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
  return bucketRange(bounds, sample, sample);
}
