/**
 * Prometheus names of what reaches Prometheus over OTLP, derived from the OpenTelemetry names in
 * one place. Names the SDKs emit come from the schema in `@tracelog/core`; names the collector
 * makes (RED metrics from spans, log-record counts, its own telemetry) are set in
 * `collector/config.yaml` and listed in `COLLECTOR` below. The end-to-end tests read every one of
 * these back from a real Prometheus fed by the real collector.
 */
import {
  ATTR,
  COLLECTOR_ATTR,
  COLLECTOR_METRIC,
  METRIC,
  RESOURCE,
  SDK_LANGUAGE,
} from '../../packages/core/src/schema.ts';

/**
 * Prometheus 3's OTLP translation (`translation_strategy: UnderscoreEscapingWithSuffixes`, the
 * default): characters other than letters, digits and `_` become `_`; the unit is appended
 * (`s` → `_seconds`; annotations such as `{job}` are dropped); monotonic sums end in `_total`.
 */
export function promName(
  otel: string,
  unit = '',
  kind: 'counter' | 'gauge' | 'histogram' = 'gauge',
) {
  const units: Record<string, string> = { s: 'seconds', ms: 'milliseconds', By: 'bytes' };
  const suffix = unit.startsWith('{') || unit === '' || unit === '1' ? '' : (units[unit] ?? unit);
  const base = otel.replace(/[^A-Za-z0-9_]/g, '_') + (suffix ? `_${suffix}` : '');
  return kind === 'counter' ? `${base}_total` : base;
}

/** A label name from an attribute name (promoted resource attributes and data-point attributes). */
export const label = (attribute: string) => attribute.replace(/[^A-Za-z0-9_]/g, '_');

/** Labels every series from an SDK or a connector carries (`otlp.promote_resource_attributes`). */
export const L = {
  service: label(RESOURCE.SERVICE_NAME),
  environment: label(RESOURCE.DEPLOYMENT_ENVIRONMENT),
  sdkLanguage: label(RESOURCE.TELEMETRY_SDK_LANGUAGE),
  route: label(ATTR.HTTP_ROUTE),
  method: label(ATTR.HTTP_REQUEST_METHOD),
  status: label(ATTR.HTTP_RESPONSE_STATUS_CODE),
  errorType: label(ATTR.ERROR_TYPE),
  queue: label(ATTR.MESSAGING_DESTINATION_NAME),
  messagingSystem: label(ATTR.MESSAGING_SYSTEM),
  vitalName: label(ATTR.WEB_VITAL_NAME),
  vitalRating: label(ATTR.WEB_VITAL_RATING),
  /** Set by the collector's `transform/count` from the record's severity text. */
  severity: label(COLLECTOR_ATTR.SEVERITY_TEXT),
  /** Set by the collector's `transform/event_name` from the record's event name. */
  event: label(COLLECTOR_ATTR.EVENT_NAME),
  /** span_metrics connector's own dimensions. */
  spanKind: 'span_kind',
  spanStatus: 'status_code',
  spanName: 'span_name',
  /** The collector's own telemetry: which exporter a queue or a failure belongs to. */
  exporter: 'exporter',
} as const;

const SIGNALS = ['spans', 'log_records', 'metric_points'];

/** `telemetry.sdk.language` of @tracelog/browser (the OpenTelemetry value for browser JS). */
export const BROWSER_SDK_LANGUAGE = SDK_LANGUAGE.BROWSER;

/**
 * `fn` over several counters, summed by `labels`. A range function over `{__name__=~…}` drops the
 * names and fails when two counters share their other labels (failed spans and failed log records
 * of one exporter): each keeps its name in a `metric` label instead.
 */
export function sumOver(
  labels: string[],
  fn: 'rate' | 'increase',
  metrics: readonly string[],
  matchers: string,
  window: string,
): string {
  const terms = metrics.map(
    (m) => `label_replace(${fn}(${m}{${matchers}}[${window}]), "metric", "${m}", "", "")`,
  );
  return `sum by (${labels.join(', ')}) (${terms.join(' or ')})`;
}

/** The collector-made metrics (names set in collector/config.yaml and by the collector itself). */
export const COLLECTOR = {
  /** span_metrics connector, `namespace: traces.span.metrics`, histogram unit `s`. */
  spanCalls: promName(COLLECTOR_METRIC.SPAN_CALLS, '', 'counter'),
  spanDuration: promName(COLLECTOR_METRIC.SPAN_DURATION, 's', 'histogram'),
  /** count connector. */
  logRecords: promName(COLLECTOR_METRIC.LOG_RECORDS, '', 'counter'),
  webVitals: promName(COLLECTOR_METRIC.WEB_VITALS, '', 'counter'),
  /** The collector's own telemetry (exporterhelper). */
  queueSize: 'otelcol_exporter_queue_size',
  queueCapacity: 'otelcol_exporter_queue_capacity',
  /** Items an exporter gave up on, and items its full queue refused, per signal. */
  exportFailures: ['send', 'enqueue'].flatMap((what) =>
    SIGNALS.map((signal) => `otelcol_exporter_${what}_failed_${signal}_total`),
  ),
  /** Items an exporter delivered, per signal. */
  exportSent: SIGNALS.map((signal) => `otelcol_exporter_sent_${signal}_total`),
} as const;

/**
 * The metrics the collector makes of every service's spans and records (span_metrics, count), as
 * one regular expression over `__name__`. The connectors keep exporting a service's series after
 * the service is gone (span_metrics has no expiry configured), so they say nothing about whether
 * it still sends: what a service's SDK exports itself does.
 */
export const COLLECTOR_MADE = [
  COLLECTOR.spanCalls,
  `${COLLECTOR.spanDuration}_.+`,
  COLLECTOR.logRecords,
  COLLECTOR.webVitals,
].join('|');

/**
 * Span kinds and status as the span_metrics connector writes them. Any OpenTelemetry SDK's spans
 * carry them: a FastAPI or Django request is a SERVER span, a Celery task run (`run/<task>`) and
 * a BullMQ job attempt (`process <queue>`) CONSUMER spans, their enqueueing (`apply_async/<task>`,
 * `send <queue>`) PRODUCER spans. INTERNAL spans can carry an HTTP status too (the ASGI
 * instrumentation's `http send`), so request figures select SERVER spans.
 */
export const SPAN = {
  server: 'SPAN_KIND_SERVER',
  client: 'SPAN_KIND_CLIENT',
  producer: 'SPAN_KIND_PRODUCER',
  consumer: 'SPAN_KIND_CONSUMER',
  internal: 'SPAN_KIND_INTERNAL',
  error: 'STATUS_CODE_ERROR',
  unset: 'STATUS_CODE_UNSET',
} as const;

/** The SDKs' own metrics (`@tracelog/node`, `@tracelog/queue-instrumentation`). */
export const SDK = {
  jobProcess: promName(METRIC.MESSAGING_PROCESS_DURATION, 's', 'histogram'),
  jobWait: promName(METRIC.JOB_WAIT_DURATION, 's', 'histogram'),
  jobsActive: promName(METRIC.JOB_ACTIVE),
  jobsConsumed: promName(METRIC.MESSAGING_CLIENT_CONSUMED_MESSAGES, '', 'counter'),
  jobsSent: promName(METRIC.MESSAGING_CLIENT_SENT_MESSAGES, '', 'counter'),
  /** Exported by every `@tracelog/node` process at each metrics interval, traffic or not. */
  exportDropped: promName(METRIC.EXPORT_DROPPED, '', 'counter'),
  exportSpooled: promName(METRIC.EXPORT_SPOOLED, '', 'counter'),
} as const;
