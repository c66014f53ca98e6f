import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ATTR, EVENT, RESOURCE } from '@tracelog/core';
import { Elasticsearch } from '../support/elasticsearch.ts';
import { describeVlPanels, recordsSent } from '../support/panel-oracle.ts';
import {
  TRACE_PANELS,
  expectPanelData,
  panelsOf,
  runPanel,
  variableQueries,
  variableValues,
} from '../support/panels.ts';
import type { Picks } from '../support/logsql.ts';
import { seedTraffic } from '../support/seed-traffic.ts';
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
  runTag,
  waitFor,
} from '../support/stack.ts';
import type { LogRow } from '../support/stack.ts';

// Seeds realistic traffic, shaped as our SDKs send it, through the real collector into
// VictoriaLogs and Jaeger (twice, in two environments), then runs every VictoriaLogs panel's LogsQL the way Grafana's data
// source sends it, with the variables as a user starts (All) and as one picks them, and compares
// each panel's numbers with what the seeded records must give (test/support/panel-oracle.ts),
// computed both from the records VictoriaLogs holds and from the requests the test posted;
// the trace panel must show the seeded trace, every span of it. The Elasticsearch and Loki
// dashboards run against the servers you name in TRACELOG_ES_URL / TRACELOG_LOKI_URL (their
// shape checked, and with a Loki, its ruler's rules); without them those cases are skipped and
// say why.
const loki = new Loki();
/**
 * The seed's deployment environment, this run's own: an Elasticsearch or Loki you run keeps
 * earlier runs' records, so their panels are run with this environment selected.
 */
const environment = runTag('test');
/** A second seed, in another environment: picking one environment must leave it out. */
const otherEnvironment = runTag('staging');
let logs: VictoriaLogs;
let traces: Jaeger;
let collector: Collector;
let correlationId = '';
/** Every record of the run, as VictoriaLogs returns them. */
let records: LogRow[] = [];
/** Every record the test sent, from the requests it posted. */
let sent: LogRow[] = [];
/** The seeded spans of the correlation id: span id → service. */
const seededTrace = new Map<string, string>();
let seededRecords = 0;
/** The records seeded into `environment`. */
let seededHere = 0;
const rulesFile = new URL('../../dashboards/loki-rules/fake/tracelog.yaml', import.meta.url);

type Attribute = { key: string; value: { stringValue?: string } };
type ResourceEntry = {
  resource: { attributes: Attribute[] };
  scopeLogs?: Array<{ logRecords: unknown[] }>;
  scopeSpans?: Array<{ spans: Array<{ traceId: string; spanId: string }> }>;
};
type OtlpRequest = { resourceLogs?: ResourceEntry[]; resourceSpans?: ResourceEntry[] };

const attribute = (entry: ResourceEntry, key: string) =>
  entry.resource.attributes.find((a) => a.key === key)?.value.stringValue;

/** An OTLP request with every resource's `deployment.environment.name` set to `env`. */
function inEnvironment(body: OtlpRequest, env: string): OtlpRequest {
  const request = structuredClone(body);
  for (const entry of [...(request.resourceLogs ?? []), ...(request.resourceSpans ?? [])])
    for (const a of entry.resource.attributes)
      if (a.key === RESOURCE.DEPLOYMENT_ENVIRONMENT) a.value = { stringValue: env };
  return request;
}

/**
 * The records @tracelog/browser logs for API calls that failed (its `logRequests: 'errors'`
 * default: an `http.request` record per call answered ≥ 400), for the seed's browser app, whose
 * fetch spans the seed has but not these records.
 */
function failedCalls(seed: OtlpRequest[]): OtlpRequest {
  const browser = seed
    .flatMap((r) => r.resourceLogs ?? [])
    .find((entry) => attribute(entry, ATTR.SOURCE) === 'frontend')!;
  const now = BigInt(Date.now() - 60_000) * 1_000_000n;
  const calls: Array<[string, number]> = [
    ['https://trading.example.com/api/orders', 502],
    ['https://trading.example.com/api/orders', 503],
    ['https://trading.example.com/api/quotes', 404],
  ];
  return {
    resourceLogs: [
      {
        resource: browser.resource,
        scopeLogs: [
          {
            scope: { name: 'tracelog.http' },
            logRecords: calls.map(([url, status], i) => ({
              timeUnixNano: String(now + BigInt(i) * 1_000_000n),
              severityNumber: 13,
              severityText: 'WARN',
              eventName: EVENT.HTTP_REQUEST,
              body: { stringValue: `POST ${url} ${status} in 41.5 ms` },
              attributes: [
                { key: ATTR.HTTP_REQUEST_METHOD, value: { stringValue: 'POST' } },
                { key: ATTR.URL_FULL, value: { stringValue: url } },
                { key: ATTR.HTTP_RESPONSE_STATUS_CODE, value: { intValue: String(status) } },
                { key: ATTR.HTTP_DURATION_MS, value: { doubleValue: 41.5 } },
                { key: ATTR.ERROR_TYPE, value: { stringValue: String(status) } },
              ],
            })),
          } as unknown as { logRecords: unknown[] },
        ],
      },
    ],
  };
}

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  if (lokiUrl) await loki.ready();
  if (esUrl) await new Elasticsearch().loadTemplates();
  [logs, traces] = await Promise.all([new VictoriaLogs().start(), new Jaeger().start()]);
  collector = await new Collector({ logs, traces, lokiUrl, esUrl }).start();
  const traffic = seedTraffic();
  correlationId = traffic.correlationId;
  const seed = (env: string, requests = seedTraffic().requests) =>
    requests.map((r) => ({ path: r.path, body: inEnvironment(r.body as OtlpRequest, env) }));
  const here = seed(environment, traffic.requests);
  here.push({ path: '/v1/logs', body: failedCalls(here.map((r) => r.body)) });
  const requests = [...here, ...seed(otherEnvironment)];
  for (const { path, body } of requests) await post(path, body);
  sent = recordsSent(requests.map((r) => r.body));
  for (const { body } of requests) {
    for (const entry of body.resourceLogs ?? [])
      for (const scope of entry.scopeLogs ?? []) {
        seededRecords += scope.logRecords.length;
        if (attribute(entry, RESOURCE.DEPLOYMENT_ENVIRONMENT) === environment)
          seededHere += scope.logRecords.length;
      }
    for (const entry of body.resourceSpans ?? [])
      for (const scope of entry.scopeSpans ?? [])
        for (const span of scope.spans)
          if (span.traceId === correlationId)
            seededTrace.set(span.spanId, attribute(entry, RESOURCE.SERVICE_NAME)!);
  }
  records = await waitFor(
    async () => {
      const stored = await logs.query('*');
      return stored.length >= seededRecords ? stored : undefined;
    },
    60_000,
    'the seeded records in VictoriaLogs',
  );
  await waitFor(
    async () => (await traces.trace(correlationId)).length >= seededTrace.size,
    60_000,
    'the seeded trace in Jaeger',
  );
});

afterAll(async () => {
  await collector?.stop();
  await Promise.all([logs?.stop(), traces?.stop()]);
  removeWorkDirs();
});

describe('the seed', () => {
  it('is stored whole, once', () => {
    expect(records).toHaveLength(seededRecords);
    expect(sent).toHaveLength(seededRecords);
  });
});

describeVlPanels('the seeded records', () => ({
  url: logs.url,
  records,
  traceId: correlationId,
  sent,
}));

describe('the correlation explorer’s trace (Jaeger)', () => {
  it.each(TRACE_PANELS.map((p) => [`${p.store}: ${p.name}`, p] as const))(
    '%s: the seeded trace, every span of it',
    async (_name, panel) => {
      // The trace id query of Grafana's Jaeger data source: GET /api/traces/<id>.
      const query = (panel.target as { query: string }).query.replace('$trace_id', correlationId);
      const spans = await traces.trace(query);
      expect(new Map(spans.map((s) => [s.spanId, s.service]))).toEqual(seededTrace);
      expect(spans.every((s) => s.traceId === correlationId)).toBe(true);
    },
  );
});

/** A panel of a server you run, with this run's environment selected. */
const inRun: Picks = { environment };

describe.skipIf(!esUrl)(
  esTitle('every Elasticsearch panel query returns this run’s data, of its shape'),
  () => {
    const es = new Elasticsearch();
    beforeAll(async () => {
      await waitFor(
        async () =>
          (
            await es.search('tracelog-logs', {
              term: { [`Resource.${RESOURCE.DEPLOYMENT_ENVIRONMENT}`]: environment },
            })
          ).length >= seededHere,
        60_000,
        'seeded logs in Elasticsearch',
      );
    });

    it.each(panelsOf('elasticsearch').map((p) => [p.name, p] as const))(
      '%s',
      async (_name, panel) => {
        expectPanelData(await runPanel(panel, { esUrl }, { ...inRun, trace_id: correlationId }));
      },
    );

    it.each(variableQueries('elasticsearch').map((v) => [v.name, v] as const))(
      'variable $%s offers values',
      async (_name, variable) => {
        const values = await variableValues(variable, { esUrl });
        expect(values.length).toBeGreaterThan(0);
        if (variable.name === 'environment') expect(values).toContain(environment);
      },
    );
  },
);

describe.skipIf(!lokiUrl)(
  lokiTitle('every Loki panel query parses and returns this run’s log lines'),
  () => {
    beforeAll(async () => {
      await waitFor(
        async () =>
          (await loki.scalar(
            `sum(count_over_time({deployment_environment_name="${environment}"} [2h]))`,
          )) >= seededHere,
        60_000,
        'seeded logs in Loki',
      );
    });

    it.each(panelsOf('loki').map((p) => [p.name, p] as const))('%s', async (_name, panel) => {
      const data = await runPanel(panel, { loki }, { ...inRun, trace_id: correlationId });
      expectPanelData(data);
      if (data.source !== 'loki') throw new Error(`unexpected ${data.source}`);
      if (data.query.includes(correlationId)) {
        expect(data.lines.every((l) => l.labels.trace_id === correlationId)).toBe(true);
        // Browser, API and worker: one correlation id across all three.
        expect(new Set(data.lines.map((l) => l.labels.service_name)).size).toBe(3);
      } else {
        expect(data.query).toContain(environment);
        expect(data.lines.every((l) => l.labels.deployment_environment_name === environment)).toBe(
          true,
        );
      }
    });

    it.each(variableQueries('loki').map((v) => [v.name, v] as const))(
      'variable $%s offers values',
      async (_name, variable) => {
        expect((await variableValues(variable, { loki })).length).toBeGreaterThan(0);
      },
    );
  },
);

interface RuleGroup {
  name: string;
  interval?: string;
  rules: Array<{
    alert: string;
    expr: string;
    for?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  }>;
}

describe.skipIf(!lokiUrl)(lokiTitle('the Loki ruler of the Loki you run'), () => {
  // Rules can only fire on that Loki's schedule (1 min evaluations, `for` of minutes), so what is
  // proven here is that the committed rules are the ones it runs, and that each evaluates cleanly.
  const committed = (parse(readFileSync(rulesFile, 'utf8')) as { groups: RuleGroup[] }).groups;

  it('has loaded the committed rules, unchanged (GET /loki/api/v1/rules)', async () => {
    const response = await fetch(`${loki.url}/loki/api/v1/rules`);
    const text = await response.text();
    expect(response.status, text).toBe(200);
    const namespaces = parse(text) as Record<string, RuleGroup[]>;
    const loaded = Object.values(namespaces).flat();
    for (const group of committed) {
      const found = loaded.find((g) => g.name === group.name);
      expect(found, `rule group ${group.name}`).toBeDefined();
      expect(found!.interval).toBe(group.interval);
      expect(found!.rules).toEqual(group.rules);
    }
  });

  it('evaluates every committed rule without error (GET /prometheus/api/v1/rules)', async () => {
    const names = new Set(committed.map((g) => g.name));
    const rules = await waitFor(
      async () => {
        const response = await fetch(`${loki.url}/prometheus/api/v1/rules`);
        const body = (await response.json()) as {
          data: {
            groups: Array<{
              name: string;
              rules: Array<{ name: string; health: string; lastError?: string }>;
            }>;
          };
        };
        const found = body.data.groups.filter((g) => names.has(g.name)).flatMap((g) => g.rules);
        return found.length > 0 && found.every((r) => r.health !== 'unknown') ? found : undefined;
      },
      150_000,
      'an evaluation of every rule (they run once a minute)',
    );
    const expected = committed.flatMap((g) => g.rules);
    // (Loki reports each query re-rendered from its syntax tree: the text is compared above.)
    expect(rules.map((r) => r.name)).toEqual(expected.map((r) => r.alert));
    for (const rule of rules) expect(rule.lastError ?? '', rule.name).toBe('');
    expect(rules.map((r) => [r.name, r.health])).toEqual(expected.map((r) => [r.alert, 'ok']));
  });
});
