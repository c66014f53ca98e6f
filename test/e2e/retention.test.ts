import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, Elasticsearch, removeWorkDirs, waitFor } from '../support/stack.js';

// Retention on the Elasticsearch our stack runs (the integ-test distribution: no ILM, no
// data-stream lifecycle, no _delete_by_query). The real collector writes each record into the
// daily index of its own UTC day; the templates put every daily index in the alias readers query
// (tracelog-logs, tracelog-traces); collector/scripts/retention.sh deletes days older than 30.
const repo = new URL('../../', import.meta.url).pathname;
const retentionScript = `${repo}collector/scripts/retention.sh`;

const DAY_MS = 86_400_000;
const now = Date.now();
const old = now - 35 * DAY_MS;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '.');
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);

const run = `retention-${randomBytes(4).toString('hex')}`;
const service = 'retention-check';
const resource = {
  attributes: [
    { key: 'service.name', value: { stringValue: service } },
    { key: 'run', value: { stringValue: run } },
  ],
};
const byRun = { term: { 'Resource.run': run } };
const byAge = (age: string) => ({
  bool: { filter: [byRun, { term: { 'Attributes.age': age } }] },
});
const attr = (age: string) => [{ key: 'age', value: { stringValue: age } }];

let es: Elasticsearch;
let collector: Collector;

async function post(signal: 'logs' | 'traces', body: unknown): Promise<void> {
  const response = await fetch(`${collector.url}/v1/${signal}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status, `${signal}: ${await response.text()}`).toBe(200);
}

function logRecord(ms: number, age: string, i: number, observedOnly = false) {
  return {
    ...(observedOnly ? {} : { timeUnixNano: ns(ms + i) }),
    observedTimeUnixNano: ns(ms + i),
    severityNumber: 9,
    severityText: 'INFO',
    body: { stringValue: `${age} record ${i}` },
    attributes: attr(age),
  };
}

function span(ms: number, age: string, i: number) {
  return {
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: `${age} span ${i}`,
    kind: 1,
    startTimeUnixNano: ns(ms + i),
    endTimeUnixNano: ns(ms + i + 5),
    attributes: attr(age),
  };
}

const logs = {
  resourceLogs: [
    {
      resource,
      scopeLogs: [
        {
          scope: { name: 'retention' },
          logRecords: [
            ...[0, 1, 2].map((i) => logRecord(old, 'old', i)),
            ...[0, 1, 2].map((i) => logRecord(now, 'today', i)),
            // No record time: the exporter stamps the observed time, and the index follows it.
            logRecord(now, 'today', 3, true),
          ],
        },
      ],
    },
  ],
};
const traces = {
  resourceSpans: [
    {
      resource,
      scopeSpans: [
        {
          scope: { name: 'retention' },
          spans: [0, 1]
            .map((i) => span(old, 'old', i))
            .concat([0, 1].map((i) => span(now, 'today', i))),
        },
      ],
    },
  ],
};

async function indices(pattern: string): Promise<string[]> {
  const response = await fetch(`${es.url}/_cat/indices/${pattern}?h=index&format=json`);
  if (response.status === 404) return [];
  return ((await response.json()) as Array<{ index: string }>).map((i) => i.index).sort();
}

function retention(env: Record<string, string> = {}): string {
  return execFileSync('bash', [retentionScript, '--once'], {
    encoding: 'utf8',
    env: {
      ...process.env,
      TRACELOG_ES_URL: es.url,
      TRACELOG_ES_LOGS_INDEX: 'tracelog-logs',
      TRACELOG_ES_TRACES_INDEX: 'tracelog-traces',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

beforeAll(async () => {
  es = await new Elasticsearch().start();
  collector = await new Collector({ elasticsearch: es }).start();
  // Sent twice: the content-derived ids hold within a daily index, so the copy is refused.
  await post('logs', logs);
  await post('traces', traces);
  await post('logs', logs);
  await post('traces', traces);
  await waitFor(
    async () =>
      (await es.count('tracelog-logs', byRun)) >= 7 &&
      (await es.count('tracelog-traces', byRun)) >= 4,
    60_000,
    'the records in Elasticsearch',
  );
  // Both copies have been exported once these are flushed (flush_timeout 1 s).
  await new Promise((resolve) => setTimeout(resolve, 3000));
});

afterAll(async () => {
  await collector?.stop();
  await es?.stop();
  removeWorkDirs();
});

describe('retention: 30 days', () => {
  it('the collector writes each record into the daily index of its own day, each once', async () => {
    expect(await indices('tracelog-logs-*')).toEqual([
      `tracelog-logs-${day(old)}`,
      `tracelog-logs-${day(now)}`,
    ]);
    expect(await indices('tracelog-traces-*')).toEqual([
      `tracelog-traces-${day(old)}`,
      `tracelog-traces-${day(now)}`,
    ]);
    expect(await es.count(`tracelog-logs-${day(old)}`, byRun)).toBe(3);
    expect(await es.count(`tracelog-logs-${day(now)}`, byRun)).toBe(4);
    expect(await es.count(`tracelog-traces-${day(old)}`, byRun)).toBe(2);
    expect(await es.count(`tracelog-traces-${day(now)}`, byRun)).toBe(2);
  });

  it('readers keep using tracelog-logs and tracelog-traces: an alias over every daily index', async () => {
    const aliases = (await (
      await fetch(`${es.url}/_alias/tracelog-logs,tracelog-traces`)
    ).json()) as Record<string, { aliases: Record<string, unknown> }>;
    expect(Object.keys(aliases).sort()).toEqual(
      [...(await indices('tracelog-logs-*')), ...(await indices('tracelog-traces-*'))].sort(),
    );
    expect(await es.count('tracelog-logs', byRun)).toBe(7);
    expect(await es.count('tracelog-traces', byRun)).toBe(4);
    // Sorted across days through the alias, as the tests and dashboards read it.
    const hits = await es.search('tracelog-logs', byRun);
    expect(hits.map((h) => h['Attributes.age'])).toEqual([
      'old',
      'old',
      'old',
      'today',
      'today',
      'today',
      'today',
    ]);
  });

  it('the retention run deletes the days older than 30 and keeps the rest', async () => {
    // Empty daily indices at the boundary, and one the script must never touch.
    for (const index of [
      `tracelog-logs-${day(now - 30 * DAY_MS)}`,
      `tracelog-logs-${day(now - 31 * DAY_MS)}`,
      'tracelog-logs-archive',
    ]) {
      const response = await fetch(`${es.url}/${index}`, { method: 'PUT' });
      expect(response.status, await response.text()).toBe(200);
    }
    const deleted = retention().trim().split('\n').sort();
    expect(deleted).toEqual(
      [
        `tracelog-logs-${day(now - 31 * DAY_MS)}`,
        `tracelog-logs-${day(old)}`,
        `tracelog-traces-${day(old)}`,
      ].sort(),
    );
    expect(await es.count('tracelog-logs', byAge('old'))).toBe(0);
    expect(await es.count('tracelog-traces', byAge('old'))).toBe(0);
    expect(await es.count('tracelog-logs', byAge('today'))).toBe(4);
    expect(await es.count('tracelog-traces', byAge('today'))).toBe(2);
    expect(await indices('tracelog-logs-*')).toEqual(
      [
        `tracelog-logs-${day(now - 30 * DAY_MS)}`,
        `tracelog-logs-${day(now)}`,
        'tracelog-logs-archive',
      ].sort(),
    );
    // Run again: nothing left to delete.
    expect(retention().trim()).toBe('');
  });

  it('new records still arrive after old days are deleted', async () => {
    await post('logs', {
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            { scope: { name: 'retention' }, logRecords: [logRecord(Date.now(), 'later', 0)] },
          ],
        },
      ],
    });
    await waitFor(
      async () => (await es.count('tracelog-logs', byAge('later'))) === 1,
      60_000,
      'the later record',
    );
  });

  it('the ILM component for full clusters is refused here, so the loadable templates only name it', async () => {
    const response = await fetch(`${es.url}/_component_template/tracelog-lifecycle`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: readFileSync(`${repo}collector/elasticsearch/tracelog-lifecycle.component.json`),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/unknown setting \[index\.lifecycle\./);
  });
});
