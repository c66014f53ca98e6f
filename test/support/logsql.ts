import { ATTR, RESOURCE } from '@tracelog/core';
import { closest } from '@tracelog/core';
import { VL_FIELD } from '../../dashboards/src/names.ts';

/**
 * LogsQL as the tests need it: Grafana's variable interpolation as the VictoriaLogs data source
 * does it, and an offline check that a query names only fields VictoriaLogs stores for our
 * records. No LogsQL parser is published for JavaScript (npm has none; VictoriaLogs' own is Go,
 * in its module), so syntax is checked by the real VictoriaLogs running every query
 * (dashboards-queries, dashboards-sdk); this file reads the query forms the dashboards generate.
 */

/** A dashboard variable as the generated JSON holds it. */
export interface Variable {
  name: string;
  type: string;
  query: unknown;
  allValue?: string;
  current: { value: string };
}

/** The values a user picked; a variable not named keeps its starting value ("All" or empty). */
export type Picks = Partial<Record<string, string>>;

/**
 * Whether the text before a variable ends inside the quoted value of a regexp filter (`:~"…`,
 * `=~"…`): the data source's `isRegExpOperatorInLastFilter`
 * (victorialogs-datasource src/LogsQL/regExpOperator.ts), which scans back to the quote and
 * looks for `~` right after the `:` or `=` before it.
 */
function inRegexp(before: string): boolean {
  const quote = before.lastIndexOf('"');
  return quote > 0 && /[:=]\s*~\s*$/.test(before.slice(0, quote));
}

/**
 * Grafana's interpolation of a LogsQL expression for the VictoriaLogs data source (its
 * `interpolateString`, victorialogs-datasource src/datasource.ts), for the forms our dashboards
 * use: every variable stands inside double quotes (see dashboards/src/logsql.ts).
 * - "All" inserts the variable's custom all value unformatted (Grafana's scenes: `CustomAllValue`
 *   ignores the data source's formatter).
 * - Another value goes through the data source's formatter: inside a regexp filter it becomes
 *   `(value)`, unescaped; elsewhere the value itself. An empty textbox inserts nothing.
 * A variable outside quotes would be rewritten into `in(…)` by the data source: refused here.
 */
export function interpolateLogsql(expr: string, variables: Variable[], picks: Picks): string {
  return expr.replace(/\$(\w+)/g, (match, name: string, offset: number) => {
    const variable = variables.find((v) => v.name === name);
    if (!variable) return match;
    const before = expr.slice(0, offset);
    if ((before.match(/"/g) ?? []).length % 2 === 0)
      throw new Error(`$${name} is not inside a quoted value in ${expr}`);
    const value = picks[name] ?? variable.current.value;
    if (value === '$__all') return variable.allValue!;
    if (value === '') return '';
    return inRegexp(before) ? `(${value})` : value;
  });
}

/** What the dashboard's queries may name: fields VictoriaLogs stores for our records. */
export interface VlFields {
  names: Set<string>;
  /** Attribute families flattened with dots (`task.args.symbol`). */
  prefixes: string[];
}

/**
 * The fields VictoriaLogs holds for a record from our pipeline (collector/destinations/
 * victorialogs.yaml): its own (`_msg`, `_time`, `_stream`, `_stream_id`), those made of the OTLP
 * record (`VL_FIELD`), and every resource and record attribute our SDKs and collector write, under
 * its OTLP name (`@tracelog/core`'s schema).
 */
export function vlFields(): VlFields {
  const families: string[] = [ATTR.HTTP_REQUEST_HEADER_PREFIX, `${ATTR.TASK_ARGS}.`];
  const attributes = Object.values(ATTR).filter(
    (name) => !families.some((family) => family.startsWith(name)),
  );
  return {
    names: new Set([
      '_stream',
      '_stream_id',
      ...Object.values(VL_FIELD),
      ...Object.values(RESOURCE),
      ...attributes,
    ]),
    prefixes: families,
  };
}

/** The field names one LogsQL query names, with what names each (filter, group, stat, sort). */
export function logsqlFieldRefs(expr: string): Array<{ field: string; as: string }> {
  // Quoted values hold no field names: blank them, keeping positions.
  const text = expr.replace(/"(?:[^"\\]|\\.)*"/g, (s) => `"${' '.repeat(s.length - 2)}"`);
  const refs: Array<{ field: string; as: string }> = [];
  const name = '[A-Za-z_][\\w.-]*';
  const [filters = '', ...pipes] = text.split('|');
  for (const m of filters.matchAll(/\{([^}]*)\}/g))
    for (const s of m[1]!.matchAll(new RegExp(`(${name})\\s*!?=~?`, 'g')))
      refs.push({ field: s[1]!, as: 'stream filter' });
  for (const m of filters
    .replace(/\{[^}]*\}/g, ' ')
    .matchAll(new RegExp(`(?:^|[\\s(!])(${name}):`, 'g')))
    refs.push({ field: m[1]!, as: 'filter' });
  const produced = new Set<string>();
  for (const pipe of pipes) {
    const by = /^\s*(stats|sort)\s+by\s*\(([^)]*)\)/.exec(pipe);
    for (const field of by?.[2]
      ?.split(',')
      .map((f) => f.trim().replace(/\s+(desc|asc)$/, ''))
      .filter(Boolean) ?? [])
      if (!produced.has(field)) refs.push({ field, as: `${by![1]} by` });
    if (/^\s*stats\b/.test(pipe)) {
      for (const m of pipe.matchAll(
        new RegExp(
          `\\b(\\w+)\\(\\s*(?:[\\d.]+\\s*,\\s*)?(${name})?\\s*\\)(?:\\s+as)?\\s+(\\w+)`,
          'g',
        ),
      )) {
        if (m[2]) refs.push({ field: m[2], as: `${m[1]}()` });
        produced.add(m[3]!);
      }
    }
  }
  return refs;
}

/** Fields a LogsQL query names that VictoriaLogs does not hold for our records. */
export function logsqlProblems(expr: string, fields: VlFields): string[] {
  const known = (field: string) =>
    fields.names.has(field) || fields.prefixes.some((p) => field.startsWith(p));
  return logsqlFieldRefs(expr)
    .filter(({ field }) => !known(field))
    .map(({ field, as }) => {
      const near = closest(field, fields.names, 2);
      return `${as} field "${field}" is not one VictoriaLogs holds for our records${near ? ` (did you mean "${near}"?)` : ''}`;
    });
}
