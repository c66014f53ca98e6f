import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTR, EVENT, LEVELS, METRIC, RESOURCE, SEVERITY_NUMBER } from '@tracelog/core';

/**
 * The schema is a contract with the dashboards and alert rules: they find records by these names.
 * These tests check the rules the names must follow, and that every event name the generated
 * dashboards and rules query is one the schema defines (a dashboard edited by hand, or a name
 * renamed here without regenerating them, would leave a panel empty or an alert silent).
 */

/** Lower-case dot-separated segments, each a letter then letters, digits or underscores. */
const NAME = /^[a-z][a-z\d_]*(\.[a-z][a-z\d_]*)*$/;
/** Names that are prefixes of the names made from them (`http.request.header.<name>`). */
const PREFIXES = new Set<string>([ATTR.HTTP_REQUEST_HEADER_PREFIX]);

const dashboards = new URL('../../../dashboards/', import.meta.url);

/** Every generated dashboard and alert rule file: what Grafana, Prometheus and Loki load. */
function generatedFiles(): Array<{ file: string; text: string }> {
  const folders = [
    'json/victorialogs/',
    'json/elasticsearch/',
    'json/loki/',
    'metrics-json/',
    'loki-rules/fake/',
  ];
  const files = folders.flatMap((folder) =>
    readdirSync(new URL(folder, dashboards)).map((name) => `${folder}${name}`),
  );
  // Not `prometheus-rules/tests.yaml`: its synthetic series are test input, not queries.
  files.push('prometheus-rules/tracelog.rules.yaml');
  return files.map((file) => ({
    file,
    // JSON strings escape the quotes around LogsQL and PromQL values.
    text: readFileSync(new URL(file, dashboards), 'utf8').replaceAll('\\"', '"'),
  }));
}

const unquote = (value: string) => value.trim().replace(/^"(.*)"$/, '$1');

/**
 * The event names a query selects, in each back end's spelling: LogsQL `event_name:="x"` and
 * `event_name:in("x", "y")`, LogQL and PromQL `event_name="x"` and `event_name=~"x|y"`, Lucene
 * `event.name:"x"` and `event.name:(x OR "y")`.
 */
function eventNamesIn(text: string): string[] {
  const found: string[] = [];
  for (const [, value] of text.matchAll(/event[._]name\s*(?::=|=|:)\s*"([^"]+)"/g))
    found.push(value!);
  for (const [, values] of text.matchAll(/event_name=~"([^"]+)"/g))
    found.push(...values!.split('|'));
  for (const [, values] of text.matchAll(/event_name:in\(([^)]*)\)/g))
    found.push(...values!.split(',').map(unquote));
  for (const [, values] of text.matchAll(/event\.name:\(([^)]*)\)/g))
    found.push(...values!.split(' OR ').map(unquote));
  return found;
}

describe('schema', () => {
  it.each([
    ['EVENT', EVENT],
    ['ATTR', ATTR],
    ['RESOURCE', RESOURCE],
    ['METRIC', METRIC],
  ] as const)('%s: every name is lower-case dotted segments', (_group, names) => {
    for (const [key, name] of Object.entries(names)) {
      const checked = PREFIXES.has(name) ? name.replace(/\.$/, '') : name;
      expect(checked, key).toMatch(NAME);
    }
  });

  it('gives each name one constant: no two attributes, resource attributes or events share one', () => {
    for (const group of [EVENT, { ...ATTR, ...RESOURCE }, METRIC]) {
      const byName = new Map<string, string[]>();
      for (const [key, name] of Object.entries(group))
        byName.set(name, [...(byName.get(name) ?? []), key]);
      const shared = [...byName].filter(([, keys]) => keys.length > 1);
      expect(shared).toEqual([]);
    }
  });

  it('every event name the generated dashboards and alert rules query is a schema event', () => {
    const known = new Set<string>(Object.values(EVENT));
    const queried = generatedFiles().flatMap(({ file, text }) =>
      eventNamesIn(text).map((event) => ({ file, event })),
    );
    // The scan found the events each kind of file selects by (the Loki dashboards select by
    // level and trace id only).
    const folderOf = (file: string) => file.replace(/[^/]*$/, '');
    expect(new Set(queried.map((q) => folderOf(q.file)))).toEqual(
      new Set(
        generatedFiles()
          .map((g) => folderOf(g.file))
          .filter((folder) => folder !== 'json/loki/'),
      ),
    );
    expect(queried.filter(({ event }) => !known.has(event))).toEqual([]);
  });

  it('orders levels by severity, matching OpenTelemetry severity numbers', () => {
    const numbers = LEVELS.map((level) => SEVERITY_NUMBER[level]);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
    expect(new Set(numbers).size).toBe(LEVELS.length);
  });
});
