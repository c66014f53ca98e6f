/**
 * The Prometheus alert rules (PromQL over what the collector sends: RED metrics from spans,
 * log-record counts, the SDKs' metrics and the collector's own telemetry), each with the synthetic
 * series its promtool tests feed it: one case that must fire, one that must stay silent, and the
 * series of a Python service (upstream OpenTelemetry: FastAPI, Django, Celery) where the rule
 * reads OpenTelemetry's conventions rather than our SDKs'. Thresholds come from `alerts.ts`; names
 * from `metrics.ts` (which takes them from the schema).
 */
import { EVENT, METRIC, SDK_LANGUAGE } from '../../packages/core/src/schema.ts';
import { THRESHOLDS } from './alerts.ts';
import {
  BROWSER_SDK_LANGUAGE,
  COLLECTOR,
  COLLECTOR_MADE,
  L,
  SDK,
  SPAN,
  promName,
  sumOver,
} from './metrics.ts';

/** Range windows of the rules; the end-to-end test shortens them (and every `for`). */
export interface Windows {
  /** Rates, ratios and quantiles. */
  rate: string;
  /** Failing jobs (rarer events, a longer window). */
  jobs: string;
  /** How long a service must have been silent. */
  silent: string;
  /** How far back before that it must have been sending. */
  silentBefore: string;
}

export const WINDOWS: Windows = {
  rate: '5m',
  jobs: '10m',
  silent: `${THRESHOLDS.silentMinutes}m`,
  silentBefore: '1h',
};

/** One synthetic scenario for `promtool test rules` (series at one-minute steps). */
export interface RuleCase {
  name: string;
  series: Array<[series: string, values: string]>;
  /** When to evaluate (after `for` has elapsed). */
  at: string;
  /** The labels the expression yields, for a case that fires; absent for a silent one. */
  fires?: Record<string, string>;
}

export interface PromAlert {
  alert: string;
  /** Anchor in RUNBOOK.md. */
  runbook: string;
  severity: 'critical' | 'warning';
  for: string;
  summary: string;
  expr: (w: Windows) => string;
  cases: RuleCase[];
}

const sel = (metric: string, matchers: Record<string, string>) =>
  `${metric}{${Object.entries(matchers)
    .map(([k, v]) => (/^[=!~]/.test(v) ? `${k}${v}` : `${k}="${v}"`))
    .join(', ')}}`;
const by = (...labels: string[]) => `by (${labels.join(', ')})`;
const series = (metric: string, labels: Record<string, string>) => sel(metric, labels);

const api = 'orders-api';
const worker = 'orders-worker';
/** Python services as upstream OpenTelemetry Python labels them (`telemetry.sdk.language`). */
const fastapi = 'orders-fastapi';
const django = 'reports-django';
const celery = 'orders-celery';
const python = { [L.sdkLanguage]: 'python' };
const node = { [L.sdkLanguage]: SDK_LANGUAGE.NODE };
const ui = 'trading-ui';
const collector = 'tracelog-collector';
const errorMatch = '=~"ERROR|FATAL"';
const server = { [L.spanKind]: SPAN.server };
const consumer = { [L.spanKind]: SPAN.consumer };
const failed = { [L.spanStatus]: SPAN.error };
/** A BullMQ job attempt on queue `orders` (@tracelog/queue-instrumentation). */
const bullmqAttempt = {
  [L.service]: worker,
  ...consumer,
  [L.spanName]: 'process orders',
  [L.messagingSystem]: 'bullmq',
  [L.queue]: 'orders',
};
/** A Celery task run (opentelemetry-instrumentation-celery): no messaging.destination.name. */
const celeryRun = (task: string) => ({
  [L.service]: celery,
  ...python,
  ...consumer,
  [L.spanName]: `run/${task}`,
});
/**
 * Any series a process exports itself: a service's OpenTelemetry SDK (a Node service's export
 * counters, a Python service's HTTP and task metrics) or a collector (its own telemetry, pushed
 * straight to Prometheus). Not the series the collector makes of a service's spans and records
 * (`COLLECTOR_MADE`), nor Prometheus's own record of its alerts (which carry the service label).
 * `last_over_time` keeps each series' name, so series that differ only in it (a histogram's
 * `_count` and `_sum`) stay apart until grouped.
 */
const sdkSeries = `{${L.service}!="", __name__!~"${COLLECTOR_MADE}|ALERTS|ALERTS_FOR_STATE"}`;
/** `http.server.request.duration` as upstream OpenTelemetry Python exports it (stable HTTP semconv). */
const pyHttpServer = promName(METRIC.HTTP_SERVER_REQUEST_DURATION, 's', 'histogram');
const client = { [L.spanKind]: SPAN.client, [L.method]: '!=""' };
const browser = { [L.sdkLanguage]: BROWSER_SDK_LANGUAGE };
const browserErrors = {
  ...browser,
  [L.event]: `=~"${EVENT.EXCEPTION}|${EVENT.BROWSER_ERROR}"`,
};

/** A ramp: `perMinute` added every minute for an hour. */
const ramp = (perMinute: number) => `0+${perMinute}x60`;
/** Histogram buckets around `threshold`: everything observed below it, or above it. */
function buckets(
  metric: string,
  labels: Record<string, string>,
  threshold: number,
  slow: boolean,
): Array<[string, string]> {
  const les = [threshold / 2, threshold, threshold * 2.5, '+Inf'];
  return les.map((le, i) => [
    series(metric, { ...labels, le: String(le) }),
    ramp(slow ? (i >= 2 ? 10 : 0) : 10),
  ]);
}

export const PROM_ALERTS: PromAlert[] = [
  {
    alert: 'ErrorLogSurge',
    runbook: 'error-rate-surge',
    severity: 'critical',
    for: '2m',
    summary: `{{ $labels.${L.service} }} logged more than ${THRESHOLDS.errorsPer5m} errors in 5 minutes`,
    expr: (w) =>
      `sum ${by(L.service)} (increase(${sel(COLLECTOR.logRecords, { [L.severity]: errorMatch })}[${w.rate}])) > ${THRESHOLDS.errorsPer5m}`,
    cases: [
      {
        name: 'errors above the threshold',
        series: [
          [
            series(COLLECTOR.logRecords, {
              [L.service]: api,
              [L.severity]: 'ERROR',
              [L.event]: 'none',
            }),
            ramp((THRESHOLDS.errorsPer5m / 5) * 2),
          ],
        ],
        at: '30m',
        fires: { [L.service]: api },
      },
      {
        name: 'few errors, many info records',
        series: [
          [
            series(COLLECTOR.logRecords, {
              [L.service]: api,
              [L.severity]: 'ERROR',
              [L.event]: 'none',
            }),
            ramp(THRESHOLDS.errorsPer5m / 5 / 2),
          ],
          [
            series(COLLECTOR.logRecords, {
              [L.service]: api,
              [L.severity]: 'INFO',
              [L.event]: 'none',
            }),
            ramp(THRESHOLDS.errorsPer5m * 10),
          ],
        ],
        at: '30m',
      },
      {
        name: 'a Python service logging ERROR and FATAL (CRITICAL) records',
        series: [
          [
            series(COLLECTOR.logRecords, {
              [L.service]: celery,
              ...python,
              [L.severity]: 'FATAL',
              [L.event]: 'none',
            }),
            ramp(THRESHOLDS.errorsPer5m / 5),
          ],
          [
            series(COLLECTOR.logRecords, {
              [L.service]: celery,
              ...python,
              [L.severity]: 'ERROR',
              [L.event]: 'none',
            }),
            ramp(THRESHOLDS.errorsPer5m / 5),
          ],
        ],
        at: '30m',
        fires: { [L.service]: celery },
      },
    ],
  },
  {
    alert: 'HttpServerErrorRatio',
    runbook: 'http-5xx-ratio',
    severity: 'critical',
    for: '5m',
    summary: `More than ${THRESHOLDS.http5xxRatio * 100} % of requests to {{ $labels.${L.service} }} fail with 5xx`,
    expr: (w) =>
      `sum ${by(L.service)} (increase(${sel(COLLECTOR.spanCalls, { ...server, [L.status]: '=~"5.."' })}[${w.rate}]))` +
      ` / sum ${by(L.service)} (increase(${sel(COLLECTOR.spanCalls, server)}[${w.rate}])) > ${THRESHOLDS.http5xxRatio}`,
    cases: [
      {
        name: 'twice the ratio of 5xx',
        series: [
          [
            series(COLLECTOR.spanCalls, { [L.service]: api, ...server, [L.status]: '200' }),
            ramp(100),
          ],
          [
            series(COLLECTOR.spanCalls, { [L.service]: api, ...server, [L.status]: '503' }),
            ramp(100 * THRESHOLDS.http5xxRatio * 2),
          ],
        ],
        at: '30m',
        fires: { [L.service]: api },
      },
      {
        name: 'half the ratio of 5xx, many 4xx',
        series: [
          [
            series(COLLECTOR.spanCalls, { [L.service]: api, ...server, [L.status]: '200' }),
            ramp(100),
          ],
          [
            series(COLLECTOR.spanCalls, { [L.service]: api, ...server, [L.status]: '404' }),
            ramp(50),
          ],
          [
            series(COLLECTOR.spanCalls, { [L.service]: api, ...server, [L.status]: '500' }),
            ramp((150 * THRESHOLDS.http5xxRatio) / 2),
          ],
        ],
        at: '30m',
      },
      {
        name: 'a FastAPI route answering 500 (SERVER spans)',
        series: [
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: fastapi,
              ...python,
              ...server,
              [L.spanName]: 'POST /orders/{order_id}',
              [L.route]: '/orders/{order_id}',
              [L.method]: 'POST',
              [L.status]: '200',
              [L.spanStatus]: SPAN.unset,
            }),
            ramp(100),
          ],
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: fastapi,
              ...python,
              ...server,
              [L.spanName]: 'GET /fail',
              [L.route]: '/fail',
              [L.method]: 'GET',
              [L.status]: '500',
              [L.errorType]: '500',
              ...failed,
            }),
            ramp(100 * THRESHOLDS.http5xxRatio * 2),
          ],
        ],
        at: '30m',
        fires: { [L.service]: fastapi },
      },
      {
        name: 'FastAPI: 500 only on INTERNAL http send spans, SERVER spans answering 200',
        series: [
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: fastapi,
              ...python,
              ...server,
              [L.spanName]: 'GET /quotes/{symbol}',
              [L.route]: '/quotes/{symbol}',
              [L.method]: 'GET',
              [L.status]: '200',
              [L.spanStatus]: SPAN.unset,
            }),
            ramp(100),
          ],
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: fastapi,
              ...python,
              [L.spanKind]: SPAN.internal,
              [L.spanName]: 'GET /quotes/{symbol} http send',
              [L.status]: '500',
              ...failed,
            }),
            ramp(100),
          ],
        ],
        at: '30m',
      },
    ],
  },
  {
    alert: 'SlowRequests',
    runbook: 'slow-requests',
    severity: 'warning',
    for: '10m',
    summary: `p95 latency of {{ $labels.${L.service} }} is over ${THRESHOLDS.slowP95Ms} ms`,
    expr: (w) =>
      `histogram_quantile(0.95, sum ${by(L.service, 'le')} (rate(${sel(`${COLLECTOR.spanDuration}_bucket`, server)}[${w.rate}])))` +
      ` > ${THRESHOLDS.slowP95Ms / 1000}`,
    cases: [
      {
        name: 'every request slower than the threshold',
        series: buckets(
          `${COLLECTOR.spanDuration}_bucket`,
          { [L.service]: api, ...server },
          THRESHOLDS.slowP95Ms / 1000,
          true,
        ),
        at: '30m',
        fires: { [L.service]: api },
      },
      {
        name: 'every request faster than half the threshold',
        series: buckets(
          `${COLLECTOR.spanDuration}_bucket`,
          { [L.service]: api, ...server },
          THRESHOLDS.slowP95Ms / 1000,
          false,
        ),
        at: '30m',
      },
      {
        name: 'a Django view slower than the threshold',
        series: buckets(
          `${COLLECTOR.spanDuration}_bucket`,
          {
            [L.service]: django,
            ...python,
            ...server,
            [L.spanName]: 'POST reports/<str:report_id>',
            [L.route]: 'reports/<str:report_id>',
          },
          THRESHOLDS.slowP95Ms / 1000,
          true,
        ),
        at: '30m',
        fires: { [L.service]: django },
      },
      {
        name: 'slow Celery task runs beside fast Django views',
        series: [
          ...buckets(
            `${COLLECTOR.spanDuration}_bucket`,
            { [L.service]: django, ...python, ...server, [L.route]: 'reports/<str:report_id>' },
            THRESHOLDS.slowP95Ms / 1000,
            false,
          ),
          ...buckets(
            `${COLLECTOR.spanDuration}_bucket`,
            { ...celeryRun('reports.build'), [L.service]: django },
            THRESHOLDS.slowP95Ms / 1000,
            true,
          ),
        ],
        at: '30m',
      },
    ],
  },
  {
    alert: 'FailingJobs',
    runbook: 'failing-jobs',
    severity: 'warning',
    for: '5m',
    summary: `Jobs {{ $labels.${L.spanName} }} keep failing in {{ $labels.${L.service} }}`,
    // Processing spans (CONSUMER) ending in ERROR, per queue and span name: a BullMQ attempt that
    // threw (`process <queue>`), a Celery task that raised (`run/<task>`, no queue label).
    expr: (w) =>
      `sum ${by(L.service, L.queue, L.spanName)} (increase(${sel(COLLECTOR.spanCalls, { ...consumer, ...failed })}[${w.jobs}]))` +
      ` > ${THRESHOLDS.failedJobsPer10m}`,
    cases: [
      {
        name: 'BullMQ attempts failing above the threshold',
        series: [
          [
            series(COLLECTOR.spanCalls, { ...bullmqAttempt, ...failed, [L.errorType]: 'Error' }),
            ramp((THRESHOLDS.failedJobsPer10m / 10) * 2),
          ],
        ],
        at: '30m',
        fires: { [L.service]: worker, [L.queue]: 'orders', [L.spanName]: 'process orders' },
      },
      {
        name: 'few BullMQ failures among many successes',
        series: [
          [
            series(COLLECTOR.spanCalls, { ...bullmqAttempt, ...failed, [L.errorType]: 'Error' }),
            ramp(THRESHOLDS.failedJobsPer10m / 10 / 2),
          ],
          [
            series(COLLECTOR.spanCalls, { ...bullmqAttempt, [L.spanStatus]: SPAN.unset }),
            ramp(100),
          ],
        ],
        at: '30m',
      },
      {
        name: 'a Celery task that raises (run/orders.settle, status ERROR)',
        series: [
          [
            series(COLLECTOR.spanCalls, { ...celeryRun('orders.settle'), ...failed }),
            ramp((THRESHOLDS.failedJobsPer10m / 10) * 2),
          ],
          [
            series(COLLECTOR.spanCalls, {
              ...celeryRun('orders.settle'),
              [L.spanStatus]: SPAN.unset,
            }),
            ramp(10),
          ],
        ],
        at: '30m',
        fires: { [L.service]: celery, [L.spanName]: 'run/orders.settle' },
      },
      {
        name: 'Celery: failing enqueues and two tasks each failing below the threshold',
        series: [
          // A failed apply_async is the caller's error, not a job's.
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: fastapi,
              ...python,
              [L.spanKind]: SPAN.producer,
              [L.spanName]: 'apply_async/orders.settle',
              ...failed,
            }),
            ramp(100),
          ],
          [
            series(COLLECTOR.spanCalls, { ...celeryRun('orders.settle'), ...failed }),
            ramp((THRESHOLDS.failedJobsPer10m / 10) * 0.8),
          ],
          [
            series(COLLECTOR.spanCalls, { ...celeryRun('reports.build'), ...failed }),
            ramp((THRESHOLDS.failedJobsPer10m / 10) * 0.8),
          ],
        ],
        at: '30m',
      },
    ],
  },
  {
    alert: 'QueueWaitHigh',
    runbook: 'queue-wait-high',
    severity: 'warning',
    for: '5m',
    summary: `Jobs on queue {{ $labels.${L.queue} }} wait more than ${THRESHOLDS.queueWaitP95Seconds} s (p95) for a worker of {{ $labels.${L.service} }}`,
    expr: (w) =>
      `histogram_quantile(0.95, sum ${by(L.service, L.queue, 'le')} (rate(${SDK.jobWait}_bucket[${w.rate}])))` +
      ` > ${THRESHOLDS.queueWaitP95Seconds}`,
    cases: [
      {
        name: 'every job waits longer than the threshold',
        series: buckets(
          `${SDK.jobWait}_bucket`,
          { [L.service]: worker, [L.queue]: 'orders' },
          THRESHOLDS.queueWaitP95Seconds,
          true,
        ),
        at: '30m',
        fires: { [L.service]: worker, [L.queue]: 'orders' },
      },
      {
        name: 'jobs are taken quickly',
        series: buckets(
          `${SDK.jobWait}_bucket`,
          { [L.service]: worker, [L.queue]: 'orders' },
          THRESHOLDS.queueWaitP95Seconds,
          false,
        ),
        at: '30m',
      },
    ],
  },
  {
    alert: 'OutboundApiFailures',
    runbook: 'outbound-api-failure-surge',
    severity: 'warning',
    for: '5m',
    summary: `{{ $labels.${L.service} }} gets 5xx or no answer from the APIs it calls`,
    // Client HTTP spans (span_metrics) answered with 5xx, or failed without an answer (refused,
    // timed out, reset: no status code, an error.type). 4xx answers are the caller's business.
    expr: (w) =>
      `sum ${by(L.service)} (` +
      `increase(${sel(COLLECTOR.spanCalls, { ...client, [L.status]: '=~"5.."' })}[${w.rate}])` +
      ` or increase(${sel(COLLECTOR.spanCalls, { ...client, [L.status]: '', [L.errorType]: '!=""' })}[${w.rate}])` +
      `) > ${THRESHOLDS.outboundFailuresPer5m}`,
    cases: [
      {
        name: 'the API answers 503',
        series: [
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: api,
              [L.spanKind]: SPAN.client,
              [L.method]: 'GET',
              [L.status]: '503',
              [L.errorType]: '503',
            }),
            ramp((THRESHOLDS.outboundFailuresPer5m / 5) * 2),
          ],
        ],
        at: '30m',
        fires: { [L.service]: api },
      },
      {
        name: 'the API refuses connections',
        series: [
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: api,
              [L.spanKind]: SPAN.client,
              [L.method]: 'GET',
              [L.errorType]: 'ECONNREFUSED',
            }),
            ramp((THRESHOLDS.outboundFailuresPer5m / 5) * 2),
          ],
        ],
        at: '30m',
        fires: { [L.service]: api },
      },
      {
        name: 'many 404s, a few 502s',
        series: [
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: api,
              [L.spanKind]: SPAN.client,
              [L.method]: 'GET',
              [L.status]: '404',
              [L.errorType]: '404',
            }),
            ramp(100),
          ],
          [
            series(COLLECTOR.spanCalls, {
              [L.service]: api,
              [L.spanKind]: SPAN.client,
              [L.method]: 'GET',
              [L.status]: '502',
              [L.errorType]: '502',
            }),
            ramp(THRESHOLDS.outboundFailuresPer5m / 5 / 2),
          ],
        ],
        at: '30m',
      },
    ],
  },
  {
    alert: 'FrontEndErrorSurge',
    runbook: 'front-end-error-surge',
    severity: 'warning',
    for: '5m',
    summary: `Browsers report more than ${THRESHOLDS.frontendErrorsPer5m} errors in 5 minutes from {{ $labels.${L.service} }}`,
    // Uncaught errors and unhandled rejections (`exception`) and failed loads (`browser.error`)
    // from @tracelog/browser.
    expr: (w) =>
      `sum ${by(L.service)} (increase(${sel(COLLECTOR.logRecords, browserErrors)}[${w.rate}])) > ${THRESHOLDS.frontendErrorsPer5m}`,
    cases: [
      {
        name: 'uncaught errors and failed loads above the threshold',
        series: [
          [
            series(COLLECTOR.logRecords, {
              [L.service]: ui,
              ...browser,
              [L.severity]: 'ERROR',
              [L.event]: EVENT.EXCEPTION,
            }),
            ramp(THRESHOLDS.frontendErrorsPer5m / 5),
          ],
          [
            series(COLLECTOR.logRecords, {
              [L.service]: ui,
              ...browser,
              [L.severity]: 'ERROR',
              [L.event]: EVENT.BROWSER_ERROR,
            }),
            ramp(THRESHOLDS.frontendErrorsPer5m / 5),
          ],
        ],
        at: '30m',
        fires: { [L.service]: ui },
      },
      {
        name: 'a few browser errors, many console records, back-end exceptions',
        series: [
          [
            series(COLLECTOR.logRecords, {
              [L.service]: ui,
              ...browser,
              [L.severity]: 'ERROR',
              [L.event]: EVENT.EXCEPTION,
            }),
            ramp(THRESHOLDS.frontendErrorsPer5m / 5 / 2),
          ],
          [
            series(COLLECTOR.logRecords, {
              [L.service]: ui,
              ...browser,
              [L.severity]: 'ERROR',
              [L.event]: EVENT.BROWSER_CONSOLE,
            }),
            ramp(100),
          ],
          [
            series(COLLECTOR.logRecords, {
              [L.service]: api,
              [L.sdkLanguage]: SDK_LANGUAGE.NODE,
              [L.severity]: 'ERROR',
              [L.event]: EVENT.EXCEPTION,
            }),
            ramp(100),
          ],
        ],
        at: '30m',
      },
    ],
  },
  {
    alert: 'ServiceStoppedSending',
    runbook: 'service-stopped-sending',
    severity: 'critical',
    for: '1m',
    summary: `{{ $labels.${L.service} }} sent telemetry before but nothing in the last ${THRESHOLDS.silentMinutes} minutes`,
    // An OpenTelemetry SDK exports its metrics at every interval once it has any (cumulative
    // temporality: @tracelog/node's export counters from the start, a Python service's HTTP or
    // task metrics from its first request or task), a collector its own telemetry: their absence
    // means the process is gone or cannot reach the collector (or Prometheus).
    expr: (w) =>
      `group ${by(L.service)} (last_over_time(${sdkSeries}[${w.silentBefore}] offset ${w.silent}))` +
      ` unless group ${by(L.service)} (last_over_time(${sdkSeries}[${w.silent}]))`,
    cases: [
      {
        name: 'a Node service reported for half an hour, then nothing',
        series: [[series(SDK.exportDropped, { [L.service]: api, ...node }), '0x30 _x30']],
        at: '55m',
        fires: { [L.service]: api },
      },
      {
        name: 'a Node service reports all along',
        series: [[series(SDK.exportDropped, { [L.service]: api, ...node }), '0x60']],
        at: '55m',
      },
      {
        name: 'a Python service stops, while the collector goes on exporting its span metrics',
        series: [
          ...(['count', 'sum'] as const).map((part): [string, string] => [
            series(`${pyHttpServer}_${part}`, { [L.service]: fastapi, ...python }),
            '5x30 _x30',
          ]),
          [series(COLLECTOR.spanCalls, { [L.service]: fastapi, ...python, ...server }), '5x60'],
          [
            series(COLLECTOR.logRecords, { [L.service]: fastapi, ...python, [L.severity]: 'INFO' }),
            '5x60',
          ],
        ],
        at: '55m',
        fires: { [L.service]: fastapi },
      },
      {
        name: 'a collector stops pushing its own telemetry',
        series: [
          [
            series(COLLECTOR.queueSize, {
              [L.service]: collector,
              [L.exporter]: 'otlp_http/jaeger',
            }),
            '0x30 _x30',
          ],
        ],
        at: '55m',
        fires: { [L.service]: collector },
      },
      {
        name: 'a Python service reports its HTTP metrics all along',
        series: [
          ...(['count', 'sum'] as const).map((part): [string, string] => [
            series(`${pyHttpServer}_${part}`, { [L.service]: django, ...python }),
            '5x60',
          ]),
        ],
        at: '55m',
      },
    ],
  },
  {
    alert: 'CollectorExportFailing',
    runbook: 'collector-export-failing',
    severity: 'critical',
    for: '5m',
    summary: `Collector {{ $labels.${L.service} }} cannot deliver to {{ $labels.${L.exporter} }}: records are dropped`,
    expr: (w) =>
      `${sumOver([L.service, L.exporter], 'increase', COLLECTOR.exportFailures, '', w.rate)} > 0`,
    cases: [
      {
        name: 'the queue refuses records and spans',
        series: [
          [
            series('otelcol_exporter_enqueue_failed_log_records_total', {
              [L.service]: collector,
              [L.exporter]: 'elasticsearch',
            }),
            ramp(5),
          ],
          [
            series('otelcol_exporter_enqueue_failed_spans_total', {
              [L.service]: collector,
              [L.exporter]: 'elasticsearch',
            }),
            ramp(5),
          ],
        ],
        at: '30m',
        fires: { [L.service]: collector, [L.exporter]: 'elasticsearch' },
      },
      {
        name: 'nothing failed',
        series: [
          [
            series('otelcol_exporter_send_failed_spans_total', {
              [L.service]: collector,
              [L.exporter]: 'elasticsearch',
            }),
            '0x60',
          ],
        ],
        at: '30m',
      },
    ],
  },
  {
    alert: 'CollectorQueueFilling',
    runbook: 'collector-queue-filling',
    severity: 'warning',
    for: '5m',
    summary: `The sending queue of {{ $labels.${L.exporter} }} in collector {{ $labels.${L.service} }} is over ${THRESHOLDS.collectorQueueRatio * 100} % full`,
    expr: () =>
      `max ${by(L.service, L.exporter)} (${COLLECTOR.queueSize} / ${COLLECTOR.queueCapacity}) > ${THRESHOLDS.collectorQueueRatio}`,
    cases: [
      {
        name: 'queue nearly full',
        series: [
          [
            series(COLLECTOR.queueSize, { [L.service]: collector, [L.exporter]: 'elasticsearch' }),
            '950x60',
          ],
          [
            series(COLLECTOR.queueCapacity, {
              [L.service]: collector,
              [L.exporter]: 'elasticsearch',
            }),
            '1000x60',
          ],
        ],
        at: '30m',
        fires: { [L.service]: collector, [L.exporter]: 'elasticsearch' },
      },
      {
        name: 'queue mostly empty',
        series: [
          [
            series(COLLECTOR.queueSize, { [L.service]: collector, [L.exporter]: 'elasticsearch' }),
            '10x60',
          ],
          [
            series(COLLECTOR.queueCapacity, {
              [L.service]: collector,
              [L.exporter]: 'elasticsearch',
            }),
            '1000x60',
          ],
        ],
        at: '30m',
      },
    ],
  },
];
