import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Collector, Elasticsearch, removeWorkDirs, waitFor } from '../support/stack.js';
import { LOKI_OTLP_FIELDS } from '../support/logql.js';

// The links Grafana's data sources draw from a stored record to the correlation explorer
// (dashboards/provisioning/datasources/*.yaml: Loki `derivedFields`, Elasticsearch `dataLinks`),
// applied as Grafana applies them to records stored by our collector build in Elasticsearch: the
// provisioning file's `$$` becomes `$`, the field (or label, or regular expression match) gives
// the value, `${__value.raw}` in the URL is replaced by it. The URL must open the correlation
// explorer dashboard with its trace_id variable set to the record's trace id.
const repo = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, repo), 'utf8');

interface DataLink {
  field: string;
  url: string;
}
interface DerivedField {
  name: string;
  matcherType?: 'label' | 'regex';
  matcherRegex: string;
  url: string;
}
interface DataSource {
  uid: string;
  type: string;
  jsonData?: { index?: string; dataLinks?: DataLink[]; derivedFields?: DerivedField[] };
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

const correlation = JSON.parse(read('dashboards/json/correlation-explorer.json')) as {
  uid: string;
  templating: { list: Array<{ name: string }> };
};

/** A data link's URL with the value substituted, as Grafana's template service does. */
const linkFor = (url: string, value: string) =>
  url.replace(/\$\{__value\.(raw|text)\}/g, () => encodeURIComponent(value));

/** Where a link leads: the dashboard uid and the variables it sets. */
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

/** Field lookup in an Elasticsearch document: flattened keys as our index templates store them. */
const fieldOf = (doc: Record<string, unknown>, field: string): string | undefined => {
  const value =
    doc[field] ??
    field
      .split('.')
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
  return value === undefined || value === null ? undefined : String(value);
};

/**
 * What Loki holds for the same OTLP record: its structured metadata `trace_id` and `span_id` are
 * the record's ids, as the collector sent them to both back ends (see test/support/logql.ts), and
 * the line is the body.
 */
const lokiViewOf = (doc: Record<string, unknown>) => ({
  line: String(doc.Body ?? ''),
  labels: { trace_id: fieldOf(doc, 'TraceId'), span_id: fieldOf(doc, 'SpanId') } as Record<
    string,
    string | undefined
  >,
});

let es: Elasticsearch;
let collector: Collector;
const traceId = randomBytes(16).toString('hex');
const spanId = randomBytes(8).toString('hex');
const service = `links-${randomBytes(4).toString('hex')}`;
const docs: Record<string, Array<Record<string, unknown>>> = {};

beforeAll(async () => {
  es = await new Elasticsearch().start();
  collector = await new Collector({ elasticsearch: es }).start();
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
  for (const index of ['tracelog-logs', 'tracelog-traces']) {
    docs[index] = await waitFor(
      async () => {
        const found = await es.search(index, { term: { 'Resource.service.name': service } });
        return found.length > 0 ? found : undefined;
      },
      60_000,
      `${index} records of ${service}`,
    );
  }
});

afterAll(async () => {
  await collector?.stop();
  await es?.stop();
  removeWorkDirs();
});

describe('Grafana data-source links', () => {
  it('the correlation explorer has the trace_id variable the links set', () => {
    expect(correlation.templating.list.map((v) => v.name)).toContain('trace_id');
  });

  const elastic = dataSources.filter((d) => d.type === 'elasticsearch');
  it('every Elasticsearch data source has a link', () => {
    expect(elastic.length).toBeGreaterThanOrEqual(2);
    for (const ds of elastic) expect(ds.jsonData?.dataLinks?.length, ds.uid).toBeGreaterThan(0);
  });

  for (const ds of elastic) {
    it(`${ds.uid}: each data link on a stored record leads to that record's trace`, () => {
      const stored = docs[ds.jsonData!.index!];
      expect(stored, `records in ${ds.jsonData!.index}`).toBeDefined();
      for (const link of ds.jsonData!.dataLinks!) {
        for (const doc of stored!) {
          const value = fieldOf(doc, link.field);
          expect(value, `${ds.uid}: field ${link.field}`).toBe(traceId);
          expect(target(linkFor(link.url, value!))).toEqual({
            dashboard: correlation.uid,
            vars: { trace_id: traceId },
          });
        }
      }
    });
  }

  const loki = dataSources.filter((d) => d.type === 'loki');
  for (const ds of loki) {
    it(`${ds.uid}: each derived field on the same record leads to its trace`, () => {
      const fields = ds.jsonData?.derivedFields ?? [];
      expect(fields.length).toBeGreaterThan(0);
      for (const field of fields) {
        for (const doc of docs['tracelog-logs']!) {
          const view = lokiViewOf(doc);
          let value: string | undefined;
          if (field.matcherType === 'label') {
            // A label matcher names structured metadata Loki really stores for OTLP records.
            expect(LOKI_OTLP_FIELDS).toContain(field.matcherRegex);
            value = view.labels[field.matcherRegex];
          } else {
            value = new RegExp(field.matcherRegex).exec(view.line)?.[1];
          }
          expect(value, `${ds.uid}: ${field.name}`).toBe(traceId);
          expect(target(linkFor(field.url, value!))).toEqual({
            dashboard: correlation.uid,
            vars: { trace_id: traceId },
          });
        }
      }
    });
  }
});
