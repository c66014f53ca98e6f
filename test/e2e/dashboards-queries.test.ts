import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isEs } from '../../dashboards/src/model.ts';
import {
  PANELS,
  VARIABLE_QUERIES,
  expectPanelData,
  runPanel,
  variableValues,
} from '../support/panels.ts';
import type { PanelCase } from '../support/panels.ts';
import { seedTraffic } from '../support/seed-traffic.ts';
import {
  Collector,
  Elasticsearch,
  Loki,
  lokiTitle,
  lokiUrl,
  removeWorkDirs,
  runTag,
  waitFor,
} from '../support/stack.ts';

// Seeds realistic traffic through the real collector into Elasticsearch, and into the Loki you
// run when TRACELOG_LOKI_URL names one, then runs every panel's query the way Grafana builds it
// and checks it returns data; with a Loki, also checks that its ruler loaded the committed rules
// and evaluates them without error. Without a Loki the Loki cases are skipped and say why.
const loki = new Loki();
/**
 * The seed's deployment environment, this run's own: a Loki you run keeps earlier runs' records,
 * so Loki panels are run with this environment selected (as a user would select one).
 */
const environment = runTag('test');
let es: Elasticsearch;
let collector: Collector;
let correlationId = '';
let seededRecords = 0;
const backends = () => ({ esUrl: es.url, loki, traceId: correlationId });
const rulesFile = new URL('../../dashboards/loki-rules/fake/tracelog.yaml', import.meta.url);

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

/** An OTLP request with every resource's `deployment.environment.name` set to `env`. */
function inEnvironment(body: unknown, env: string): unknown {
  const request = structuredClone(body) as Record<
    string,
    Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> } }>
  >;
  for (const list of Object.values(request))
    for (const { resource } of list)
      for (const attribute of resource.attributes)
        if (attribute.key === 'deployment.environment.name') attribute.value = { stringValue: env };
  return request;
}

/** A panel as a user sees it with this run's environment selected. */
const inRun = (panel: PanelCase): PanelCase => ({
  ...panel,
  variables: panel.variables.map((v) =>
    v.name === 'environment' ? { ...v, current: { value: environment } } : v,
  ),
});

beforeAll(async () => {
  if (lokiUrl) await loki.ready();
  es = await new Elasticsearch().start();
  collector = await new Collector({ elasticsearch: es, lokiUrl }).start();
  const traffic = seedTraffic();
  correlationId = traffic.correlationId;
  for (const { path, body } of traffic.requests) await post(path, inEnvironment(body, environment));
  const count = (key: 'logRecords' | 'spans') =>
    JSON.stringify(traffic.requests).split(
      `"${key === 'logRecords' ? 'severityText' : 'startTimeUnixNano'}"`,
    ).length - 1;
  seededRecords = count('logRecords');
  await waitFor(
    async () => (await es.count('tracelog-logs', { match_all: {} })) >= seededRecords,
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

describe('every Elasticsearch panel query returns data of the expected shape', () => {
  it.each(PANELS.filter((p) => isEs(p.target)))('$name', async (panel) => {
    expectPanelData(await runPanel(panel, backends()));
  });
});

describe.skipIf(!lokiUrl)(
  lokiTitle('every Loki panel query parses and returns this run’s log lines'),
  () => {
    beforeAll(async () => {
      await waitFor(
        async () =>
          (await loki.scalar(
            `sum(count_over_time({deployment_environment_name="${environment}"} [2h]))`,
          )) >= seededRecords,
        60_000,
        'seeded logs in Loki',
      );
    });

    it.each(PANELS.filter((p) => !isEs(p.target)))('$name', async (panel) => {
      const data = await runPanel(inRun(panel), backends());
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
  },
);

describe('every dashboard variable query returns values', () => {
  it.each(VARIABLE_QUERIES)('$0', async (_name, query) => {
    expect((await variableValues(es.url, query)).length).toBeGreaterThan(0);
  });
});

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
