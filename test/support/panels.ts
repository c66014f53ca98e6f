import { expect } from 'vitest';
import { DASHBOARDS } from '../../dashboards/src/dashboards.ts';
import { buildDashboard } from '../../dashboards/src/build.ts';
import { STORES, isEs, isLoki, isTraces } from '../../dashboards/src/model.ts';
import type { EsTarget, Store, Target, VlTarget } from '../../dashboards/src/model.ts';
import { interpolateLogsql } from './logsql.ts';
import type { Picks, Variable } from './logsql.ts';
import type { LogRow, Loki, LokiEntry } from './stack.ts';

/**
 * Every panel of every generated record dashboard, run the way Grafana runs it for a user who
 * opens the dashboard with its starting variable values, or with values picked: VictoriaLogs
 * panels as the requests its data source (victoriametrics-logs-datasource) sends, Elasticsearch
 * panels as the request Grafana's Elasticsearch data source builds, Loki panels as LogQL range
 * queries, trace panels as Grafana's Jaeger data source asks for a trace.
 */

export interface PanelCase {
  /** `<dashboard file> › <panel title>`, for test names (the same in every store's set). */
  name: string;
  store: Store;
  target: Target;
  variables: Variable[];
}

export const PANELS: PanelCase[] = (Object.keys(STORES) as Store[]).flatMap((store) =>
  DASHBOARDS.flatMap((spec) => {
    const dashboard = buildDashboard(spec, store) as
      | { templating: { list: Variable[] }; panels: Array<{ title: string; targets: Target[] }> }
      | undefined;
    return (dashboard?.panels ?? []).map((panel) => ({
      name: `${spec.file} › ${panel.title}`,
      store,
      target: panel.targets[0]!,
      variables: dashboard!.templating.list,
    }));
  }),
);

/** The panels of one store's dashboards whose query that store answers (not the trace panels). */
export const panelsOf = (store: Store) =>
  PANELS.filter((p) => p.store === store && !isTraces(p.target));

/** The trace panels (Jaeger), one per store's correlation explorer. */
export const TRACE_PANELS = PANELS.filter((p) => isTraces(p.target));

/** Each query variable of a store's dashboards (the same variable on several counts once). */
export function variableQueries(store: Store): Variable[] {
  const byName = new Map<string, Variable>();
  for (const { variables } of PANELS.filter((p) => p.store === store))
    for (const v of variables) if (v.type === 'query') byName.set(v.name, v);
  return [...byName.values()];
}

/** The dashboard time range Grafana sends: the last 6 hours, in whole seconds as the data sources do. */
export function dashboardRange(): { from: number; to: number } {
  const to = Math.floor(Date.now() / 1000);
  return { from: to - 6 * 3600, to };
}

/**
 * The step of a time series over that range: Grafana's interval for a panel about 1000 points
 * wide (6 h / 1000 = 21.6 s, rounded to 20 s), which the data source passes on.
 */
const RANGE_STEP_S = 20;

// --- VictoriaLogs -------------------------------------------------------------------------------

/** One series of a stats query: its labels (the grouping fields and `__name__`, the stat's name). */
export interface VlSeries {
  labels: Record<string, string>;
  /** [seconds, value] samples; a `stats` query has one. */
  samples: Array<[number, number]>;
}

export type VlPanelData =
  | { kind: 'records'; query: string; limit: number; rows: LogRow[] }
  | { kind: 'stats'; query: string; series: VlSeries[] }
  | { kind: 'statsRange'; query: string; series: VlSeries[]; step: number };

async function vlRequest(url: string, path: string, params: Record<string, string>) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    body: new URLSearchParams(params),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path} ${params.query}: ${response.status} ${text}`);
  return text;
}

const seriesOf = (text: string): VlSeries[] => {
  const body = JSON.parse(text) as {
    data: {
      result: Array<{
        metric: Record<string, string>;
        value?: [number, string];
        values?: Array<[number, string]>;
      }>;
    };
  };
  return body.data.result.map((r) => ({
    labels: r.metric,
    samples: (r.values ?? [r.value!]).map(([t, v]) => [t, Number(v)]),
  }));
};

/**
 * Runs a VictoriaLogs panel as the data source's back end does (victorialogs-datasource
 * pkg/plugin/query.go): `instant` → /select/logsql/query with `limit`, `start`, `end`; `stats` →
 * /select/logsql/stats_query with `_time:[start, end]` put in front of the query and `time`;
 * `statsRange` → /select/logsql/stats_query_range with `start`, `end`, `step`.
 */
export async function runVlPanel(
  panel: PanelCase,
  vlUrl: string,
  picks: Picks = {},
  range = dashboardRange(),
): Promise<VlPanelData> {
  const target = panel.target as VlTarget;
  const query = interpolateLogsql(target.expr, panel.variables, picks);
  const window = { start: String(range.from), end: String(range.to) };
  switch (target.queryType) {
    case 'instant': {
      const limit = target.maxLines!;
      const text = await vlRequest(vlUrl, '/select/logsql/query', {
        query,
        limit: String(limit),
        ...window,
      });
      const rows = text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as LogRow);
      return { kind: 'records', query, limit, rows };
    }
    case 'stats': {
      const timed = `_time:[${range.from}, ${range.to}] ${query}`;
      const text = await vlRequest(vlUrl, '/select/logsql/stats_query', {
        query: timed,
        time: String(range.to),
      });
      return { kind: 'stats', query: timed, series: seriesOf(text) };
    }
    case 'statsRange': {
      const text = await vlRequest(vlUrl, '/select/logsql/stats_query_range', {
        query,
        ...window,
        step: `${RANGE_STEP_S}s`,
      });
      return { kind: 'statsRange', query, series: seriesOf(text), step: RANGE_STEP_S };
    }
  }
}

/**
 * The values a VictoriaLogs query variable (`{ type: 'fieldValue', field, query }`) offers, as the
 * data source asks for them (/select/logsql/field_values over the dashboard's range).
 */
export async function vlVariableValues(
  vlUrl: string,
  variable: Variable,
  range = dashboardRange(),
): Promise<string[]> {
  const { field, query, limit } = variable.query as { field: string; query: string; limit: number };
  const text = await vlRequest(vlUrl, '/select/logsql/field_values', {
    query,
    field,
    limit: String(limit),
    start: String(range.from),
    end: String(range.to),
  });
  return (JSON.parse(text) as { values: Array<{ value: string }> }).values.map((v) => v.value);
}

// --- Elasticsearch and Loki (servers the user runs) --------------------------------------------

/**
 * Grafana's interpolation for Elasticsearch and Loki: "All" inserts the custom all value
 * unescaped; other values are escaped for the data source (Lucene for Elasticsearch, string
 * quoting for Loki).
 */
function interpolate(
  text: string,
  variables: Variable[],
  ds: 'elasticsearch' | 'loki',
  picks: Picks,
): string {
  return text.replace(/\$(\w+)/g, (match, name: string) => {
    const variable = variables.find((v) => v.name === name);
    if (!variable) return match;
    const value = picks[name] ?? variable.current.value;
    if (value === '$__all') return variable.allValue!;
    return ds === 'elasticsearch'
      ? value.replace(/([!*+\-=<>\s&|()[\]{}^~?:\\/"])/g, '\\$1')
      : value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  });
}

/** The request Grafana's Elasticsearch data source sends for a target (the parts we use). */
function toSearch(target: EsTarget, variables: Variable[], picks: Picks): Record<string, unknown> {
  const query = interpolate(target.query, variables, 'elasticsearch', picks);
  const body = {
    bool: {
      filter: [
        { range: { '@timestamp': { gte: 'now-6h', lte: 'now' } } },
        { query_string: { query, analyze_wildcard: true } },
      ],
    },
  };
  if (target.metrics.some((m) => m.type === 'logs' || m.type === 'raw_data')) {
    return { query: body, size: 500, sort: [{ '@timestamp': 'desc' }] };
  }
  const metricAggs: Record<string, unknown> = {};
  for (const metric of target.metrics) {
    if (metric.type === 'count') continue;
    if (metric.type === 'percentiles') {
      metricAggs[metric.id] = {
        percentiles: {
          field: metric.field,
          percents: (metric.settings?.percents as string[]).map(Number),
        },
      };
    } else {
      metricAggs[metric.id] = { [metric.type]: { field: metric.field } };
    }
  }
  let aggs: Record<string, unknown> = metricAggs;
  for (const bucket of [...target.bucketAggs].reverse()) {
    const body =
      bucket.type === 'date_histogram'
        ? { date_histogram: { field: bucket.field, fixed_interval: '1m', min_doc_count: 0 } }
        : {
            terms: {
              field: bucket.field,
              size: Number(bucket.settings?.size ?? 10),
              order: { _count: 'desc' },
              min_doc_count: 1,
            },
          };
    aggs = { [bucket.id]: Object.keys(aggs).length > 0 ? { ...body, aggs } : body };
  }
  return { query: body, size: 0, aggs };
}

/** Leaf buckets with documents, and whether every requested metric has a value in one of them. */
function inspect(
  result: Record<string, unknown>,
  target: EsTarget,
): { docs: number; metricsWithValues: boolean } {
  let docs = 0;
  let metricsWithValues = false;
  const walk = (node: Record<string, unknown>, depth: number) => {
    const bucketAgg = target.bucketAggs[depth];
    if (!bucketAgg) {
      const count = Number(node.doc_count ?? 0);
      docs += count;
      const values = target.metrics
        .filter((m) => m.type !== 'count')
        .map(
          (m) => node[m.id] as { value?: number | null; values?: Record<string, number | null> },
        );
      if (count > 0 && values.every((v) => (v?.value ?? Object.values(v?.values ?? {})[0]) != null))
        metricsWithValues = true;
      return;
    }
    const agg = node[bucketAgg.id] as { buckets: Array<Record<string, unknown>> };
    for (const bucket of agg.buckets) walk(bucket, depth + 1);
  };
  walk((result.aggregations ?? {}) as Record<string, unknown>, 0);
  return {
    docs,
    metricsWithValues: metricsWithValues || target.metrics.every((m) => m.type === 'count'),
  };
}

/** What one Elasticsearch or Loki panel's query returned. */
export type PanelData =
  | { source: 'elasticsearch'; status: number; error: string; hits: Array<Record<string, unknown>> }
  | {
      source: 'elasticsearch-aggregations';
      status: number;
      error: string;
      docs: number;
      metricsWithValues: boolean;
    }
  | { source: 'loki'; query: string; lines: LokiEntry[] };

/** Runs one Elasticsearch or Loki panel's query against the server the user runs. */
export async function runPanel(
  panel: PanelCase,
  servers: { esUrl?: string; loki?: Loki },
  picks: Picks = {},
): Promise<PanelData> {
  const { target, variables } = panel;
  if (isLoki(target)) {
    const query = interpolate(target.expr, variables, 'loki', picks);
    return { source: 'loki', query, lines: await servers.loki!.logs(query, 7_200_000, 1000) };
  }
  if (!isEs(target)) throw new Error(`${panel.name}: not an Elasticsearch or Loki panel`);
  const index =
    target.datasource.uid === STORES.elasticsearch.logs.uid ? 'tracelog-logs' : 'tracelog-traces';
  const response = await fetch(`${servers.esUrl}/${index}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(toSearch(target, variables, picks)),
  });
  const result = (await response.json()) as Record<string, unknown>;
  const error = response.ok ? '' : JSON.stringify(result).slice(0, 500);
  if (target.metrics.some((m) => m.type === 'logs')) {
    const hits = (result.hits as { hits: Array<{ _source: Record<string, unknown> }> } | undefined)
      ?.hits;
    return {
      source: 'elasticsearch',
      status: response.status,
      error,
      hits: (hits ?? []).map((h) => h._source),
    };
  }
  return {
    source: 'elasticsearch-aggregations',
    status: response.status,
    error,
    ...inspect(result, target),
  };
}

/**
 * The shape every Elasticsearch or Loki panel must have on realistic traffic: the query is
 * accepted, and it returns records (logs panels) or buckets with documents and a value for every
 * metric (the others).
 */
export function expectPanelData(data: PanelData): void {
  if (data.source === 'loki') {
    expect(data.lines.length, data.query).toBeGreaterThan(0);
    return;
  }
  expect(data.status, data.error).toBe(200);
  if (data.source === 'elasticsearch') {
    expect(data.hits.length).toBeGreaterThan(0);
  } else {
    expect(data.docs).toBeGreaterThan(0);
    expect(data.metricsWithValues).toBe(true);
  }
}

/** The values an Elasticsearch (`{ find: 'terms', field }`) or Loki (`label_values`) variable offers. */
export async function variableValues(
  variable: Variable,
  servers: { esUrl?: string; loki?: Loki },
): Promise<string[]> {
  if (typeof variable.query === 'string' && variable.query.startsWith('label_values(')) {
    const [, selector, label] = /^label_values\((?:(.*),\s*)?(\w+)\)$/.exec(variable.query)!;
    const search = new URLSearchParams(selector ? { query: selector } : {});
    const response = await fetch(
      `${servers.loki!.url}/loki/api/v1/label/${label}/values?${search}`,
    );
    return ((await response.json()) as { data?: string[] }).data ?? [];
  }
  const { field } = JSON.parse(String(variable.query)) as { find: 'terms'; field: string };
  const response = await fetch(`${servers.esUrl}/tracelog-logs/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 0, aggs: { values: { terms: { field, size: 500 } } } }),
  });
  const body = (await response.json()) as {
    aggregations: { values: { buckets: Array<{ key: string }> } };
  };
  return body.aggregations.values.buckets.map((b) => b.key);
}
