/**
 * LogsQL, VictoriaLogs' query language (https://docs.victoriametrics.com/victorialogs/logsql/),
 * for the record dashboards: filters written through the schema's names (`names.ts`), and the
 * three query types of the VictoriaLogs Grafana data source. Every panel's LogsQL is made here.
 *
 * Variables: Grafana's VictoriaLogs data source inserts a variable's value into a regexp filter as
 * is (one value `v` becomes `(v)`, "All" its custom all value, `.+`), and rewrites a variable
 * that follows `:`, `:=` or `=` unquoted into an `in(…)` list. So a dashboard variable only ever
 * stands inside a quoted regexp here (`=~"$service"`, `:~"^$level$"`) or inside the quoted value of
 * an exact filter that takes any text (`:="$trace_id"`), and "All" keeps its meaning, any value.
 */
import { RESOURCE } from '../../packages/core/src/schema.ts';
import type { VlTarget } from './model.ts';
import { VL_FIELD } from './names.ts';

export type VlQuery = Omit<VlTarget, 'refId' | 'datasource'>;

/** A LogsQL string literal. */
const literal = (value: string) => JSON.stringify(value);

/**
 * The stream filter every VictoriaLogs panel starts from. Service and environment are the stream
 * fields the collector declares (`VL-Stream-Fields` in collector/destinations/victorialogs.yaml),
 * so this selects whole streams; a stream filter's regexp must match the whole value, as in LogQL.
 */
export const VL_SCOPE = `{${RESOURCE.SERVICE_NAME}=~"$service", ${RESOURCE.DEPLOYMENT_ENVIRONMENT}=~"$environment"}`;

/** Exact value. */
export const vlIs = (field: string, value: string) => `${field}:=${literal(value)}`;
/** Any of these exact values. */
export const vlIn = (field: string, ...values: string[]) =>
  `${field}:in(${values.map(literal).join(', ')})`;
/** A number within [min, max] (values are stored as strings; LogsQL parses them). */
export const vlRange = (field: string, min: number, max: number) =>
  `${field}:range[${min}, ${max}]`;
/**
 * The whole value matches a dashboard variable's regexp (a field regexp filter matches any
 * substring, hence `^…$`).
 */
export const vlMatches = (field: string, variable: string) => `${field}:~"^$${variable}$"`;
/** Records whose field holds any non-empty value. */
const vlHas = (field: string) => `${field}:*`;
/** Records of this event. */
export const vlEvent = (event: string) => vlIs(VL_FIELD.event, event);
/** Records of any of these events. */
export const vlEventIn = (...events: string[]) => vlIn(VL_FIELD.event, ...events);
/** All of these filters. */
export const vlAll = (...filters: string[]) => filters.join(' ');

/** One value a `stats` pipe computes, under its own name. */
export type VlStat =
  | { name: string; fn: 'count' }
  | { name: string; fn: 'max'; field: string }
  | { name: string; fn: 'quantile'; field: string; phi: number };

const stat = (s: VlStat) =>
  s.fn === 'count'
    ? `count() as ${s.name}`
    : s.fn === 'max'
      ? `max(${s.field}) as ${s.name}`
      : `quantile(${s.phi}, ${s.field}) as ${s.name}`;

/** Quantiles of a field, named p50, p95, … */
export const quantiles = (field: string, percents: number[]): VlStat[] =>
  percents.map((p) => ({ name: `p${p}`, fn: 'quantile', field, phi: p / 100 }));

/**
 * `filter | stats by (…) …`. Records lacking a grouping field form no group (as in an
 * Elasticsearch terms aggregation), so each grouping field must be present.
 */
function statsOf(filter: string, by: string[], stats: VlStat[]): string {
  const grouped = by.length > 0 ? ` by (${by.join(', ')})` : '';
  return `${vlAll(filter, ...by.map(vlHas))} | stats${grouped} ${stats.map(stat).join(', ')}`;
}

/** Series names: the groups' values, then the stat's name where there are several. */
function legend(by: string[], stats: VlStat[]): string {
  const parts = by.map((field) => `{{${field}}}`);
  if (stats.length > 1 || parts.length === 0) parts.push('{{__name__}}');
  return parts.join(' ');
}

/** Time series ("Range": /select/logsql/stats_query_range, one bucket per step). */
export function vlSeries(filter: string, by: string[], stats: VlStat[]): VlQuery {
  return {
    expr: statsOf(filter, by, stats),
    queryType: 'statsRange',
    editorMode: 'code',
    legendFormat: legend(by, stats),
  };
}

/** Records over time, counted per group. */
export const vlCount = (filter: string, by: string[], name = 'records') =>
  vlSeries(filter, by, [{ name, fn: 'count' }]);

/**
 * One row per group over the dashboard's time range ("Instant": /select/logsql/stats_query),
 * the `limit` largest by the first stat.
 */
export function vlTable(filter: string, by: string[], stats: VlStat[], limit = 10): VlQuery {
  return {
    expr: `${statsOf(filter, by, stats)} | sort by (${stats[0]!.name} desc) | limit ${limit}`,
    queryType: 'stats',
    editorMode: 'code',
  };
}

/** The records themselves, newest first ("Raw logs": /select/logsql/query). */
export function vlLogs(filter: string, maxLines = 500): VlQuery {
  return { expr: filter, queryType: 'instant', editorMode: 'code', maxLines };
}
