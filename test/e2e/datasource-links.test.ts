import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { STORES, dashboardUid } from '../../dashboards/src/model.ts';
import type { Store } from '../../dashboards/src/model.ts';
import { ES_FIELD, VL_FIELD } from '../../dashboards/src/names.ts';
import { Elasticsearch } from '../support/elasticsearch.ts';
import { LOKI_OTLP_FIELDS } from '../support/logql.ts';
import {
  Collector,
  Jaeger,
  Loki,
  VictoriaLogs,
  esTitle,
  esUrl,
  lokiTitle,
  lokiUrl,
  removeWorkDirs,
  waitFor,
} from '../support/stack.ts';
import type { JaegerSpan, LogRow } from '../support/stack.ts';

// The links Grafana's data sources draw between a stored record and its trace
// (dashboards/provisioning/datasources: VictoriaLogs and Loki `derivedFields`, Elasticsearch
// `dataLinks`, Jaeger `tracesToLogsV2`), applied as Grafana applies them to a span and a record
// our collector build stored in Jaeger and VictoriaLogs: the provisioning file's `$$` becomes
// `$`, the field (or label) gives the value, `${__value.raw}` in the link is replaced by it, and a
// link with a `datasourceUid` runs its text as that data source's query. From a record, the
// links must open its trace in Jaeger (the span comes back) and its store's correlation
// explorer; from the span, the trace-to-logs query must return the record. Loki's and
// Elasticsearch's links run against the servers you name (TRACELOG_LOKI_URL, TRACELOG_ES_URL);
// without them those cases are skipped and say why.
const repo = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, repo), 'utf8');

interface Link {
  datasourceUid?: string;
  url?: string;
}
interface DataSource {
  uid: string;
  type: string;
  jsonData?: {
    derivedFields?: Array<Link & { name: string; matcherType?: string; matcherRegex: string }>;
    dataLinks?: Array<Link & { field: string }>;
    tracesToLogsV2?: {
      datasourceUid: string;
      customQuery: boolean;
      query: string;
      spanStartTimeShift: string;
      spanEndTimeShift: string;
    };
  };
}

/**
 * Grafana's provisioning interpolation (pkg/services/provisioning/values): the text is split at
 * each `$$`, each part is expanded like Go's os.Expand (`${NAME}` up to the closing brace, or
 * `$NAME`, from the environment, empty when unset), and the parts are joined with `$`.
 */
const provisioned = (text: string) =>
  text
    .split('$$')
    .map((part) =>
      part.replace(
        /\$\{([^}]*)\}|\$([A-Za-z0-9_]+)/g,
        (_, braced?: string, bare?: string) => process.env[braced ?? bare ?? ''] ?? '',
      ),
    )
    .join('$');

const dataSources = (
  parse(provisioned(read('dashboards/provisioning/datasources/tracelog.yaml'))) as {
    datasources: DataSource[];
  }
).datasources;
const byUid = (uid: string) => dataSources.find((d) => d.uid === uid)!;

/** A data link's URL with the value substituted, as Grafana's template service does. */
const linkFor = (url: string, value: string) =>
  url.replace(/\$\{__value\.(raw|text)\}/g, () => encodeURIComponent(value));

/** Where an external link leads: the dashboard uid and the variables it sets. */
function target(url: string) {
  const parsed = new URL(url, 'http://grafana.invalid');
  const match = /^\/d\/([^/]+)(?:\/[^/]*)?$/.exec(parsed.pathname);
  return {
    dashboard: match?.[1],
    vars: Object.fromEntries(
      [...parsed.searchParams]
        .filter(([k]) => k.startsWith('var-'))
        .map(([k, v]) => [k.slice(4), v]),
    ),
  };
}

/** A trace-to-logs query with the span's values, as Grafana interpolates it (`${__trace.traceId}`, …). */
const spanQuery = (query: string, span: JaegerSpan) =>
  query
    .replaceAll('${__trace.traceId}', span.traceId)
    .replaceAll('${__span.traceId}', span.traceId)
    .replaceAll('${__span.spanId}', span.spanId);

/** Grafana's interval (`-1h`, `30m`) in seconds. */
const seconds = (interval: string) => {
  const [, sign, n, unit] = /^(-?)(\d+)([smhd])$/.exec(interval)!;
  return (sign ? -1 : 1) * Number(n) * { s: 1, m: 60, h: 3600, d: 86400 }[unit as 's']!;
};

let logs: VictoriaLogs;
let traces: Jaeger;
let collector: Collector;
const loki = new Loki();
const traceId = randomBytes(16).toString('hex');
const spanId = randomBytes(8).toString('hex');
const service = `links-${randomBytes(4).toString('hex')}`;
let record: LogRow;
let span: JaegerSpan;

beforeAll(async () => {
  if (esUrl) await new Elasticsearch().loadTemplates();
  [logs, traces] = await Promise.all([new VictoriaLogs().start(), new Jaeger().start()]);
  collector = await new Collector({ logs, traces, lokiUrl, esUrl }).start();
  const resource = { attributes: [{ key: 'service.name', value: { stringValue: service } }] };
  const now = BigInt(Date.now()) * 1_000_000n;
  const post = async (signal: string, body: unknown) => {
    const response = await fetch(`${collector.url}/v1/${signal}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status, `${signal}: ${await response.text()}`).toBe(200);
  };
  await post('traces', {
    resourceSpans: [
      {
        resource,
        scopeSpans: [
          {
            scope: { name: 'orders.api' },
            spans: [
              {
                traceId,
                spanId,
                name: 'GET /orders/:id',
                kind: 2,
                startTimeUnixNano: String(now),
                endTimeUnixNano: String(now + 5_000_000n),
              },
            ],
          },
        ],
      },
    ],
  });
  await post('logs', {
    resourceLogs: [
      {
        resource,
        scopeLogs: [
          {
            scope: { name: 'orders.api' },
            logRecords: [
              {
                timeUnixNano: String(now + 1_000_000n),
                severityNumber: 9,
                severityText: 'INFO',
                traceId,
                spanId,
                body: { stringValue: 'order accepted' },
              },
            ],
          },
        ],
      },
    ],
  });
  record = (
    await waitFor(
      async () => {
        const found = await logs.trace(traceId);
        return found.length > 0 ? found : undefined;
      },
      60_000,
      `the record of ${service} in VictoriaLogs`,
    )
  )[0]!;
  span = (
    await waitFor(
      async () => {
        const found = await traces.trace(traceId);
        return found.length > 0 ? found : undefined;
      },
      60_000,
      `the span of ${service} in Jaeger`,
    )
  )[0]!;
});

afterAll(async () => {
  await collector?.stop();
  await Promise.all([logs?.stop(), traces?.stop()]);
  removeWorkDirs();
});

/**
 * Follows one link of a record whose trace id is `value`: an internal link runs its query on its
 * data source (a Jaeger entry: the trace by id, as Grafana's Jaeger data source asks for it), an
 * external one must open the store's correlation explorer on that trace id.
 */
async function follow(link: Link, value: string, store: Store): Promise<void> {
  if (link.datasourceUid) {
    const ds = byUid(link.datasourceUid);
    expect(ds.type).toBe('jaeger');
    expect(ds.uid).toBe(STORES[store].jaeger.uid);
    const spans = await traces.trace(link.url!.replaceAll('${__value.raw}', value));
    expect(spans.map((s) => s.spanId)).toEqual([spanId]);
  } else {
    expect(target(linkFor(link.url!, value))).toEqual({
      dashboard: dashboardUid('correlation-explorer', store),
      vars: { trace_id: traceId },
    });
  }
}

describe('VictoriaLogs ↔ Jaeger', () => {
  const vl = byUid(STORES.victorialogs.logs.uid);
  const jaeger = byUid(STORES.victorialogs.jaeger.uid);

  it('a record’s trace id links to its trace in Jaeger and to the correlation explorer', async () => {
    const fields = vl.jsonData?.derivedFields ?? [];
    expect(fields.filter((f) => f.datasourceUid)).toHaveLength(1);
    expect(fields.filter((f) => !f.datasourceUid)).toHaveLength(1);
    for (const field of fields) {
      // A label matcher takes the record's field of that name.
      expect(field.matcherType).toBe('label');
      const value = record[field.matcherRegex];
      expect(value, field.matcherRegex).toBe(traceId);
      await follow(field, value!, 'victorialogs');
    }
  });

  it('a span’s “logs for this span” returns its trace’s records from VictoriaLogs', async () => {
    const toLogs = jaeger.jsonData!.tracesToLogsV2!;
    expect(toLogs.datasourceUid).toBe(vl.uid);
    expect(toLogs.customQuery).toBe(true);
    // The query runs over the span's time, shifted as configured.
    const from = Math.floor(span.startUs / 1e6) + seconds(toLogs.spanStartTimeShift);
    const to = Math.ceil((span.startUs + span.durationUs) / 1e6) + seconds(toLogs.spanEndTimeShift);
    const found = await logs.query(`_time:[${from}, ${to}] ${spanQuery(toLogs.query, span)}`);
    expect(found.map((r) => [r[VL_FIELD.traceId], r[VL_FIELD.body]])).toEqual([
      [traceId, 'order accepted'],
    ]);
  });
});

describe('Loki ↔ Jaeger', () => {
  const ds = byUid(STORES.loki.logs.uid);

  it('a record’s trace_id links to its trace in Jaeger and to the Loki correlation explorer', async () => {
    const fields = ds.jsonData?.derivedFields ?? [];
    expect(fields.length).toBe(2);
    for (const field of fields) {
      // A label matcher names structured metadata Loki stores for OTLP records: the record's own
      // trace id, as VictoriaLogs stores it too.
      expect(field.matcherType).toBe('label');
      expect(LOKI_OTLP_FIELDS).toContain(field.matcherRegex);
      await follow(field, record[VL_FIELD.traceId]!, 'loki');
    }
  });

  it.skipIf(!lokiUrl)(
    lokiTitle('a span’s “logs for this span” returns the record from your Loki'),
    async () => {
      const toLogs = byUid(STORES.loki.jaeger.uid).jsonData!.tracesToLogsV2!;
      expect(toLogs.datasourceUid).toBe(ds.uid);
      const lines = await waitFor(
        async () => {
          const found = await loki.logs(spanQuery(toLogs.query, span));
          return found.length > 0 ? found : undefined;
        },
        60_000,
        'the record in Loki',
      );
      expect(lines.map((l) => [l.labels.trace_id, l.line])).toEqual([[traceId, 'order accepted']]);
    },
  );
});

describe('Elasticsearch ↔ Jaeger', () => {
  const elastic = dataSources.filter((d) => d.type === STORES.elasticsearch.logs.type);

  it('both Elasticsearch data sources link a document’s trace id to Jaeger and the correlation explorer', async () => {
    expect(elastic.length).toBe(2);
    for (const ds of elastic) {
      const links = ds.jsonData?.dataLinks ?? [];
      expect(links.map((l) => l.field)).toEqual([ES_FIELD.traceId, ES_FIELD.traceId]);
      for (const link of links) await follow(link, traceId, 'elasticsearch');
    }
  });

  it.skipIf(!esUrl)(
    esTitle(
      'the field the links read holds the trace id in your Elasticsearch, and a span opens the record',
    ),
    async () => {
      const es = new Elasticsearch();
      for (const index of ['tracelog-logs', 'tracelog-traces']) {
        const docs = await waitFor(
          async () => {
            const found = await es.search(index, { term: { [ES_FIELD.traceId]: traceId } });
            return found.length > 0 ? found : undefined;
          },
          60_000,
          `${index} documents of ${service}`,
        );
        for (const doc of docs) expect(doc[ES_FIELD.traceId]).toBe(traceId);
      }
      const toLogs = byUid(STORES.elasticsearch.jaeger.uid).jsonData!.tracesToLogsV2!;
      expect(toLogs.datasourceUid).toBe(STORES.elasticsearch.logs.uid);
      const found = await es.search('tracelog-logs', {
        query_string: { query: spanQuery(toLogs.query, span) },
      });
      expect(found.map((d) => d[ES_FIELD.body])).toEqual(['order accepted']);
    },
  );
});
