/**
 * Dashboards on Prometheus: request rate, errors and duration by service and route, and jobs by
 * queue and task, from the collector's span metrics, so they show any OpenTelemetry service
 * (a FastAPI or Django route, a Celery task, a BullMQ job alike); log volume by severity from its
 * count connector; the front end (our browser SDK's records and web-vital ratings) and the
 * collector's own health. A panel that reads what only our SDKs make says so in its description
 * (`needs`). Drill-down by trace id is in the record dashboards (VictoriaLogs and Jaeger; the
 * Elasticsearch and Loki sets), linked from every one of these.
 */
import { EVENT } from '../../packages/core/src/schema.ts';
import { THRESHOLDS } from './alerts.ts';
import { BROWSER_SDK_LANGUAGE, COLLECTOR, L, SDK, SPAN, sumOver } from './metrics.ts';
import { DS, NEEDS, dashboard, describePanel } from './model.ts';

export interface PromTarget {
  refId: string;
  datasource: typeof DS.prometheus;
  expr: string;
  legendFormat: string;
  range: true;
}

export interface MetricsPanelSpec {
  title: string;
  type: 'timeseries' | 'stat' | 'bargauge';
  description?: string;
  /** What it reads beyond OpenTelemetry's conventions (`NEEDS`); absent: any OpenTelemetry service. */
  needs?: string;
  expr: string;
  legend: string;
  unit?: string;
  /** A red line at the alert threshold. */
  threshold?: number;
  width?: number;
}

export interface MetricsDashboardSpec {
  file: string;
  title: string;
  description: string;
  /** What every panel of it needs (see `MetricsPanelSpec.needs`). */
  needs?: string;
  panels: MetricsPanelSpec[];
}

/** What a panel needs beyond OpenTelemetry's conventions; undefined: it shows any service. */
export const panelNeeds = (spec: MetricsDashboardSpec, panel: MetricsPanelSpec) =>
  panel.needs ?? spec.needs;

/** Every panel's selector: the dashboard's service and environment variables. */
const scope = `${L.service}=~"$service", ${L.environment}=~"$environment"`;
/**
 * A fixed range rather than Grafana's `$__rate_interval`: the structure test checks every `$name`
 * in a query against the dashboard's variables.
 */
export const PANEL_RANGE = '5m';
const w = PANEL_RANGE;
const sum = (labels: string[], inner: string) => `sum by (${labels.join(', ')}) (${inner})`;
const p95 = (labels: string[], bucket: string, matchers: string) =>
  `histogram_quantile(0.95, ${sum([...labels, 'le'], `rate(${bucket}{${matchers}}[${w}])`)})`;
const server = `${scope}, ${L.spanKind}="${SPAN.server}"`;
const client = `${scope}, ${L.spanKind}="${SPAN.client}", ${L.method}!=""`;
/**
 * Jobs: the spans of a message's processing (CONSUMER) — a Celery task run, a BullMQ job attempt.
 * Grouped by queue (`messaging.destination.name`, where the instrumentation sets it: BullMQ) and
 * span name, which names the Celery task (`run/orders.settle`); Celery's spans carry no
 * `messaging.destination.name`.
 */
const consumer = `${scope}, ${L.spanKind}="${SPAN.consumer}"`;
const job = [L.service, L.queue, L.spanName];
const jobLegend = `{{${L.service}}} {{${L.queue}}} {{${L.spanName}}}`;
const browser = `${scope}, ${L.sdkLanguage}="${BROWSER_SDK_LANGUAGE}"`;

export const METRICS_DASHBOARDS: MetricsDashboardSpec[] = [
  {
    file: 'service-metrics',
    title: 'tracelog / Service metrics',
    description:
      'Request rate, errors and duration by service and route, from the SERVER spans of every service (FastAPI, Django, Express, any OpenTelemetry SDK); outbound calls; log volume by severity (Prometheus).',
    panels: [
      {
        title: 'Requests per second by route',
        type: 'timeseries',
        description:
          'SERVER spans by http.route, as each framework names it (Express `/orders/:id`, FastAPI `/orders/{order_id}`, Django `reports/<str:report_id>`); a request no route matched has none.',
        expr: sum([L.service, L.route], `rate(${COLLECTOR.spanCalls}{${server}}[${w}])`),
        legend: `{{${L.service}}} {{${L.route}}}`,
        unit: 'reqps',
      },
      {
        title: 'Share of requests failing with 5xx',
        type: 'timeseries',
        description:
          "SERVER spans only: an INTERNAL span can carry the same status (the ASGI instrumentation's `http send`).",
        expr:
          sum([L.service], `rate(${COLLECTOR.spanCalls}{${server}, ${L.status}=~"5.."}[${w}])`) +
          ` / ${sum([L.service], `rate(${COLLECTOR.spanCalls}{${server}}[${w}])`)}`,
        legend: `{{${L.service}}}`,
        unit: 'percentunit',
        threshold: THRESHOLDS.http5xxRatio,
      },
      {
        title: 'Request duration p95 by route',
        type: 'timeseries',
        expr: p95([L.service, L.route], `${COLLECTOR.spanDuration}_bucket`, server),
        legend: `{{${L.service}}} {{${L.route}}}`,
        unit: 's',
        threshold: THRESHOLDS.slowP95Ms / 1000,
      },
      {
        title: 'Responses by status code',
        type: 'timeseries',
        expr: sum([L.service, L.status], `rate(${COLLECTOR.spanCalls}{${server}}[${w}])`),
        legend: `{{${L.service}}} {{${L.status}}}`,
        unit: 'reqps',
      },
      {
        title: 'Outbound HTTP calls by outcome',
        type: 'timeseries',
        description: 'Client spans: status code, or error.type when no answer came.',
        expr: sum(
          [L.service, L.status, L.errorType],
          `rate(${COLLECTOR.spanCalls}{${client}}[${w}])`,
        ),
        legend: `{{${L.service}}} {{${L.status}}} {{${L.errorType}}}`,
        unit: 'reqps',
      },
      {
        title: 'Log records per second by severity',
        type: 'timeseries',
        description:
          "Every log record, of any OpenTelemetry SDK, counted by the collector (Python's WARNING is WARN, CRITICAL is FATAL).",
        expr: sum([L.service, L.severity], `rate(${COLLECTOR.logRecords}{${scope}}[${w}])`),
        legend: `{{${L.service}}} {{${L.severity}}}`,
        unit: 'short',
      },
    ],
  },
  {
    file: 'job-metrics',
    title: 'tracelog / Job metrics',
    description:
      'Job and task throughput, failures and processing time per queue and task, from the spans of every worker (Celery, BullMQ, any OpenTelemetry consumer); queue wait and jobs in progress where the SDK reports them (Prometheus).',
    panels: [
      {
        title: 'Jobs processed per second by queue and task',
        type: 'timeseries',
        description: 'CONSUMER spans: Celery task runs (run/<task>), BullMQ job attempts.',
        expr: sum(job, `rate(${COLLECTOR.spanCalls}{${consumer}}[${w}])`),
        legend: jobLegend,
        unit: 'ops',
      },
      {
        title: 'Jobs failing per second by queue and task',
        type: 'timeseries',
        description:
          'CONSUMER spans with status ERROR: a Celery task that raised, a BullMQ attempt that threw (error.type where the instrumentation sets it).',
        expr: sum(
          [...job, L.errorType],
          `rate(${COLLECTOR.spanCalls}{${consumer}, ${L.spanStatus}="${SPAN.error}"}[${w}])`,
        ),
        legend: `${jobLegend} {{${L.errorType}}}`,
        unit: 'ops',
        threshold: THRESHOLDS.failedJobsPer10m / 600,
      },
      {
        title: 'Processing time p95 by queue and task',
        type: 'timeseries',
        expr: p95(job, `${COLLECTOR.spanDuration}_bucket`, consumer),
        legend: jobLegend,
        unit: 's',
      },
      {
        title: 'Jobs enqueued and processed per second',
        type: 'timeseries',
        description:
          'PRODUCER spans (apply_async/<task>, send <queue>) and CONSUMER spans: enqueued above processed means a growing backlog. A batch enqueue (BullMQ addBulk) is one span.',
        expr: sum(
          [...job, L.spanKind],
          `rate(${COLLECTOR.spanCalls}{${scope}, ${L.spanKind}=~"${SPAN.producer}|${SPAN.consumer}"}[${w}])`,
        ),
        legend: `${jobLegend} {{${L.spanKind}}}`,
        unit: 'ops',
      },
      {
        title: 'Wait in queue p95',
        type: 'timeseries',
        needs: NEEDS.queueWait,
        expr: p95([L.service, L.queue], `${SDK.jobWait}_bucket`, scope),
        legend: `{{${L.service}}} {{${L.queue}}}`,
        unit: 's',
        threshold: THRESHOLDS.queueWaitP95Seconds,
      },
      {
        title: 'Jobs in progress',
        type: 'timeseries',
        needs: NEEDS.queueActive,
        expr: sum([L.service, L.queue], `${SDK.jobsActive}{${scope}}`),
        legend: `{{${L.service}}} {{${L.queue}}}`,
        unit: 'short',
      },
    ],
  },
  {
    file: 'front-end-metrics',
    title: 'tracelog / Front-end metrics',
    description: 'Browser errors and web-vital ratings per app (Prometheus).',
    needs: NEEDS.browser,
    panels: [
      {
        title: 'Browser errors per minute (uncaught errors, failed loads)',
        type: 'timeseries',
        expr: `60 * ${sum([L.service], `rate(${COLLECTOR.logRecords}{${browser}, ${L.event}=~"${EVENT.EXCEPTION}|${EVENT.BROWSER_ERROR}"}[${w}])`)}`,
        legend: `{{${L.service}}}`,
        unit: 'short',
      },
      {
        title: 'Web vitals by rating',
        type: 'timeseries',
        expr: sum(
          [L.service, L.vitalName, L.vitalRating],
          `increase(${COLLECTOR.webVitals}{${scope}}[${w}])`,
        ),
        legend: `{{${L.service}}} {{${L.vitalName}}} {{${L.vitalRating}}}`,
        unit: 'short',
      },
      {
        title: 'Browser records per second by event',
        type: 'timeseries',
        expr: sum([L.service, L.event], `rate(${COLLECTOR.logRecords}{${browser}}[${w}])`),
        legend: `{{${L.service}}} {{${L.event}}}`,
        unit: 'short',
      },
    ],
  },
  {
    file: 'collector-health',
    title: 'tracelog / Collector health',
    description:
      "The collector's own telemetry: how full each exporter's sending queue is, what it fails to deliver.",
    needs: NEEDS.collector,
    panels: [
      {
        title: 'Sending queue in use by exporter',
        type: 'timeseries',
        expr: `max by (${L.service}, ${L.exporter}) (${COLLECTOR.queueSize}{${L.service}=~"$service"} / ${COLLECTOR.queueCapacity}{${L.service}=~"$service"})`,
        legend: `{{${L.service}}} {{${L.exporter}}}`,
        unit: 'percentunit',
        threshold: THRESHOLDS.collectorQueueRatio,
      },
      {
        title: 'Items queued by exporter',
        type: 'timeseries',
        expr: `max by (${L.service}, ${L.exporter}) (${COLLECTOR.queueSize}{${L.service}=~"$service"})`,
        legend: `{{${L.service}}} {{${L.exporter}}}`,
        unit: 'short',
      },
      {
        title: 'Items failed or refused per second by exporter',
        type: 'timeseries',
        expr: sumOver(
          [L.service, L.exporter, 'metric'],
          'rate',
          COLLECTOR.exportFailures,
          `${L.service}=~"$service"`,
          w,
        ),
        legend: `{{${L.service}}} {{${L.exporter}}} {{metric}}`,
        unit: 'short',
      },
      {
        title: 'Items sent per second by exporter',
        type: 'timeseries',
        expr: sumOver(
          [L.service, L.exporter],
          'rate',
          COLLECTOR.exportSent,
          `${L.service}=~"$service"`,
          w,
        ),
        legend: `{{${L.service}}} {{${L.exporter}}}`,
        unit: 'short',
      },
    ],
  },
];

/** Prometheus query variables (Grafana's `label_values`); "All" matches any value or none. */
function variable(name: 'service' | 'environment', labelName: string): Record<string, unknown> {
  return {
    name,
    label: name,
    type: 'query',
    datasource: DS.prometheus,
    query: {
      query: `label_values(${labelName})`,
      refId: 'PrometheusVariableQueryEditor-VariableQuery',
    },
    definition: `label_values(${labelName})`,
    includeAll: true,
    allValue: '.*',
    current: { text: 'All', value: '$__all' },
    refresh: 2,
  };
}

export function buildMetricsDashboard(spec: MetricsDashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  const panels = spec.panels.map((p, index) => {
    const width = p.width ?? 12;
    if (x + width > 24) {
      x = 0;
      y += 8;
    }
    const target: PromTarget = {
      refId: 'A',
      datasource: DS.prometheus,
      expr: p.expr,
      legendFormat: p.legend,
      range: true,
    };
    const description = describePanel(p.description, panelNeeds(spec, p));
    const panel = {
      id: index + 1,
      type: p.type,
      title: p.title,
      ...(description ? { description } : {}),
      datasource: DS.prometheus,
      gridPos: { x, y, w: width, h: 8 },
      targets: [target],
      fieldConfig: {
        defaults: {
          unit: p.unit ?? 'short',
          ...(p.threshold !== undefined
            ? {
                thresholds: {
                  mode: 'absolute',
                  steps: [
                    { color: 'green', value: null },
                    { color: 'red', value: p.threshold },
                  ],
                },
                custom: { thresholdsStyle: { mode: 'line' } },
              }
            : {}),
        },
        overrides: [],
      },
    };
    x += width;
    return panel;
  });
  return dashboard(
    spec,
    [variable('service', L.service), variable('environment', L.environment)],
    panels,
  );
}
