/**
 * The few Grafana shapes tracelog's dashboards use, and the data sources they point at. One place
 * for names and selectors, shared by the dashboards and the alert rules.
 */
import { RESOURCE } from '../../packages/core/src/schema.ts';
import type { Level } from '../../packages/core/src/schema.ts';
import { esResource, lokiLabel } from './names.ts';

export const DS = {
  victorialogs: { type: 'victoriametrics-logs-datasource', uid: 'tracelog-victorialogs' },
  jaeger: { type: 'jaeger', uid: 'tracelog-jaeger' },
  loki: { type: 'loki', uid: 'tracelog-loki' },
  jaegerLoki: { type: 'jaeger', uid: 'tracelog-jaeger-loki' },
  esLogs: { type: 'elasticsearch', uid: 'tracelog-es-logs' },
  esTraces: { type: 'elasticsearch', uid: 'tracelog-es-traces' },
  jaegerEs: { type: 'jaeger', uid: 'tracelog-jaeger-es' },
  prometheus: { type: 'prometheus', uid: 'tracelog-prometheus' },
} as const;
export type DataSource = (typeof DS)[keyof typeof DS];

/**
 * The log stores the record dashboards are generated for, one set of dashboards each, so a team
 * provisions the set of the store it runs. VictoriaLogs is the one we run (its dashboards keep the
 * plain uids); Elasticsearch and Loki are destinations we support. Each has its own Jaeger data
 * source entry, whose trace-to-logs link opens that store (Grafana links a trace data source to
 * one logs data source).
 */
export const STORES = {
  victorialogs: {
    name: 'VictoriaLogs',
    dir: 'json/victorialogs',
    suffix: '',
    logs: DS.victorialogs,
    jaeger: DS.jaeger,
  },
  elasticsearch: {
    name: 'Elasticsearch',
    dir: 'json/elasticsearch',
    suffix: '-es',
    logs: DS.esLogs,
    jaeger: DS.jaegerEs,
  },
  loki: { name: 'Loki', dir: 'json/loki', suffix: '-loki', logs: DS.loki, jaeger: DS.jaegerLoki },
} as const;
export type Store = keyof typeof STORES;

/** A record dashboard's file name (without `.json`) and uid in one store's set. */
export const dashboardFile = (file: string, store: Store) => `${file}${STORES[store].suffix}`;
export const dashboardUid = (file: string, store: Store) =>
  `tracelog-${dashboardFile(file, store)}`;

/** A record's severity text as our SDKs write it: the level, upper-case (`ERROR`). */
export const severity = (level: Level) => level.toUpperCase();

/**
 * The value Grafana inserts, unescaped, when "All" is selected: a regular expression, so one
 * variable form serves every store (LogsQL `=~"…"` and `:~"^…$"`, Lucene regexp queries
 * `field:/…/`, LogQL `=~`). Not `.*`: Loki refuses a stream selector whose matchers all match the
 * empty string.
 */
export const ALL = '.+';

/** Lucene filter every Elasticsearch panel starts from: the dashboard's service and environment. */
export const ES_SCOPE = `${esResource(RESOURCE.SERVICE_NAME)}:/$service/ AND ${esResource(RESOURCE.DEPLOYMENT_ENVIRONMENT)}:/$environment/`;
/** LogQL stream selector every Loki panel starts from. */
export const LOKI_SCOPE = `{${lokiLabel(RESOURCE.SERVICE_NAME)}=~"$service", ${lokiLabel(RESOURCE.DEPLOYMENT_ENVIRONMENT)}=~"$environment"}`;
/** LogQL stream selector of every service (Loki refuses one whose matchers all match ""). */
export const LOKI_ALL = `{${lokiLabel(RESOURCE.SERVICE_NAME)}=~".+"}`;

export interface EsMetric {
  id: string;
  type: 'count' | 'percentiles' | 'avg' | 'max' | 'sum' | 'cardinality' | 'logs' | 'raw_data';
  field?: string;
  settings?: Record<string, unknown>;
}
export interface EsBucket {
  id: string;
  type: 'terms' | 'date_histogram';
  field: string;
  settings?: Record<string, unknown>;
}
export interface EsTarget {
  refId: string;
  datasource: DataSource;
  query: string;
  metrics: EsMetric[];
  bucketAggs: EsBucket[];
  timeField: '@timestamp';
}
export interface LokiTarget {
  refId: string;
  datasource: DataSource;
  expr: string;
  queryType: 'range' | 'instant';
}
/**
 * A query of the VictoriaLogs data source (victoriametrics-logs-datasource): `instant` runs
 * /select/logsql/query (records: logs panels), `stats` /select/logsql/stats_query (one value per
 * group: tables, bar charts), `statsRange` /select/logsql/stats_query_range (time series).
 */
export interface VlTarget {
  refId: string;
  datasource: DataSource;
  expr: string;
  queryType: 'instant' | 'stats' | 'statsRange';
  editorMode: 'code';
  legendFormat?: string;
  /** Records a logs query returns at most (the data source's default is 50). */
  maxLines?: number;
}
/**
 * A query of Grafana's Jaeger data source by trace id: no `queryType` is the trace-id query
 * (`JaegerQuery` in Grafana's jaeger plugin: "undefined means … trace ID"), `GET /api/traces/<id>`.
 */
export interface TracesTarget {
  refId: string;
  datasource: DataSource;
  query: string;
}
export type Target = EsTarget | LokiTarget | VlTarget | TracesTarget;

export interface Panel {
  id: number;
  type: 'timeseries' | 'table' | 'logs' | 'barchart' | 'stat' | 'bargauge' | 'traces';
  title: string;
  description?: string;
  datasource: DataSource;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
  fieldConfig?: Record<string, unknown>;
  options?: Record<string, unknown>;
  transformations?: unknown[];
}

/**
 * What a panel reads beyond OpenTelemetry's conventions, for its description. A panel without one
 * shows any OpenTelemetry service, whatever its SDK: spans through the collector's span metrics,
 * log records through its count connector, or the records every log store holds. The others read
 * records or metrics only our SDKs make, and say so.
 */
export const NEEDS = {
  httpRecords:
    'the http.request records of @tracelog/node; the routes of any OpenTelemetry service (FastAPI, Django, …) are on tracelog / Service metrics',
  clientFailureRecords:
    'the http.client.failure records of @tracelog/node; the client spans of any OpenTelemetry service are on tracelog / Service metrics (Outbound HTTP calls by outcome)',
  jobRecords:
    'the job.* records of @tracelog/queue-instrumentation (BullMQ); Celery tasks and every other OpenTelemetry consumer are on tracelog / Job metrics',
  conversation:
    'the job records of @tracelog/queue-instrumentation, which carry the trace id that enqueued them; a Celery task continues the trace itself, so its records are in the panel above',
  workerStats: 'the worker.stats records of @tracelog/queue-instrumentation',
  taskRecords: "the task.* records of @tracelog/node's task()",
  browser: '@tracelog/browser (its records carry telemetry.sdk.language webjs)',
  queueWait:
    "bullmq.job.wait.duration from @tracelog/queue-instrumentation; Celery's instrumentation reports no queue wait",
  queueActive: 'bullmq.jobs.active from @tracelog/queue-instrumentation',
  collector: "the collector's own telemetry: it shows the collectors, not the services",
} as const;

/** A panel's description followed by what it needs (`NEEDS`), or undefined when it has neither. */
export function describePanel(description?: string, needs?: string): string | undefined {
  const text = [description, needs && `Needs ${needs}.`].filter(Boolean).join(' ');
  return text || undefined;
}

export const isEs = (target: Target): target is EsTarget => 'metrics' in target;
export const isLoki = (target: Target): target is LokiTarget =>
  target.datasource.type === DS.loki.type;
export const isTraces = (target: Target): target is TracesTarget =>
  target.datasource.type === DS.jaeger.type;

const dateHistogram = (id = '9'): EsBucket => ({
  id,
  type: 'date_histogram',
  field: '@timestamp',
  settings: { interval: 'auto', min_doc_count: '0' },
});
export const terms = (id: string, field: string, size = 10): EsBucket => ({
  id,
  type: 'terms',
  field,
  settings: { size: String(size), order: 'desc', orderBy: '_count', min_doc_count: '1' },
});

export function esCount(
  query: string,
  buckets: EsBucket[] = [],
): Omit<EsTarget, 'refId' | 'datasource'> {
  return {
    query,
    metrics: [{ id: '1', type: 'count' }],
    bucketAggs: [...buckets, dateHistogram()],
    timeField: '@timestamp',
  };
}
export function esTable(
  query: string,
  buckets: EsBucket[],
  metrics: EsMetric[] = [{ id: '1', type: 'count' }],
): Omit<EsTarget, 'refId' | 'datasource'> {
  return { query, metrics, bucketAggs: buckets, timeField: '@timestamp' };
}
export function esPercentiles(
  query: string,
  field: string,
  buckets: EsBucket[] = [],
  percents = ['50', '95', '99'],
): Omit<EsTarget, 'refId' | 'datasource'> {
  return {
    query,
    metrics: [{ id: '1', type: 'percentiles', field, settings: { percents } }],
    bucketAggs: [...buckets, dateHistogram()],
    timeField: '@timestamp',
  };
}
export function esLogs(query: string): Omit<EsTarget, 'refId' | 'datasource'> {
  return {
    query,
    metrics: [{ id: '1', type: 'logs', settings: { limit: '500' } }],
    bucketAggs: [],
    timeField: '@timestamp',
  };
}

/**
 * A dashboard around its panels: the uid from the file name, the tracelog tag and the links
 * between tracelog dashboards, the same for the logs and the metrics dashboards.
 */
export function dashboard(
  spec: { file: string; title: string; description: string; tags?: string[] },
  variables: unknown[],
  panels: unknown[],
): Record<string, unknown> {
  return {
    uid: `tracelog-${spec.file}`,
    title: spec.title,
    description: spec.description,
    tags: ['tracelog', ...(spec.tags ?? [])],
    timezone: 'utc',
    schemaVersion: 41,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: variables },
    links: [
      { title: 'tracelog dashboards', type: 'dashboards', tags: ['tracelog'], asDropdown: true },
    ],
    panels,
  };
}
