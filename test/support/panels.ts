import { expect } from 'vitest';
import { DASHBOARDS } from '../../dashboards/src/dashboards.ts';
import { buildDashboard } from '../../dashboards/src/build.ts';
import { isEs } from '../../dashboards/src/model.ts';
import type { EsTarget, Target } from '../../dashboards/src/model.ts';
import type { Loki, LokiEntry } from './stack.ts';

/**
 * Every panel of every generated dashboard, run the way Grafana runs it for a user who opens the
 * dashboard with its starting variable values: Elasticsearch panels as the request Grafana's
 * Elasticsearch data source builds, Loki panels as LogQL range queries.
 */

interface Variable {
  name: string;
  type: string;
  query: string;
  allValue?: string;
  current: { value: string };
}

export interface PanelCase {
  /** `<dashboard file> › <panel title>`, for test names. */
  name: string;
  target: Target;
  variables: Variable[];
}

export const PANELS: PanelCase[] = DASHBOARDS.flatMap((spec) => {
  const dashboard = buildDashboard(spec) as {
    templating: { list: Variable[] };
    panels: Array<{ title: string; targets: Target[] }>;
  };
  return dashboard.panels.map((panel) => ({
    name: `${spec.file} › ${panel.title}`,
    target: panel.targets[0]!,
    variables: dashboard.templating.list,
  }));
});

/** Each query variable's name and query (the same variable on several dashboards counts once). */
export const VARIABLE_QUERIES: Array<[name: string, query: string]> = [
  ...new Map(
    PANELS.flatMap(({ variables }) =>
      variables.filter((v) => v.type === 'query').map((v) => [v.name, v.query] as const),
    ),
  ),
];

/**
 * Grafana's variable interpolation for the values a user starts from: "All" inserts the custom
 * all value unescaped; other values are escaped for the data source (Lucene for Elasticsearch,
 * string quoting for Loki); the correlation id is the one the user pastes.
 */
function interpolate(
  text: string,
  variables: Variable[],
  ds: 'elasticsearch' | 'loki',
  traceId: string,
): string {
  return text.replace(/\$(\w+)/g, (match, name: string) => {
    if (name === 'trace_id') return traceId;
    const variable = variables.find((v) => v.name === name);
    if (!variable) return match;
    const value = variable.current.value;
    if (value === '$__all') return variable.allValue!;
    return ds === 'elasticsearch'
      ? value.replace(/([!*+\-=<>\s&|()[\]{}^~?:\\/"])/g, '\\$1')
      : value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  });
}

/** The request Grafana's Elasticsearch data source sends for a target (the parts we use). */
function toSearch(
  target: EsTarget,
  variables: Variable[],
  traceId: string,
): Record<string, unknown> {
  const query = interpolate(target.query, variables, 'elasticsearch', traceId);
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

/** What one panel's query returned. */
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

export interface Backends {
  esUrl: string;
  loki: Loki;
  /** The correlation id pasted into the correlation explorer. */
  traceId: string;
}

/** Runs one panel's query against the back end its data source points at. */
export async function runPanel(panel: PanelCase, backends: Backends): Promise<PanelData> {
  const { target, variables } = panel;
  if (!isEs(target)) {
    const query = interpolate(target.expr, variables, 'loki', backends.traceId);
    return { source: 'loki', query, lines: await backends.loki.logs(query, 7_200_000, 1000) };
  }
  const index =
    target.datasource.uid === 'tracelog-es-traces' ? 'tracelog-traces' : 'tracelog-logs';
  const response = await fetch(`${backends.esUrl}/${index}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(toSearch(target, variables, backends.traceId)),
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
 * The shape every panel must have on realistic traffic: the query is accepted, and it returns
 * records (logs panels) or buckets with documents and a value for every metric (the others).
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

/** The values a query variable (`{ find: 'terms', field }`) offers, as Grafana asks for them. */
export async function variableValues(esUrl: string, query: string): Promise<string[]> {
  const { field } = JSON.parse(query) as { find: 'terms'; field: string };
  const response = await fetch(`${esUrl}/tracelog-logs/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 0, aggs: { values: { terms: { field, size: 500 } } } }),
  });
  const body = (await response.json()) as {
    aggregations: { values: { buckets: Array<{ key: string }> } };
  };
  return body.aggregations.values.buckets.map((b) => b.key);
}
