/**
 * The few Grafana shapes tracelog's dashboards use, and the data sources they point at. One place
 * for names and selectors, shared by the dashboards and the alert rules.
 */
import { RESOURCE } from '../../packages/core/src/schema.ts';
import { esResource, lokiLabel } from './names.ts';

export const DS = {
  loki: { type: 'loki', uid: 'tracelog-loki' },
  esLogs: { type: 'elasticsearch', uid: 'tracelog-es-logs' },
  esTraces: { type: 'elasticsearch', uid: 'tracelog-es-traces' },
  prometheus: { type: 'prometheus', uid: 'tracelog-prometheus' },
} as const;
export type DataSource = (typeof DS)[keyof typeof DS];

/**
 * The value Grafana inserts, unescaped, when "All" is selected: a regular expression, so one
 * variable serves both data sources (Lucene regexp queries `field:/…/` and LogQL `=~`). Not `.*`:
 * Loki refuses a stream selector whose matchers all match the empty string.
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
export type Target = EsTarget | LokiTarget;

export interface Panel {
  id: number;
  type: 'timeseries' | 'table' | 'logs' | 'barchart' | 'stat' | 'bargauge';
  title: string;
  description?: string;
  datasource: DataSource;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: Target[];
  fieldConfig?: Record<string, unknown>;
  options?: Record<string, unknown>;
}

export const isEs = (target: Target): target is EsTarget => 'metrics' in target;

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
  spec: { file: string; title: string; description: string },
  variables: unknown[],
  panels: unknown[],
): Record<string, unknown> {
  return {
    uid: `tracelog-${spec.file}`,
    title: spec.title,
    description: spec.description,
    tags: ['tracelog'],
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
