/**
 * Dashboards on Prometheus: request rate, errors and duration by service and route (from the
 * collector's span metrics), jobs (the queue instrumentation's metrics), the front end (log-record
 * counts and web-vital ratings) and the collector's own health. Drill-down by trace id is in the
 * record dashboards (VictoriaLogs and Jaeger; the Elasticsearch and Loki sets), linked from every
 * one of these.
 */
import { EVENT } from '../../packages/core/src/schema.ts';
import { THRESHOLDS } from './alerts.ts';
import { BROWSER_SDK_LANGUAGE, COLLECTOR, L, SDK, SPAN, sumOver } from './metrics.ts';
import { DS, dashboard } from './model.ts';

export interface PromTarget {
  refId: string;
  datasource: typeof DS.prometheus;
  expr: string;
  legendFormat: string;
  range: true;
}

interface MetricsPanelSpec {
  title: string;
  type: 'timeseries' | 'stat' | 'bargauge';
  description?: string;
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
  panels: MetricsPanelSpec[];
}

/** Every panel's selector: the dashboard's service and environment variables. */
const scope = `${L.service}=~"$service", ${L.environment}=~"$environment"`;
/**
 * A fixed range rather than Grafana's `$__rate_interval`: the structure test checks every `$name`
 * in a query against the dashboard's variables.
 */
const w = '5m';
const sum = (labels: string[], inner: string) => `sum by (${labels.join(', ')}) (${inner})`;
const p95 = (labels: string[], bucket: string, matchers: string) =>
  `histogram_quantile(0.95, ${sum([...labels, 'le'], `rate(${bucket}{${matchers}}[${w}])`)})`;
const server = `${scope}, ${L.spanKind}="${SPAN.server}"`;
const client = `${scope}, ${L.spanKind}="${SPAN.client}", ${L.method}!=""`;
const browser = `${scope}, ${L.sdkLanguage}="${BROWSER_SDK_LANGUAGE}"`;

export const METRICS_DASHBOARDS: MetricsDashboardSpec[] = [
  {
    file: 'service-metrics',
    title: 'tracelog / Service metrics',
    description:
      'Request rate, errors and duration by service and route, from the spans of every service (Prometheus).',
    panels: [
      {
        title: 'Requests per second by route',
        type: 'timeseries',
        expr: sum([L.service, L.route], `rate(${COLLECTOR.spanCalls}{${server}}[${w}])`),
        legend: `{{${L.service}}} {{${L.route}}}`,
        unit: 'reqps',
      },
      {
        title: 'Share of requests failing with 5xx',
        type: 'timeseries',
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
        expr: sum([L.service, L.severity], `rate(${COLLECTOR.logRecords}{${scope}}[${w}])`),
        legend: `{{${L.service}}} {{${L.severity}}}`,
        unit: 'short',
      },
    ],
  },
  {
    file: 'job-metrics',
    title: 'tracelog / Job metrics',
    description: 'Job throughput, failures, processing and wait time per queue (Prometheus).',
    panels: [
      {
        title: 'Jobs processed per second by queue',
        type: 'timeseries',
        expr: sum([L.service, L.queue], `rate(${SDK.jobProcess}_count{${scope}}[${w}])`),
        legend: `{{${L.service}}} {{${L.queue}}}`,
        unit: 'ops',
      },
      {
        title: 'Job attempts failing per second by queue',
        type: 'timeseries',
        expr: sum(
          [L.service, L.queue, L.errorType],
          `rate(${SDK.jobProcess}_count{${scope}, ${L.errorType}!=""}[${w}])`,
        ),
        legend: `{{${L.service}}} {{${L.queue}}} {{${L.errorType}}}`,
        unit: 'ops',
      },
      {
        title: 'Processing time p95 by queue',
        type: 'timeseries',
        expr: p95([L.service, L.queue], `${SDK.jobProcess}_bucket`, scope),
        legend: `{{${L.service}}} {{${L.queue}}}`,
        unit: 's',
      },
      {
        title: 'Wait in queue p95',
        type: 'timeseries',
        expr: p95([L.service, L.queue], `${SDK.jobWait}_bucket`, scope),
        legend: `{{${L.service}}} {{${L.queue}}}`,
        unit: 's',
        threshold: THRESHOLDS.queueWaitP95Seconds,
      },
      {
        title: 'Jobs enqueued and taken per second',
        type: 'timeseries',
        expr:
          `${sum([L.service, L.queue], `rate(${SDK.jobsSent}{${scope}}[${w}])`)}` +
          ` or ${sum([L.service, L.queue], `rate(${SDK.jobsConsumed}{${scope}}[${w}])`)}`,
        legend: `{{${L.service}}} {{${L.queue}}}`,
        unit: 'ops',
      },
      {
        title: 'Jobs in progress',
        type: 'timeseries',
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
    const panel = {
      id: index + 1,
      type: p.type,
      title: p.title,
      ...(p.description ? { description: p.description } : {}),
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
