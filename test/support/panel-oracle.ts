import { describe, expect, it } from 'vitest';
import { ATTR, EVENT, RESOURCE } from '@tracelog/core';
import { severity } from '../../dashboards/src/model.ts';
import { VL_FIELD } from '../../dashboards/src/names.ts';
import type { Picks } from './logsql.ts';
import {
  dashboardRange,
  panelsOf,
  runVlPanel,
  variableQueries,
  vlVariableValues,
} from './panels.ts';
import type { PanelCase, VlPanelData, VlSeries } from './panels.ts';
import type { LogRow } from './stack.ts';

/**
 * What each VictoriaLogs panel must show for the records a test's traffic stored, computed here
 * from those records themselves (every record of the run, read back whole), not from the
 * panel's LogsQL: each panel's meaning written a second time, in plain code, as its reader
 * understands the title. A panel whose query counts the wrong records, groups by the wrong field,
 * takes the wrong quantile or loses its variables' filter disagrees with this and fails.
 */

type Stat =
  { fn: 'count' } | { fn: 'max'; field: string } | { fn: 'quantile'; phi: number; field: string };

export interface Oracle {
  /** The records the panel is about, with the variables as picked. */
  where: (record: LogRow, picks: Picks) => boolean;
  /** Its groups (series, table rows): records lacking one of these fields are in none. */
  by?: string[];
  /** What it computes per group, by the stat's name; none: it lists the records. */
  stats?: Record<string, Stat>;
  /** A table of the groups with the largest first stat: how many it shows. */
  top?: number;
}

const count: Stat = { fn: 'count' };
const max = (field: string): Stat => ({ fn: 'max', field });
const percentiles = (field: string, ...percents: number[]) =>
  Object.fromEntries(
    percents.map((p) => [`p${p}`, { fn: 'quantile', phi: p / 100, field } satisfies Stat]),
  );

/** A field against a variable: "All" (not picked) takes any non-empty value, a pick its own. */
const is = (value: string | undefined, pick: string | undefined) =>
  pick === undefined ? Boolean(value) : value === pick;
const inScope = (r: LogRow, p: Picks) =>
  is(r[RESOURCE.SERVICE_NAME], p.service) && is(r[RESOURCE.DEPLOYMENT_ENVIRONMENT], p.environment);
const ofEvent = (r: LogRow, ...events: string[]) => events.includes(r[VL_FIELD.event] ?? '');
const statusIn = (r: LogRow, min: number, max: number) => {
  const status = Number(r[ATTR.HTTP_RESPONSE_STATUS_CODE]);
  return status >= min && status <= max;
};
const isError = (r: LogRow) =>
  [severity('error'), severity('fatal')].includes(r[VL_FIELD.severity] ?? '');
const fromBrowser = (r: LogRow, p: Picks) => inScope(r, p) && r[ATTR.SOURCE] === 'frontend';
/** The logs explorer's message search: case-insensitive, nothing typed matches everything. */
const found = (r: LogRow, p: Picks) =>
  !p.search || (r[VL_FIELD.body] ?? '').toLowerCase().includes(p.search.toLowerCase());
const explored = (r: LogRow, p: Picks) =>
  inScope(r, p) &&
  is(r[VL_FIELD.severity], p.level) &&
  is(r[VL_FIELD.scope], p.component) &&
  found(r, p);
const tasksDone = (r: LogRow, p: Picks) =>
  inScope(r, p) && ofEvent(r, EVENT.TASK_SUCCESS, EVENT.TASK_FAILURE);
const jobs = (event: string) => (r: LogRow, p: Picks) => inScope(r, p) && ofEvent(r, event);
const queue = [ATTR.MESSAGING_DESTINATION_NAME];

/** Every VictoriaLogs panel, by `<dashboard file> › <panel title>`. */
export const ORACLES: Record<string, Oracle> = {
  'service-overview › Requests by route': {
    where: (r, p) => inScope(r, p) && ofEvent(r, EVENT.HTTP_REQUEST),
    by: [ATTR.HTTP_ROUTE],
    stats: { requests: count },
  },
  'service-overview › Server errors (5xx) by route': {
    where: (r, p) => inScope(r, p) && ofEvent(r, EVENT.HTTP_REQUEST) && statusIn(r, 500, 599),
    by: [ATTR.HTTP_ROUTE],
    stats: { errors: count },
  },
  'service-overview › Latency p50 / p95 / p99 by route (ms)': {
    where: (r, p) => inScope(r, p) && ofEvent(r, EVENT.HTTP_REQUEST),
    by: [ATTR.HTTP_ROUTE],
    stats: percentiles(ATTR.HTTP_DURATION_MS, 50, 95, 99),
  },
  'service-overview › Log volume by level': {
    where: inScope,
    by: [VL_FIELD.severity],
    stats: { records: count },
  },
  'service-overview › Top error messages': {
    where: (r, p) => inScope(r, p) && isError(r),
    by: [VL_FIELD.body],
    stats: { errors: count },
    top: 20,
  },
  'service-overview › Recent errors (trace ids link to the trace)': {
    where: (r, p) => inScope(r, p) && isError(r),
  },
  'service-overview › Outbound call failures': {
    where: (r, p) => inScope(r, p) && ofEvent(r, EVENT.HTTP_CLIENT_FAILURE),
    by: [ATTR.SERVER_ADDRESS, ATTR.ERROR_TYPE],
    stats: { failures: count },
    top: 20,
  },
  'correlation-explorer › Log records with this trace id': {
    where: (r, p) => r[VL_FIELD.traceId] === p.trace_id,
  },
  'correlation-explorer › Jobs started from this trace (conversation id)': {
    where: (r, p) => r[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID] === p.trace_id,
  },
  'jobs-and-workers › Jobs succeeded by queue': {
    where: jobs(EVENT.JOB_SUCCEEDED),
    by: queue,
    stats: { jobs: count },
  },
  'jobs-and-workers › Jobs failed by queue': {
    where: jobs(EVENT.JOB_FAILED),
    by: queue,
    stats: { jobs: count },
  },
  'jobs-and-workers › Retries by queue': {
    where: jobs(EVENT.JOB_RETRYING),
    by: queue,
    stats: { retries: count },
  },
  'jobs-and-workers › Processing time p50 / p95 / p99 by queue (ms)': {
    where: jobs(EVENT.JOB_SUCCEEDED),
    by: queue,
    stats: percentiles(ATTR.JOB_DURATION_MS, 50, 95, 99),
  },
  'jobs-and-workers › Wait time p50 / p95 / p99 by queue (ms)': {
    where: jobs(EVENT.JOB_STARTED),
    by: queue,
    stats: percentiles(ATTR.JOB_WAIT_MS, 50, 95, 99),
  },
  'jobs-and-workers › Worker stats (latest report)': {
    where: jobs(EVENT.WORKER_STATS),
    by: [RESOURCE.SERVICE_INSTANCE_ID],
    stats: {
      processed: max(ATTR.WORKER_PROCESSED),
      failed: max(ATTR.WORKER_FAILED),
      p95_ms: max(ATTR.WORKER_DURATION_P95_MS),
    },
    top: 10,
  },
  'jobs-and-workers › Task outcomes by category': {
    where: tasksDone,
    by: [ATTR.TASK_CATEGORY, ATTR.TASK_OUTCOME],
    stats: { tasks: count },
    top: 10,
  },
  'jobs-and-workers › Task duration p95 by task (ms)': {
    where: tasksDone,
    by: [ATTR.TASK_NAME],
    stats: percentiles(ATTR.TASK_DURATION_MS, 95),
  },
  'front-end › Errors by message': {
    where: (r, p) => fromBrowser(r, p) && ofEvent(r, EVENT.EXCEPTION, EVENT.BROWSER_ERROR),
    by: [ATTR.EXCEPTION_MESSAGE],
    stats: { errors: count },
    top: 20,
  },
  'front-end › Errors by page': {
    where: (r, p) => fromBrowser(r, p) && ofEvent(r, EVENT.EXCEPTION, EVENT.BROWSER_ERROR),
    by: [ATTR.BROWSER_PAGE_URL],
    stats: { errors: count },
    top: 20,
  },
  'front-end › Sessions started': {
    where: (r, p) => fromBrowser(r, p) && ofEvent(r, EVENT.SESSION_START),
    stats: { sessions: count },
  },
  'front-end › Web Vitals p75 by metric': {
    where: (r, p) => fromBrowser(r, p) && ofEvent(r, EVENT.BROWSER_WEB_VITAL),
    by: [ATTR.WEB_VITAL_NAME],
    stats: percentiles(ATTR.WEB_VITAL_VALUE, 75),
  },
  'front-end › Failed API calls (status ≥ 400)': {
    where: (r, p) => fromBrowser(r, p) && ofEvent(r, EVENT.HTTP_REQUEST) && statusIn(r, 400, 599),
    by: [ATTR.URL_FULL],
    stats: { calls: count },
    top: 20,
  },
  'logs-explorer › Volume by component': {
    where: explored,
    by: [VL_FIELD.scope],
    stats: { records: count },
  },
  'logs-explorer › Task runs by outcome': {
    where: (r, p) => tasksDone(r, p) && found(r, p),
    by: [ATTR.TASK_NAME, ATTR.TASK_OUTCOME],
    stats: { runs: count },
    top: 10,
  },
  'logs-explorer › Records': { where: explored },
};

/** A record's `_time` in nanoseconds since the epoch (RFC 3339 with up to 9 fraction digits). */
function timeNs(time: string): bigint {
  const [, whole, fraction = ''] = /^(.*?:\d\d)(?:\.(\d+))?Z$/.exec(time)!;
  return BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
}

/** The records of a dashboard time range (seconds, both ends included). */
const inRange = (records: LogRow[], range: { from: number; to: number }) =>
  records.filter((r) => {
    const t = timeNs(r[VL_FIELD.time]!);
    return t >= BigInt(range.from) * 1_000_000_000n && t <= BigInt(range.to + 1) * 1_000_000_000n;
  });

/** The records a panel is about, among a run's records, with the variables as picked. */
function selected(
  panel: PanelCase,
  records: LogRow[],
  picks: Picks,
  range: { from: number; to: number },
) {
  const oracle = ORACLES[panel.name];
  if (!oracle)
    throw new Error(`${panel.name}: no expected values defined in test/support/panel-oracle.ts`);
  return { oracle, records: inRange(records, range).filter((r) => oracle.where(r, picks)) };
}

const NS = 1_000_000_000n;
const groupKey = (by: string[], fields: Record<string, string | undefined>) =>
  JSON.stringify(by.map((f) => fields[f]));

/** A stat over a group's records; a quantile as the interval its sample must lie in. */
function compute(stat: Stat, records: LogRow[]): { min: number; max: number } {
  if (stat.fn === 'count') return { min: records.length, max: records.length };
  const values = records
    .map((r) => Number(r[stat.field]))
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  if (values.length === 0) return { min: NaN, max: NaN };
  if (stat.fn === 'max') return { min: values.at(-1)!, max: values.at(-1)! };
  // Between the samples around rank phi·(n−1): any definition of a sample quantile picks there.
  const rank = stat.phi * (values.length - 1);
  return { min: values[Math.floor(rank)]!, max: values[Math.ceil(rank)]! };
}

function expectValue(what: string, value: number, expected: { min: number; max: number }) {
  if (Number.isNaN(expected.min)) {
    expect(value, what).toBeNaN();
    return;
  }
  const slack = 1e-9 * Math.max(1, Math.abs(expected.max));
  expect(
    value >= expected.min - slack && value <= expected.max + slack,
    `${what}: ${value}, expected ${expected.min === expected.max ? expected.min : `within [${expected.min}, ${expected.max}]`}`,
  ).toBe(true);
}

/** Records by group (records lacking a grouping field are in none). */
function groups(records: LogRow[], by: string[]): Map<string, LogRow[]> {
  const map = new Map<string, LogRow[]>();
  for (const r of records) {
    if (by.some((f) => !r[f])) continue;
    const key = groupKey(by, r);
    map.set(key, [...(map.get(key) ?? []), r]);
  }
  return map;
}

const seriesKey = (by: string[], s: VlSeries) => groupKey(by, s.labels);
const rowKey = (r: LogRow) =>
  JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * Compares what a VictoriaLogs panel returned with what the records must give it: the same
 * records (logs panels); the same groups with the same counts and maxima, and quantiles within
 * their samples' interval (tables: the largest groups, in order); the same per-step buckets for
 * every series (time series). Returns how many records the panel is about (never none).
 * `listed: 'count'` compares a logs panel's records by number only (records built from what a
 * test sent lack the fields the store adds).
 */
export function expectVlPanel(
  panel: PanelCase,
  data: VlPanelData,
  records: LogRow[],
  picks: Picks,
  range: { from: number; to: number },
  { listed = 'same' }: { listed?: 'same' | 'count' } = {},
): number {
  const { oracle, records: mine } = selected(panel, records, picks, range);
  expect(mine.length, `records the traffic gives ${panel.name}`).toBeGreaterThan(0);
  const at = `${panel.name} (${data.query})`;

  if (data.kind === 'records') {
    expect(oracle.stats, `${panel.name} lists records`).toBeUndefined();
    expect(data.rows.length, at).toBe(Math.min(mine.length, data.limit));
    if (listed === 'count') return mine.length;
    const expected = new Set(mine.map(rowKey));
    for (const row of data.rows)
      expect(expected.has(rowKey(row)), `${at}: ${rowKey(row)}`).toBe(true);
    // Truncated, they are the newest.
    const oldestShown = data.rows.reduce(
      (t, r) => (timeNs(r._time!) < t ? timeNs(r._time!) : t),
      BigInt(2) ** 80n,
    );
    const shown = new Set(data.rows.map(rowKey));
    for (const r of mine)
      if (!shown.has(rowKey(r))) expect(timeNs(r._time!) <= oldestShown, at).toBe(true);
    return mine.length;
  }

  const by = oracle.by ?? [];
  const stats = Object.entries(oracle.stats ?? {});
  expect(stats.length, `${panel.name} computes stats`).toBeGreaterThan(0);
  for (const s of data.series)
    expect(Object.keys(oracle.stats!), `${at}: series ${JSON.stringify(s.labels)}`).toContain(
      s.labels.__name__,
    );

  if (data.kind === 'stats') {
    const expected = groups(mine, by);
    const [first] = stats[0]!;
    const values = new Map<string, Record<string, number>>();
    for (const s of data.series) {
      const key = seriesKey(by, s);
      values.set(key, { ...values.get(key), [s.labels.__name__!]: s.samples[0]![1] });
    }
    const top = oracle.top ?? Infinity;
    expect(values.size, `${at}: groups`).toBe(Math.min(top, expected.size));
    for (const [key, row] of values) {
      const group = expected.get(key);
      expect(group, `${at}: group ${key} has no records`).toBeDefined();
      expect(Object.keys(row).sort(), `${at}: ${key}`).toEqual(stats.map(([name]) => name).sort());
      for (const [name, stat] of stats)
        expectValue(`${at}: ${key} ${name}`, row[name]!, compute(stat, group!));
    }
    // The largest groups are the ones shown.
    const smallestShown = Math.min(...[...values.values()].map((row) => row[first]!));
    for (const [key, group] of expected)
      if (!values.has(key))
        expect(compute(stats[0]![1], group).max, `${at}: ${key} left out`).toBeLessThanOrEqual(
          smallestShown,
        );
    return mine.length;
  }

  // Time series: one sample per step bucket holding records, for every group and stat.
  const step = BigInt(data.step) * NS;
  const expected = new Map<string, LogRow[]>();
  for (const [key, group] of groups(mine, by))
    for (const r of group) {
      const bucket = (timeNs(r._time!) / step) * step;
      const slot = `${key}@${bucket / NS}`;
      expected.set(slot, [...(expected.get(slot) ?? []), r]);
    }
  const seen = new Set<string>();
  for (const s of data.series) {
    const stat = oracle.stats![s.labels.__name__!]!;
    for (const [t, value] of s.samples) {
      const key = `${seriesKey(by, s)}@${t}`;
      const bucket = expected.get(key);
      expect(bucket, `${at}: sample ${key} ${s.labels.__name__} has no records`).toBeDefined();
      expectValue(`${at}: ${key} ${s.labels.__name__}`, value, compute(stat, bucket!));
      seen.add(`${key}|${s.labels.__name__}`);
    }
  }
  const wanted = [...expected.keys()].flatMap((key) => stats.map(([name]) => `${key}|${name}`));
  expect([...seen].sort(), `${at}: buckets`).toEqual(wanted.sort());
  return mine.length;
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean };
}
interface OtlpLogsBody {
  resourceLogs?: Array<{
    resource: { attributes: OtlpKeyValue[] };
    scopeLogs: Array<{
      scope: { name: string };
      logRecords: Array<{
        timeUnixNano: string;
        severityText: string;
        eventName?: string;
        body: { stringValue: string };
        traceId?: string;
        spanId?: string;
        attributes: OtlpKeyValue[];
      }>;
    }>;
  }>;
}

const fieldValue = ({ value: v }: OtlpKeyValue) =>
  String(v.stringValue ?? v.intValue ?? v.doubleValue ?? v.boolValue);
const fields = (kvs: OtlpKeyValue[]) =>
  Object.fromEntries(kvs.map((kv) => [kv.key, fieldValue(kv)]));

/** RFC 3339 with nanoseconds, as VictoriaLogs writes `_time`, from OTLP's `timeUnixNano`. */
function rfc3339(unixNano: string): string {
  const ns = BigInt(unixNano);
  const seconds = new Date(Number(ns / NS) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${String(ns % NS).padStart(9, '0')}Z`;
}

/**
 * The log records a test sent (OTLP/JSON request bodies; trace requests are skipped), as rows
 * with the fields VictoriaLogs gives them: resource and record attributes by name, body, level,
 * scope, event name, trace and span ids and time. What the panels must show is computed from
 * these, the traffic itself, as well as from what the store holds.
 */
export function recordsSent(bodies: unknown[]): LogRow[] {
  return (bodies as OtlpLogsBody[]).flatMap((body) =>
    (body.resourceLogs ?? []).flatMap(({ resource, scopeLogs }) =>
      scopeLogs.flatMap(({ scope, logRecords }) =>
        logRecords.map((r): LogRow => ({
          ...fields(resource.attributes),
          ...fields(r.attributes),
          [VL_FIELD.time]: rfc3339(r.timeUnixNano),
          [VL_FIELD.body]: r.body.stringValue,
          [VL_FIELD.severity]: r.severityText,
          [VL_FIELD.scope]: scope.name,
          ...(r.eventName && { [VL_FIELD.event]: r.eventName }),
          ...(r.traceId && { [VL_FIELD.traceId]: r.traceId, [VL_FIELD.spanId]: r.spanId }),
        })),
      ),
    ),
  );
}

/** The values a variable over `field` must offer: those of the records in the range. */
export const fieldValuesOf = (
  records: LogRow[],
  field: string,
  range: { from: number; to: number },
) =>
  [
    ...new Set(
      inRange(records, range)
        .map((r) => r[field])
        .filter((v): v is string => Boolean(v)),
    ),
  ].sort();

/**
 * The values a user picks to look at what a panel is about, found in the run's records: the
 * service (and environment) of the first record the panel shows with "All"; in the logs explorer,
 * the service, level, component and a word of a failed task's record, the word typed in upper
 * case (the search ignores case), so that each of its panels still has records.
 */
export function picksFor(panel: PanelCase, records: LogRow[]): Picks {
  const explorer = panel.name.startsWith('logs-explorer ›');
  const record = explorer
    ? records.find((r) => ofEvent(r, EVENT.TASK_FAILURE))
    : records.find((r) => ORACLES[panel.name]!.where(r, {}));
  if (!record) throw new Error(`${panel.name}: no record to pick values from`);
  const picks: Picks = {
    service: record[RESOURCE.SERVICE_NAME],
    environment: record[RESOURCE.DEPLOYMENT_ENVIRONMENT],
  };
  if (!explorer) return picks;
  const word = /[A-Za-z]{4,}/.exec(record[VL_FIELD.body] ?? '')?.[0] ?? '';
  return {
    ...picks,
    level: record[VL_FIELD.severity],
    component: record[VL_FIELD.scope],
    search: word.toUpperCase(),
  };
}

/** What the VictoriaLogs panel suites read once their stack holds the test's records. */
export interface VlPanelState {
  url: string;
  records: LogRow[];
  traceId: string;
  /** The records the test sent (`recordsSent`), when it knows them. */
  sent?: LogRow[];
}

/**
 * Every VictoriaLogs panel, as a user opens it (All) and with the values picked that it is
 * about, compared with what `what` (the test's records, as stored and, when the test knows them,
 * as sent) must give; and every variable's values.
 * `state` is read when the tests run, after the file's beforeAll filled the store.
 */
export function describeVlPanels(what: string, state: () => VlPanelState): void {
  const cases = panelsOf('victorialogs').flatMap((panel) => {
    const all = (): Picks => ({ trace_id: state().traceId });
    const out: Array<[string, PanelCase, () => Picks]> = [[`${panel.name} (All)`, panel, all]];
    if (panel.variables.some((v) => v.name === 'service'))
      out.push([
        `${panel.name} (one service picked)`,
        panel,
        () => ({ ...all(), ...picksFor(panel, state().records) }),
      ]);
    return out;
  });
  describe(`every VictoriaLogs panel shows what ${what} give`, () => {
    it.each(cases)('%s', async (_name, panel, picks) => {
      const range = dashboardRange();
      const { url, records, sent } = state();
      const data = await runVlPanel(panel, url, picks(), range);
      expectVlPanel(panel, data, records, picks(), range);
      if (sent) expectVlPanel(panel, data, sent, picks(), range, { listed: 'count' });
    });
  });
  describe(`every VictoriaLogs variable offers the values of ${what}`, () => {
    it.each(variableQueries('victorialogs').map((v) => [v.name, v] as const))(
      '$%s',
      async (_name, variable) => {
        const range = dashboardRange();
        const { field } = variable.query as { field: string };
        expect((await vlVariableValues(state().url, variable, range)).sort()).toEqual(
          fieldValuesOf(state().records, field, range),
        );
      },
    );
  });
}
