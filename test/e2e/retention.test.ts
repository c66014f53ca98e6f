import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  Collector,
  Jaeger,
  esTitle,
  esUrl,
  quote,
  removeWorkDirs,
  useStack,
  runTag,
  stackBinaries,
  waitFor,
} from '../support/stack.js';

// Records are kept 30 days (TRACELOG_RETENTION_DAYS) in every store:
// - VictoriaLogs, started with -retentionPeriod=30d: proven live through the real collector.
// - Jaeger: Badger's span TTL, 720h in collector/jaeger/config.yaml, which stack.sh sets from the
//   same setting. 720 hours cannot pass in a test; a Jaeger given a TTL of seconds shows the
//   setting reaches Badger.
// - Your Elasticsearch (TRACELOG_ES_URL; skipped without one): the collector writes each record
//   into the daily index of its own UTC day, the templates put every daily index in the alias
//   readers query, and collector/scripts/retention.sh deletes the days older than 30 where there
//   is no ILM. On an Elasticsearch you run, this run's indices have their own prefix (within the
//   templates' patterns), so neither the script nor the clean-up touches anything else.
const repo = new URL('../../', import.meta.url).pathname;

const DAY_MS = 86_400_000;
const now = Date.now();
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const run = `retention-${randomBytes(4).toString('hex')}`;
const service = 'retention-check';
const resource = {
  attributes: [
    { key: 'service.name', value: { stringValue: service } },
    { key: 'run', value: { stringValue: run } },
  ],
};
const attr = (age: string) => [{ key: 'age', value: { stringValue: age } }];

async function post(collector: Collector, signal: 'logs' | 'traces', body: unknown): Promise<void> {
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

const logsOf = (records: unknown[]) => ({
  resourceLogs: [{ resource, scopeLogs: [{ scope: { name: 'retention' }, logRecords: records }] }],
});

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

const tracesOf = (spans: unknown[]) => ({
  resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'retention' }, spans }] }],
});

afterAll(() => removeWorkDirs());

describe('VictoriaLogs: 30 days (-retentionPeriod=30d)', () => {
  const own = useStack({ traces: false });

  /** Records VictoriaLogs refused at ingest as older than its retention period. */
  async function refusedAsTooOld(): Promise<number> {
    const metrics = await (await fetch(`${own.logs.url}/metrics`)).text();
    const line = /^vl_rows_dropped_total\{reason="too_small_timestamp"\} (\d+)$/m.exec(metrics);
    if (!line) throw new Error('VictoriaLogs reports no too_small_timestamp drops');
    return Number(line[1]);
  }

  it('stores records from 29 days ago and refuses those from 31 days ago', async () => {
    const refusedBefore = await refusedAsTooOld();
    await post(
      own.collector,
      'logs',
      logsOf([
        ...[0, 1].map((i) => logRecord(now - 31 * DAY_MS, 'expired', i)),
        ...[0, 1, 2].map((i) => logRecord(now - 29 * DAY_MS, 'kept', i)),
      ]),
    );
    const byAge = (age: string) => `run:=${quote(run)} age:=${quote(age)}`;
    await waitFor(
      async () => (await own.logs.count(byAge('kept'))) === 3,
      60_000,
      'the records from 29 days ago',
    );
    // Both old ones reached VictoriaLogs in the same request, and it refused them.
    await waitFor(
      async () => (await refusedAsTooOld()) - refusedBefore === 2,
      60_000,
      'VictoriaLogs to count the two records from 31 days ago as refused',
    );
    expect(await own.logs.count(byAge('expired'))).toBe(0);
    const kept = await own.logs.query(byAge('kept'));
    expect(kept.map((r) => r._time!.slice(0, 10))).toEqual(
      Array(3).fill(new Date(now - 29 * DAY_MS).toISOString().slice(0, 10)),
    );
  });
});

describe('Jaeger: 30 days (Badger span TTL)', () => {
  it('keeps spans 720h unless told otherwise, and stack.sh derives that from the retention in days, as it does VictoriaLogs’ period', () => {
    const bin = stackBinaries();
    const config = parse(readFileSync(bin.jaegerConfig, 'utf8')) as {
      extensions: { jaeger_storage: { backends: Record<string, { badger?: { ttl: unknown } }> } };
    };
    expect(config.extensions.jaeger_storage.backends.local?.badger?.ttl).toEqual({
      spans: '${env:TRACELOG_JAEGER_SPAN_TTL:-720h}',
    });
    // What stack.sh passes each store, evaluated by bash as stack.sh would.
    const stackSh = readFileSync(join(repo, 'collector/scripts/stack.sh'), 'utf8');
    const words = {
      jaegerTtl: /TRACELOG_JAEGER_SPAN_TTL=("[^"]+")/.exec(stackSh)?.[1],
      victoriaLogsPeriod: /-retentionPeriod=("[^"]+")/.exec(stackSh)?.[1],
    };
    const expand = (days: string | undefined) =>
      Object.fromEntries(
        Object.entries(words).map(([name, word]) => [
          name,
          execFileSync('bash', ['--norc', '-c', `printf %s ${word}`], {
            encoding: 'utf8',
            env: { PATH: process.env.PATH, ...(days && { TRACELOG_RETENTION_DAYS: days }) },
          }),
        ]),
      );
    expect(expand(undefined)).toEqual({ jaegerTtl: '720h', victoriaLogsPeriod: '30d' });
    expect(expand('7')).toEqual({ jaegerTtl: '168h', victoriaLogsPeriod: '7d' });
  });

  it('a Jaeger given a TTL of seconds serves a span, then no longer does', async () => {
    // TRACELOG_JAEGER_SPAN_TTL, as stack.sh sets it from the retention in days.
    const jaeger = await new Jaeger({ TRACELOG_JAEGER_SPAN_TTL: '5s' }).start();
    try {
      const expiring = span(Date.now(), 'today', 0);
      const response = await fetch(`${jaeger.otlpUrl}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(tracesOf([expiring])),
      });
      expect(response.status, await response.text()).toBe(200);
      await waitFor(
        async () => (await jaeger.trace(expiring.traceId)).length === 1,
        30_000,
        'the span in Jaeger',
      );
      const served = Date.now();
      await waitFor(
        async () => (await jaeger.trace(expiring.traceId)).length === 0,
        60_000,
        'the span to expire',
      );
      console.log(
        `span with a 5 s TTL served for ${Date.now() - served} ms after it was first read`,
      );
    } finally {
      await jaeger.stop();
    }
  });
});

describe.skipIf(!esUrl)(
  esTitle('your Elasticsearch: daily indices and retention.sh (30 days)'),
  () => {
    const es = esUrl!;
    const tag = runTag('retention');
    const logsPrefix = `tracelog-logs-${tag}`;
    const tracesPrefix = `tracelog-traces-${tag}`;
    const old = now - 35 * DAY_MS;
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10).replaceAll('-', '.');
    const byRun = { term: { 'Resource.run': run } };
    const byAge = (age: string) => ({
      bool: { filter: [byRun, { term: { 'Attributes.age': age } }] },
    });
    let collector: Collector;

    async function search(index: string, query: unknown): Promise<Array<Record<string, unknown>>> {
      await fetch(`${es}/${index}/_refresh`, { method: 'POST' });
      const response = await fetch(`${es}/${index}/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, size: 1000, sort: [{ '@timestamp': 'asc' }] }),
      });
      if (response.status === 404) return [];
      const body = (await response.json()) as {
        hits?: { hits: Array<{ _source: Record<string, unknown> }> };
      };
      return (body.hits?.hits ?? []).map((hit) => hit._source);
    }

    async function count(index: string, query: unknown): Promise<number> {
      await fetch(`${es}/${index}/_refresh`, { method: 'POST' });
      const response = await fetch(`${es}/${index}/_count`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query }),
      });
      if (response.status === 404) return 0;
      return ((await response.json()) as { count: number }).count;
    }

    async function indices(pattern: string): Promise<string[]> {
      const response = await fetch(`${es}/_cat/indices/${pattern}?h=index&format=json`);
      if (response.status === 404) return [];
      return ((await response.json()) as Array<{ index: string }>).map((i) => i.index).sort();
    }

    function retention(): string {
      return execFileSync('bash', [join(repo, 'collector/scripts/retention.sh'), '--once'], {
        encoding: 'utf8',
        env: {
          ...process.env,
          TRACELOG_ES_URL: es,
          TRACELOG_ES_LOGS_INDEX: logsPrefix,
          TRACELOG_ES_TRACES_INDEX: tracesPrefix,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }

    const logs = logsOf([
      ...[0, 1, 2].map((i) => logRecord(old, 'old', i)),
      ...[0, 1, 2].map((i) => logRecord(now, 'today', i)),
      // No record time: the exporter stamps the observed time, and the index follows it.
      logRecord(now, 'today', 3, true),
    ]);
    const traces = tracesOf(
      [0, 1].map((i) => span(old, 'old', i)).concat([0, 1].map((i) => span(now, 'today', i))),
    );

    beforeAll(async () => {
      // The templates the collector's records need (as the compose file loads them).
      const templates = stackBinaries().esTemplates;
      for (const file of readdirSync(templates).filter((f) => f.endsWith('.template.json'))) {
        const response = await fetch(`${es}/_index_template/${basename(file, '.template.json')}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: readFileSync(join(templates, file)),
        });
        expect(response.status, `template ${file}: ${await response.text()}`).toBe(200);
      }
      collector = await new Collector({
        esUrl: es,
        env: { TRACELOG_ES_LOGS_INDEX: logsPrefix, TRACELOG_ES_TRACES_INDEX: tracesPrefix },
      }).start();
      // Sent twice: the content-derived ids hold within a daily index, so the copy is refused.
      for (let copy = 0; copy < 2; copy++) {
        await post(collector, 'logs', logs);
        await post(collector, 'traces', traces);
      }
      await waitFor(
        async () =>
          (await count(`${logsPrefix}-*`, byRun)) >= 7 &&
          (await count(`${tracesPrefix}-*`, byRun)) >= 4,
        60_000,
        'the records in Elasticsearch',
      );
      // Both copies have been exported once these are flushed (flush_timeout 1 s).
      await new Promise((resolve) => setTimeout(resolve, 3000));
    });

    afterAll(async () => {
      await collector?.stop();
      // This run's indices, by name (wildcard deletes may be refused).
      const mine = [...(await indices(`${logsPrefix}-*`)), ...(await indices(`${tracesPrefix}-*`))];
      if (mine.length) await fetch(`${es}/${mine.join(',')}`, { method: 'DELETE' });
    });

    it('the collector writes each record into the daily index of its own day, each once', async () => {
      expect(await indices(`${logsPrefix}-*`)).toEqual([
        `${logsPrefix}-${day(old)}`,
        `${logsPrefix}-${day(now)}`,
      ]);
      expect(await indices(`${tracesPrefix}-*`)).toEqual([
        `${tracesPrefix}-${day(old)}`,
        `${tracesPrefix}-${day(now)}`,
      ]);
      expect(await count(`${logsPrefix}-${day(old)}`, byRun)).toBe(3);
      expect(await count(`${logsPrefix}-${day(now)}`, byRun)).toBe(4);
      expect(await count(`${tracesPrefix}-${day(old)}`, byRun)).toBe(2);
      expect(await count(`${tracesPrefix}-${day(now)}`, byRun)).toBe(2);
    });

    it('readers keep using tracelog-logs and tracelog-traces: an alias over every daily index', async () => {
      const aliases = (await (
        await fetch(`${es}/${logsPrefix}-*,${tracesPrefix}-*/_alias`)
      ).json()) as Record<string, { aliases: Record<string, unknown> }>;
      for (const [index, { aliases: names }] of Object.entries(aliases))
        expect(Object.keys(names), index).toContain(
          index.startsWith(logsPrefix) ? 'tracelog-logs' : 'tracelog-traces',
        );
      expect(Object.keys(aliases)).toHaveLength(4);
      expect(await count('tracelog-logs', byRun)).toBe(7);
      expect(await count('tracelog-traces', byRun)).toBe(4);
      // Sorted across days through the alias, as the tests and dashboards read it.
      const hits = await search('tracelog-logs', byRun);
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
        `${logsPrefix}-${day(now - 30 * DAY_MS)}`,
        `${logsPrefix}-${day(now - 31 * DAY_MS)}`,
        `${logsPrefix}-archive`,
      ]) {
        const response = await fetch(`${es}/${index}`, { method: 'PUT' });
        expect(response.status, await response.text()).toBe(200);
      }
      const deleted = retention().trim().split('\n').sort();
      expect(deleted).toEqual(
        [
          `${logsPrefix}-${day(now - 31 * DAY_MS)}`,
          `${logsPrefix}-${day(old)}`,
          `${tracesPrefix}-${day(old)}`,
        ].sort(),
      );
      expect(await count('tracelog-logs', byAge('old'))).toBe(0);
      expect(await count('tracelog-traces', byAge('old'))).toBe(0);
      expect(await count('tracelog-logs', byAge('today'))).toBe(4);
      expect(await count('tracelog-traces', byAge('today'))).toBe(2);
      expect(await indices(`${logsPrefix}-*`)).toEqual(
        [
          `${logsPrefix}-${day(now - 30 * DAY_MS)}`,
          `${logsPrefix}-${day(now)}`,
          `${logsPrefix}-archive`,
        ].sort(),
      );
      // Run again: nothing left to delete.
      expect(retention().trim()).toBe('');
    });

    it('new records still arrive after old days are deleted', async () => {
      await post(collector, 'logs', logsOf([logRecord(Date.now(), 'later', 0)]));
      await waitFor(
        async () => (await count('tracelog-logs', byAge('later'))) === 1,
        60_000,
        'the later record',
      );
    });

    it('the ILM component loads where ILM runs and is refused where it does not, so the templates only name it', async () => {
      const hasIlm = (await fetch(`${es}/_ilm/status`)).ok;
      const name = `${tag}-lifecycle`;
      const response = await fetch(`${es}/_component_template/${name}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: readFileSync(join(repo, 'collector/elasticsearch/tracelog-lifecycle.component.json')),
      });
      const answer = await response.text();
      if (hasIlm) {
        expect(response.status, answer).toBe(200);
        await fetch(`${es}/_component_template/${name}`, { method: 'DELETE' });
      } else {
        expect(response.status).toBe(400);
        expect(answer).toMatch(/unknown setting \[index\.lifecycle\./);
      }
    });
  },
);
