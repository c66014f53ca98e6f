import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARDS } from '../../dashboards/src/dashboards.ts';
import { buildDashboard } from '../../dashboards/src/build.ts';
import { isEs } from '../../dashboards/src/model.ts';
import type { EsTarget, Target } from '../../dashboards/src/model.ts';
import { seedTraffic } from '../support/seed-traffic.ts';
import {
  Collector,
  Elasticsearch,
  lokiUnavailableReason,
  removeWorkDirs,
  waitFor,
} from '../support/stack.ts';

// Seeds realistic traffic through the real collector into Elasticsearch, then runs every panel's
// query the way Grafana's Elasticsearch data source builds it, and checks it returns data.
let es: Elasticsearch;
let collector: Collector;
let correlationId = '';

beforeAll(async () => {
  es = await new Elasticsearch().start();
  collector = await new Collector({ elasticsearch: es }).start();
  const traffic = seedTraffic();
  correlationId = traffic.correlationId;
  for (const { path, body } of traffic.requests) {
    const response = await fetch(`${collector.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
  }
  const count = (key: 'logRecords' | 'spans') =>
    JSON.stringify(traffic.requests).split(
      `"${key === 'logRecords' ? 'severityText' : 'startTimeUnixNano'}"`,
    ).length - 1;
  await waitFor(
    async () => (await es.count('tracelog-logs', { match_all: {} })) >= count('logRecords'),
    60_000,
    'seeded logs',
  );
  await waitFor(
    async () => (await es.count('tracelog-traces', { match_all: {} })) >= count('spans'),
    60_000,
    'seeded spans',
  );
});

afterAll(async () => {
  await collector?.stop();
  await es?.stop();
  removeWorkDirs();
});

/** Variable values as a user would have them: "All" everywhere, the seeded correlation id. */
const substitute = (text: string) =>
  text
    .replace(/\$(service|environment|level|component|search)\b/g, '*')
    .replace(/\$trace_id\b/g, correlationId);

/** The request Grafana's Elasticsearch data source sends for a target (the parts we use). */
function toSearch(target: EsTarget): Record<string, unknown> {
  const query = {
    bool: {
      filter: [
        { range: { '@timestamp': { gte: 'now-6h', lte: 'now' } } },
        { query_string: { query: substitute(target.query), analyze_wildcard: true } },
      ],
    },
  };
  if (target.metrics.some((m) => m.type === 'logs' || m.type === 'raw_data')) {
    return { query, size: 500, sort: [{ '@timestamp': 'desc' }] };
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
  return { query, size: 0, aggs };
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

const panels = DASHBOARDS.flatMap((spec) =>
  (buildDashboard(spec).panels as Array<{ title: string; targets: Target[] }>).map((panel) => ({
    name: `${spec.file} › ${panel.title}`,
    target: panel.targets[0]!,
  })),
);

describe('every Elasticsearch panel query returns data of the expected shape', () => {
  it.each(panels.filter((p) => isEs(p.target)))('$name', async ({ target }) => {
    const es_ = target as EsTarget;
    const index = es_.datasource.uid === 'tracelog-es-traces' ? 'tracelog-traces' : 'tracelog-logs';
    const response = await fetch(`${es.url}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(toSearch(es_)),
    });
    const result = (await response.json()) as Record<string, unknown>;
    expect(response.status, JSON.stringify(result).slice(0, 500)).toBe(200);
    if (es_.metrics.some((m) => m.type === 'logs')) {
      const hits = (result.hits as { hits: unknown[] }).hits;
      expect(hits.length).toBeGreaterThan(0);
    } else {
      const { docs, metricsWithValues } = inspect(result, es_);
      expect(docs).toBeGreaterThan(0);
      expect(metricsWithValues).toBe(true);
    }
  });
});

describe('Loki panel queries and ruler', () => {
  const reason = lokiUnavailableReason();
  it.skipIf(reason)(`run against a real Loki (${reason ?? 'available'})`, () => {
    expect(reason).toBeUndefined();
  });
});
