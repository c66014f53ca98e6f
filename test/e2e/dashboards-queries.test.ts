import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { isEs } from '../../dashboards/src/model.ts';
import {
  PANELS,
  VARIABLE_QUERIES,
  expectPanelData,
  runPanel,
  variableValues,
} from '../support/panels.ts';
import { seedTraffic } from '../support/seed-traffic.ts';
import {
  Collector,
  Elasticsearch,
  Loki,
  removeWorkDirs,
  waitFor,
  workDir,
} from '../support/stack.ts';

// Seeds realistic traffic through the real collector into Elasticsearch and Loki, then runs every
// panel's query the way Grafana builds it, and checks it returns data; then lets the Loki ruler
// evaluate the alert rules on normal traffic and on an error surge.
let es: Elasticsearch;
let loki: Loki;
let collector: Collector;
let correlationId = '';
const backends = () => ({ esUrl: es.url, loki, traceId: correlationId });

/**
 * The committed Loki rules with a faster cadence for the test: evaluated every 5 s, firing after
 * 10 s instead of minutes. Every expression is the committed one, unchanged.
 */
function fastRules(): string {
  const dir = workDir('rules');
  const rules = parse(
    readFileSync(
      new URL('../../dashboards/loki-rules/fake/tracelog.yaml', import.meta.url),
      'utf8',
    ),
  ) as { groups: Array<{ interval: string; rules: Array<{ for: string }> }> };
  for (const group of rules.groups) {
    group.interval = '5s';
    for (const rule of group.rules) rule.for = '10s';
  }
  mkdirSync(join(dir, 'fake'));
  writeFileSync(join(dir, 'fake', 'tracelog.yaml'), stringify(rules));
  return dir;
}

async function post(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${collector.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

const lokiTotal = async (selector: string) => {
  const { result } = await loki.request('query', `sum(count_over_time(${selector} [2h]))`);
  return Number((result[0] as { value?: [number, string] } | undefined)?.value?.[1] ?? 0);
};

beforeAll(async () => {
  [es, loki] = await Promise.all([
    new Elasticsearch().start(),
    new Loki({ rulesDir: fastRules() }).start(),
  ]);
  collector = await new Collector({ elasticsearch: es, lokiUrl: loki.url }).start();
  const traffic = seedTraffic();
  correlationId = traffic.correlationId;
  for (const { path, body } of traffic.requests) await post(path, body);
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
  await waitFor(
    async () => (await lokiTotal('{service_name=~".+"}')) >= count('logRecords'),
    60_000,
    'seeded logs in Loki',
  );
});

afterAll(async () => {
  await collector?.stop();
  await Promise.all([loki?.stop(), es?.stop()]);
  removeWorkDirs();
});

describe('every Elasticsearch panel query returns data of the expected shape', () => {
  it.each(PANELS.filter((p) => isEs(p.target)))('$name', async (panel) => {
    expectPanelData(await runPanel(panel, backends()));
  });
});

describe('every Loki panel query parses and returns log lines', () => {
  it.each(PANELS.filter((p) => !isEs(p.target)))('$name', async (panel) => {
    const data = await runPanel(panel, backends());
    expectPanelData(data);
    if (data.source === 'loki' && data.query.includes(correlationId)) {
      expect(data.lines.every((l) => l.labels.trace_id === correlationId)).toBe(true);
      // Browser, API and worker: one correlation id across all three.
      expect(new Set(data.lines.map((l) => l.labels.service_name)).size).toBe(3);
    }
  });
});

describe('every dashboard variable query returns values', () => {
  it.each(VARIABLE_QUERIES)('$0', async (_name, query) => {
    expect((await variableValues(es.url, query)).length).toBeGreaterThan(0);
  });
});

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

interface RuleRecord {
  severity: 'INFO' | 'ERROR';
  event?: string;
  status?: number;
  ms?: number;
}

/** Records shaped as @tracelog/node sends them, for the ruler checks. */
function records(service: string, list: RuleRecord[]) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceLogs: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'deployment.environment.name', value: { stringValue: 'test' } },
          ],
        },
        scopeLogs: [
          {
            scope: { name: 'orders.api' },
            logRecords: list.map((r, i) => ({
              timeUnixNano: String(now + BigInt(i) * 1000n),
              severityText: r.severity,
              severityNumber: r.severity === 'ERROR' ? 17 : 9,
              ...(r.event && { eventName: r.event }),
              body: { stringValue: r.event ?? 'order handled' },
              attributes: [
                ...(r.status
                  ? [{ key: 'http.response.status_code', value: { intValue: String(r.status) } }]
                  : []),
                ...(r.ms ? [{ key: 'http.duration_ms', value: { doubleValue: r.ms } }] : []),
              ],
            })),
          },
        ],
      },
    ],
  };
}

describe('the Loki ruler', () => {
  const alerts = async (): Promise<Alert[]> => {
    const response = await fetch(`${loki.url}/prometheus/api/v1/alerts`);
    return ((await response.json()) as { data: { alerts: Alert[] } }).data.alerts;
  };

  it('loads every rule and evaluates each without error', async () => {
    const groups = await waitFor(
      async () => {
        const response = await fetch(`${loki.url}/prometheus/api/v1/rules`);
        const body = (await response.json()) as {
          data: {
            groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }>;
          };
        };
        const rules = body.data.groups.flatMap((g) => g.rules);
        return rules.length > 0 && rules.every((r) => r.health !== 'unknown') ? rules : undefined;
      },
      60_000,
      'a first evaluation of every rule',
    );
    const committed = parse(
      readFileSync(
        new URL('../../dashboards/loki-rules/fake/tracelog.yaml', import.meta.url),
        'utf8',
      ),
    ) as { groups: Array<{ rules: Array<{ alert: string }> }> };
    expect(groups.map((r) => r.name).sort()).toEqual(
      committed.groups.flatMap((g) => g.rules.map((r) => r.alert)).sort(),
    );
    for (const rule of groups) expect(rule.lastError ?? '', rule.name).toBe('');
    expect(groups.every((r) => r.health === 'ok')).toBe(true);
  });

  it('stays quiet on normal traffic and fires on an error surge', async () => {
    // Normal: 100 requests, one 5xx, all fast, two errors logged.
    const calm: RuleRecord[] = Array.from({ length: 100 }, (_, i) => ({
      severity: 'INFO',
      event: 'http.request',
      status: i === 50 ? 503 : 200,
      ms: 12 + (i % 9),
    }));
    calm.push({ severity: 'ERROR' }, { severity: 'ERROR' });
    await post('/v1/logs', records('calm-api', calm));
    // Surge: 40 errors within a few seconds.
    await post(
      '/v1/logs',
      records(
        'surge-api',
        Array.from({ length: 40 }, () => ({ severity: 'ERROR' })),
      ),
    );
    await waitFor(
      async () => (await lokiTotal('{service_name=~"calm-api|surge-api"}')) >= 142,
      60_000,
      'the ruler traffic in Loki',
    );

    const firing = await waitFor(
      async () => {
        const found = (await alerts()).find(
          (a) => a.labels.alertname === 'ErrorRateSurge' && a.labels.service_name === 'surge-api',
        );
        return found?.state === 'firing' ? found : undefined;
      },
      90_000,
      'ErrorRateSurge for surge-api to fire',
    );
    expect(firing.labels).toMatchObject({ severity: 'critical', source: 'tracelog' });
    // By now every rule has been evaluated over the calm traffic many times.
    expect((await alerts()).filter((a) => a.labels.service_name === 'calm-api')).toEqual([]);
  });
});
