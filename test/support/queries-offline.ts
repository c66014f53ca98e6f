import { readFileSync, readdirSync } from 'node:fs';
import { parse } from 'yaml';
import { ATTR, COLLECTOR_ATTR, RESOURCE } from '@tracelog/core';
import { closest } from '@tracelog/core';
import { DS, STORES } from '../../dashboards/src/model.ts';

/**
 * The LogsQL and Elasticsearch queries we ship, read from what Grafana loads (the generated
 * dashboards and the data source provisioning), and the Elasticsearch field check: Elasticsearch
 * is never run here, so every field an Elasticsearch query, aggregation, variable or link names
 * is checked against the fields our pipeline writes (collector/elasticsearch templates, the
 * exporter's "none" document shape, `@tracelog/core`'s schema).
 */

const repo = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, repo), 'utf8');
const jsonFiles = (dir: string) =>
  readdirSync(new URL(dir, repo))
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ where: `${dir}${f}`, json: JSON.parse(read(`${dir}${f}`)) as DashboardJson }));

interface Ref {
  type?: string;
  uid?: string;
}
interface DashboardJson {
  templating?: { list: Array<{ name: string; type: string; query?: unknown; datasource?: Ref }> };
  panels?: Array<{
    title: string;
    datasource?: Ref;
    targets?: Array<Record<string, unknown> & { datasource?: Ref }>;
  }>;
}
interface Provisioned {
  uid: string;
  type: string;
  jsonData?: {
    derivedFields?: Array<{ name: string; matcherType?: string; matcherRegex: string }>;
    dataLinks?: Array<{ field: string }>;
    tracesToLogsV2?: { datasourceUid: string; query?: string };
  };
}

/** Every data source provisioned, from every file Grafana reads. */
export function provisionedDatasources(): Provisioned[] {
  const dir = 'dashboards/provisioning/datasources/';
  return readdirSync(new URL(dir, repo))
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => (parse(read(dir + f)) as { datasources: Provisioned[] }).datasources);
}

/** A query or a bare field name, and where it is. */
export interface Shipped {
  where: string;
  query?: string;
  fields: string[];
}

/**
 * Queries of one data source type in the dashboards and in the links to it, with the fields its
 * panels, variables and links name.
 */
function shipped(
  type: string,
  dirs: string[],
  ofTarget: (target: Record<string, unknown>) => Omit<Shipped, 'where'>,
  ofVariable: (query: unknown) => string,
  ofDatasource: (ds: Provisioned) => string[],
): Shipped[] {
  const out: Shipped[] = [];
  for (const dir of dirs)
    for (const { where, json } of jsonFiles(dir)) {
      for (const panel of json.panels ?? [])
        for (const target of panel.targets ?? [])
          if ((target.datasource ?? panel.datasource)?.type === type) {
            out.push({ where: `${where} › ${panel.title}`, ...ofTarget(target) });
          }
      for (const v of json.templating?.list ?? [])
        if (v.type === 'query' && v.datasource?.type === type)
          out.push({ where: `${where} › $${v.name}`, fields: [ofVariable(v.query)] });
    }
  const datasources = provisionedDatasources();
  for (const ds of datasources) {
    if (ds.type === type)
      out.push({ where: `provisioning › ${ds.uid} › links`, fields: ofDatasource(ds) });
    const toLogs = ds.jsonData?.tracesToLogsV2;
    if (toLogs && datasources.find((d) => d.uid === toLogs.datasourceUid)?.type === type)
      out.push({
        where: `provisioning › ${ds.uid} › tracesToLogsV2`,
        query: toLogs.query,
        fields: [],
      });
  }
  return out;
}

/** Every LogsQL query and VictoriaLogs field name we ship. */
export function shippedLogsql(): Shipped[] {
  return shipped(
    DS.victorialogs.type,
    [`dashboards/${STORES.victorialogs.dir}/`],
    (target) => ({ query: String(target.expr), fields: [] }),
    (query) => (query as { field: string }).field,
    (ds) =>
      (ds.jsonData?.derivedFields ?? [])
        .filter((f) => f.matcherType === 'label')
        .map((f) => f.matcherRegex),
  );
}

/** Every Elasticsearch query and field name we ship. */
export function shippedEs(): Shipped[] {
  return shipped(
    DS.esLogs.type,
    [`dashboards/${STORES.elasticsearch.dir}/`],
    (target) => {
      const { bucketAggs = [], metrics = [] } = target as {
        bucketAggs?: Array<{ field: string }>;
        metrics?: Array<{ field?: string }>;
      };
      return {
        query: String(target.query),
        fields: [
          ...bucketAggs.map((b) => b.field),
          ...metrics.flatMap((m) => (m.field ? [m.field] : [])),
        ],
      };
    },
    (query) => (JSON.parse(String(query)) as { field: string }).field,
    (ds) => (ds.jsonData?.dataLinks ?? []).map((l) => l.field),
  );
}

/** The field names a Lucene query string names (`Field:value`, outside quotes and regexps). */
export function luceneFields(query: string): string[] {
  const text = query.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\/(?:[^/\\]|\\.)*\//g, '//');
  return [...text.matchAll(/(?:^|[\s(])([@A-Za-z][\w.@-]*):/g)].map((m) => m[1]!);
}

interface Template {
  template: {
    mappings: {
      properties: Record<
        string,
        {
          type?: string;
          properties?: Record<string, { type?: string; fields?: object }>;
          fields?: object;
        }
      >;
    };
  };
}

/**
 * The fields our pipeline writes to Elasticsearch: the exporter's document fields as the index
 * templates map them (`Scope.name`, `TraceId`, …), `Attributes.<attribute>` and
 * `Resource.<attribute>` for the schema's names (and the collector's `event.name`), and
 * `<field>.keyword` where a template maps a text field with a keyword sub-field.
 */
export function esFields(): { names: Set<string>; prefixes: string[] } {
  const names = new Set<string>();
  const objects = new Set(['Scope', 'Resource', 'Attributes', 'Events']);
  for (const file of ['tracelog-logs', 'tracelog-traces']) {
    const { properties } = (
      JSON.parse(read(`collector/elasticsearch/${file}.template.json`)) as Template
    ).template.mappings;
    for (const [name, mapping] of Object.entries(properties)) {
      if (!objects.has(name)) names.add(name);
      if (mapping.fields && 'keyword' in mapping.fields) names.add(`${name}.keyword`);
      for (const [sub, subMapping] of Object.entries(mapping.properties ?? {})) {
        names.add(`${name}.${sub}`);
        if (subMapping.fields && 'keyword' in subMapping.fields)
          names.add(`${name}.${sub}.keyword`);
      }
    }
  }
  for (const name of [...Object.values(ATTR), COLLECTOR_ATTR.EVENT_NAME])
    names.add(`Attributes.${name}`);
  for (const name of [...Object.values(RESOURCE), ATTR.SOURCE]) names.add(`Resource.${name}`);
  return {
    names,
    prefixes: [`Attributes.${ATTR.HTTP_REQUEST_HEADER_PREFIX}`, `Attributes.${ATTR.TASK_ARGS}.`],
  };
}

/** Fields an Elasticsearch query or field list names that our pipeline does not write. */
export function esProblems(item: Pick<Shipped, 'query' | 'fields'>, known = esFields()): string[] {
  const named = [...item.fields, ...(item.query ? luceneFields(item.query) : [])];
  return named
    .filter((f) => !known.names.has(f) && !known.prefixes.some((p) => f.startsWith(p)))
    .map((f) => {
      const near = closest(f, known.names, 2);
      return `field "${f}" is not one our pipeline writes to Elasticsearch${near ? ` (did you mean "${near}"?)` : ''}`;
    });
}
