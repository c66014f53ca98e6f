import { readFileSync, readdirSync } from 'node:fs';
import { parser } from '@grafana/lezer-logql';
import { ATTR, RESOURCE } from '@tracelog/core';
import { parse } from 'yaml';
import { ALERTS } from '../../dashboards/src/alerts.ts';
import { DASHBOARDS } from '../../dashboards/src/dashboards.ts';
import { STORES } from '../../dashboards/src/model.ts';
import { closest as closestWithin } from '@tracelog/core';

/**
 * LogQL checked offline (Loki is AGPL-3.0 and never runs here): every expression we ship must
 * parse, and every label it names must be one our pipeline really gives Loki.
 *
 * What Loki makes of an OTLP log record (Loki 3.x native OTLP ingestion; docs:
 * https://grafana.com/docs/loki/v3.7.x/send-data/otel/ , source: grafana/loki
 * pkg/loghttp/push/otlp.go, `otlpToLokiPushRequest` and `otlpLogToPushEntry`):
 * - index (stream) labels: the resource attributes `limits_config.otlp_config` selects with
 *   `action: index_label` (plus Loki's default list unless `ignore_defaults`), and `service_name`,
 *   which Loki always sets;
 * - structured metadata: every other resource attribute, every scope and log attribute, and the
 *   record's own fields `observed_timestamp`, `severity_number`, `severity_text`,
 *   `dropped_attributes_count`, `flags`, `trace_id`, `span_id`, `scope_name`, `scope_version`,
 *   `scope_dropped_attributes_count`;
 * - names are normalized like Prometheus labels (prometheus/otlptranslator `NormalizeLabel`):
 *   every character other than a letter, digit or `_` becomes `_` (so dots → underscores), a
 *   leading digit gets `key_`, a single leading `_` gets `key`; nested maps are flattened with `_`.
 * Structured metadata can be filtered (`| trace_id="…"`), grouped by and unwrapped like any label,
 * but a stream selector (`{…}`) matches index labels only.
 */

const repo = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, repo), 'utf8');

/** An OpenTelemetry attribute name as Loki stores it. */
export function lokiLabelName(attribute: string): string {
  const name = attribute.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^\d/.test(name)) return `key_${name}`;
  if (name.startsWith('_') && !name.startsWith('__')) return `key${name}`;
  return name;
}

/** The record fields Loki's OTLP ingestion stores as structured metadata (see above). */
export const LOKI_OTLP_FIELDS = [
  'observed_timestamp',
  'severity_number',
  'severity_text',
  'dropped_attributes_count',
  'flags',
  'trace_id',
  'span_id',
  'scope_name',
  'scope_version',
  'scope_dropped_attributes_count',
] as const;

/** Loki's default index-label resource attributes (used unless `ignore_defaults: true`). */
const LOKI_DEFAULT_INDEX_ATTRIBUTES = [
  'cloud.availability_zone',
  'cloud.region',
  'container.name',
  'deployment.environment',
  'k8s.cluster.name',
  'k8s.container.name',
  'k8s.cronjob.name',
  'k8s.daemonset.name',
  'k8s.deployment.name',
  'k8s.job.name',
  'k8s.namespace.name',
  'k8s.pod.name',
  'k8s.replicaset.name',
  'k8s.statefulset.name',
  'service.instance.id',
  'service.name',
  'service.namespace',
];

/** Labels Loki itself adds in a pipeline when a parser or unwrap fails. */
const BUILT_IN = new Set(['__error__', '__error_details__']);

export interface PipelineLabels {
  /** Index (stream) labels: all a stream selector may name. */
  index: Set<string>;
  /** Structured metadata keys our records can carry. */
  metadata: Set<string>;
  /** Prefixes of metadata keys flattened from attribute families (`task_args_…`). */
  metadataPrefixes: string[];
}

interface AttributesConfig {
  action: 'index_label' | 'structured_metadata' | 'drop';
  attributes?: string[];
  regex?: string;
}

interface OtlpConfig {
  resource_attributes?: { ignore_defaults?: boolean; attributes_config?: AttributesConfig[] };
  scope_attributes?: AttributesConfig[];
  log_attributes?: AttributesConfig[];
  severity_text_as_label?: boolean;
}

/** The action Loki takes on an attribute under a list of attributes_configs (first match). */
function actionFor(name: string, configs: AttributesConfig[] = []): string | undefined {
  for (const config of configs) {
    if (config.attributes?.includes(name)) return config.action;
    if (config.regex && new RegExp(`^(?:${config.regex})$`).test(name)) return config.action;
  }
  return undefined;
}

/**
 * Attributes the collector's logs/loki pipeline (collector/destinations/loki.yaml, with the
 * processors it names from collector/config.yaml) sets with `set(log|resource.attributes[…], …)`.
 */
function collectorSetAttributes(): { log: string[]; resource: string[] } {
  type Config = {
    processors?: Record<string, { log_statements?: Array<{ statements: string[] }> }>;
    service?: { pipelines?: Record<string, { processors?: string[] }> };
  };
  const base = parse(read('collector/config.yaml')) as Config;
  const overlay = parse(read('collector/destinations/loki.yaml')) as Config;
  const processors = { ...base.processors, ...overlay.processors };
  const statements = (overlay.service?.pipelines?.['logs/loki']?.processors ?? []).flatMap((name) =>
    (processors[name]?.log_statements ?? []).flatMap((group) => group.statements),
  );
  const targets = (kind: string) =>
    statements.flatMap((statement) =>
      [...statement.matchAll(new RegExp(`\\bset\\(${kind}\\.attributes\\["([^"]+)"\\]`, 'g'))].map(
        (m) => m[1]!,
      ),
    );
  return { log: targets('log'), resource: targets('resource') };
}

/**
 * The labels our pipeline gives Loki: index labels from `collector/loki/config.yaml`, structured
 * metadata from the resource and log attributes our SDKs emit (`@tracelog/core`'s schema), the
 * attributes the collector's logs/loki pipeline adds, and Loki's own OTLP fields.
 */
export function pipelineLabels(): PipelineLabels {
  const loki = parse(read('collector/loki/config.yaml')) as {
    limits_config?: { otlp_config?: OtlpConfig };
  };
  const otlp = loki.limits_config?.otlp_config ?? {};
  const resourceConfigs = otlp.resource_attributes?.attributes_config ?? [];
  const added = collectorSetAttributes();
  const declaredIndex = resourceConfigs
    .filter((c) => c.action === 'index_label')
    .flatMap((c) => c.attributes ?? []);
  const defaults = otlp.resource_attributes?.ignore_defaults ? [] : LOKI_DEFAULT_INDEX_ATTRIBUTES;
  // Our SDKs' resource attributes; `tracelog.source` is set on the resource by the browser SDK
  // and the relay.
  const resource = [...Object.values(RESOURCE), ATTR.SOURCE, ...added.resource];
  const isIndex = (name: string) =>
    actionFor(name, resourceConfigs) === 'index_label' ||
    (actionFor(name, resourceConfigs) === undefined && defaults.includes(name));

  const index = new Set(
    [...declaredIndex, ...defaults, ...resource.filter(isIndex)].map(lokiLabelName),
  );
  index.add('service_name');
  if (otlp.severity_text_as_label) index.add('severity_text');

  const metadata = new Set<string>(LOKI_OTLP_FIELDS);
  for (const name of resource)
    if (!isIndex(name) && actionFor(name, resourceConfigs) !== 'drop')
      metadata.add(lokiLabelName(name));
  // Attribute families: allow-listed request headers and a task's flattened arguments.
  const families = new Map<string, string>([
    [ATTR.HTTP_REQUEST_HEADER_PREFIX, ATTR.HTTP_REQUEST_HEADER_PREFIX],
    [ATTR.TASK_ARGS, `${ATTR.TASK_ARGS}.`],
  ]);
  const metadataPrefixes: string[] = [];
  for (const name of [...Object.values(ATTR), ...added.log]) {
    if (actionFor(name, otlp.log_attributes) === 'drop') continue;
    const family = families.get(name);
    if (family) metadataPrefixes.push(lokiLabelName(family));
    else metadata.add(lokiLabelName(name));
  }
  return { index, metadata, metadataPrefixes };
}

/** One place LogQL lives, and the label names it names outside LogQL (variables, links). */
export interface LogqlSource {
  where: string;
  expr?: string;
  /** Label names used outside the expression (a variable's `label_values` label, a link). */
  labels?: string[];
}

interface Variable {
  name: string;
  type: string;
  query?: unknown;
  datasource?: { type?: string; uid?: string };
}
interface DashboardJson {
  templating?: { list: Variable[] };
  panels?: PanelJson[];
}
interface PanelJson {
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Array<{ expr?: string; datasource?: { type?: string; uid?: string } }>;
  panels?: PanelJson[];
}

/**
 * Uids of the Loki data sources Grafana is provisioned with, their derived fields' labels, and the
 * LogQL of the trace-to-logs links that open them (Jaeger's `tracesToLogsV2`).
 */
function lokiDatasources(): {
  uids: Set<string>;
  derived: Array<{ name: string; label: string }>;
  tracesToLogs: Array<{ name: string; expr: string }>;
} {
  const dir = 'dashboards/provisioning/datasources/';
  const uids = new Set<string>();
  const derived: Array<{ name: string; label: string }> = [];
  const links: Array<{ name: string; target: string; expr: string }> = [];
  for (const file of readdirSync(new URL(dir, repo)).filter((f) => /\.ya?ml$/.test(f))) {
    const { datasources } = parse(read(dir + file)) as {
      datasources: Array<{
        uid: string;
        type: string;
        jsonData?: {
          derivedFields?: Array<{ name: string; matcherType?: string; matcherRegex: string }>;
          tracesToLogsV2?: { datasourceUid: string; customQuery?: boolean; query?: string };
        };
      }>;
    };
    for (const ds of datasources) {
      const toLogs = ds.jsonData?.tracesToLogsV2;
      if (toLogs?.customQuery && toLogs.query)
        links.push({
          name: `${file} › ${ds.uid} › tracesToLogsV2`,
          target: toLogs.datasourceUid,
          // In a provisioning file `$$` stands for `$`.
          expr: toLogs.query.replaceAll('$$', '$'),
        });
      if (ds.type !== 'loki') continue;
      uids.add(ds.uid);
      for (const field of ds.jsonData?.derivedFields ?? [])
        if (field.matcherType === 'label')
          derived.push({ name: `${file} › ${ds.uid} › ${field.name}`, label: field.matcherRegex });
    }
  }
  const tracesToLogs = links.filter((l) => uids.has(l.target));
  return { uids, derived, tracesToLogs };
}

/** A Loki variable query: `label_values(<selector>, <label>)`, `label_values(<label>)` or the object form. */
export function lokiVariableSource(where: string, query: unknown): LogqlSource {
  if (typeof query === 'object' && query !== null) {
    const { label, stream } = query as { label?: string; stream?: string };
    return { where, expr: stream || undefined, labels: label ? [label] : [] };
  }
  const text = String(query).trim();
  const values = /^label_values\(\s*(?:(.*),)?\s*(\w+)\s*\)$/s.exec(text);
  if (values) return { where, expr: values[1]?.trim() || undefined, labels: [values[2]!] };
  if (/^label_names\(\s*\)$/.test(text)) return { where, labels: [] };
  return { where, expr: text };
}

/** A Loki ruler rule file (also the shape of the checker's fixtures). */
export function rulerSources(path: string, label = path): LogqlSource[] {
  const { groups } = parse(readFileSync(path, 'utf8')) as {
    groups: Array<{
      name: string;
      rules: Array<{ alert?: string; record?: string; expr: string }>;
    }>;
  };
  return groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `${label} › ${r.alert ?? r.record}`, expr: r.expr })),
  );
}

/** Every LogQL expression and Loki label name we ship, and where it is. */
export function shippedLogql(): LogqlSource[] {
  const sources: LogqlSource[] = [];
  const { uids, derived, tracesToLogs } = lokiDatasources();
  const isLoki = (ds?: { type?: string; uid?: string }) =>
    ds?.type === 'loki' || (ds?.uid !== undefined && uids.has(ds.uid));

  for (const dir of Object.values(STORES).map((store) => `dashboards/${store.dir}/`))
    for (const file of readdirSync(new URL(dir, repo)).filter((f) => f.endsWith('.json'))) {
      const dashboard = JSON.parse(read(`${dir}${file}`)) as DashboardJson;
      const walk = (panels: PanelJson[] = []) => {
        for (const panel of panels) {
          for (const target of panel.targets ?? [])
            if (target.expr && isLoki(target.datasource ?? panel.datasource))
              sources.push({ where: `${dir}${file} › ${panel.title}`, expr: target.expr });
          walk(panel.panels);
        }
      };
      walk(dashboard.panels);
      for (const variable of dashboard.templating?.list ?? [])
        if (variable.type === 'query' && isLoki(variable.datasource))
          sources.push(lokiVariableSource(`${dir}${file} › $${variable.name}`, variable.query));
    }

  for (const spec of DASHBOARDS)
    for (const panel of spec.panels)
      if (panel.loki)
        sources.push({
          where: `dashboards/src/dashboards.ts › ${spec.file} › ${panel.title}`,
          expr: panel.loki,
        });
  for (const alert of ALERTS)
    sources.push({ where: `dashboards/src/alerts.ts › ${alert.uid}`, expr: alert.expr });

  const alerting = 'dashboards/provisioning/alerting/';
  for (const file of readdirSync(new URL(alerting, repo)).filter((f) => /\.ya?ml$/.test(f))) {
    const { groups = [] } = parse(read(alerting + file)) as {
      groups?: Array<{
        rules: Array<{
          title: string;
          data: Array<{ datasourceUid: string; model: { expr?: string } }>;
        }>;
      }>;
    };
    for (const rule of groups.flatMap((g) => g.rules))
      for (const query of rule.data)
        if (uids.has(query.datasourceUid) && query.model.expr)
          sources.push({ where: `${alerting}${file} › ${rule.title}`, expr: query.model.expr });
  }

  const ruler = 'dashboards/loki-rules/';
  for (const tenant of readdirSync(new URL(ruler, repo)))
    for (const file of readdirSync(new URL(`${ruler}${tenant}/`, repo)).filter((f) =>
      /\.ya?ml$/.test(f),
    ))
      sources.push(
        ...rulerSources(
          new URL(`${ruler}${tenant}/${file}`, repo).pathname,
          `${ruler}${tenant}/${file}`,
        ),
      );

  for (const { name, label } of derived)
    sources.push({ where: `dashboards/provisioning/datasources/${name}`, labels: [label] });
  for (const { name, expr } of tracesToLogs)
    sources.push({ where: `dashboards/provisioning/datasources/${name}`, expr });

  // LogQL quoted in the documentation, e.g. `{service_name="orders-api"} | trace_id="<id>"`.
  for (const doc of [
    'README.md',
    'collector/README.md',
    'dashboards/README.md',
    'dashboards/RUNBOOK.md',
    'examples/README.md',
  ])
    for (const [, expr] of read(doc).matchAll(/`(\{\s*\w+\s*(?:=|!=|=~|!~)\s*"[^`]*)`/g))
      sources.push({ where: doc, expr: expr! });
  return sources;
}

/** Grafana's variables as it substitutes them before Loki sees the query. */
function substituteVariables(expr: string): string {
  return expr
    .replace(/\$\{?__(?:interval|rate_interval|range|auto)(?::\w+)?\}?/g, '1m')
    .replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, 'x');
}

type Tree = ReturnType<typeof parser.parse>;
type Node = Tree['topNode'];

const children = (node: Node): Node[] => {
  const list: Node[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) list.push(child);
  return list;
};
const child = (node: Node, name: string) => node.getChild(name) ?? undefined;

/** The labels a query stage or series can be asked about at one point of a query. */
interface Scope {
  names: Set<string>;
  /** A parser without a fixed list (`| json`, `| logfmt`) ran: any other name may exist too. */
  open: boolean;
  /** The record's own labels are all here, attribute families (`task_args_…`) included. */
  record?: boolean;
  scalar?: boolean;
}

/**
 * Problems with one LogQL expression: syntax errors, and label names the pipeline does not
 * produce (in stream selectors, label filters, parsers' inputs, templates, unwrap, keep/drop,
 * grouping, `on`/`ignoring`/`group_left`, label_replace).
 */
export function logqlProblems(source: LogqlSource, labels: PipelineLabels): string[] {
  const problems: string[] = [];
  const known = [...labels.index, ...labels.metadata];
  const suggest = (name: string, among: Iterable<string> = known) => {
    const near = closestWithin(name, among, 2);
    return near ? ` (did you mean "${near}"?)` : '';
  };
  const isMetadata = (name: string) =>
    labels.metadata.has(name) || labels.metadataPrefixes.some((p) => name.startsWith(p));

  const need = (scope: Scope, name: string, where: string) => {
    if (scope.scalar || scope.open || scope.names.has(name) || BUILT_IN.has(name)) return;
    if (scope.record && labels.metadataPrefixes.some((p) => name.startsWith(p))) return;
    problems.push(
      labels.index.has(name) || isMetadata(name)
        ? `${where} "${name}" is no longer a label at that point (${scope.record ? 'dropped or renamed earlier in the pipeline' : `there: ${[...scope.names].sort().join(', ') || 'none'}`})`
        : `${where} "${name}" is neither an index label nor structured metadata our pipeline produces${suggest(name, scope.names)}`,
    );
  };

  for (const name of source.labels ?? [])
    if (!labels.index.has(name) && !isMetadata(name))
      problems.push(
        `label "${name}" is neither an index label nor structured metadata our pipeline produces${suggest(name)}`,
      );
  if (source.expr === undefined) return problems;

  const query = substituteVariables(source.expr);
  const tree = parser.parse(query);
  const errors: string[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(
          `syntax error at ${node.from}: …${query.slice(Math.max(0, node.from - 20), node.to + 20)}…`,
        );
    },
  });
  if (errors.length > 0) return [...problems, ...errors];
  const text = (node: Node) => query.slice(node.from, node.to);
  const unquote = (node: Node) => {
    const raw = text(node);
    if (raw.startsWith('`')) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return raw.slice(1, -1);
    }
  };
  const templateLabels = (template: string) =>
    [...template.matchAll(/\{\{(.*?)\}\}/gs)].flatMap((m) =>
      [...m[1]!.matchAll(/(?:^|[\s(|])\.([A-Za-z_]\w*)/g)].map((n) => n[1]!),
    );

  /** The first Identifier of a label-naming node (Matcher, NumberFilter, …). */
  const labelOf = (node: Node) => child(node, 'Identifier');

  function stage(node: Node, scope: Scope): void {
    switch (node.name) {
      case 'LabelFilter': {
        const visit = (n: Node) => {
          if (
            ['Matcher', 'NumberFilter', 'DurationFilter', 'BytesFilter', 'IpLabelFilter'].includes(
              n.name,
            )
          ) {
            const id = labelOf(n);
            if (id) need(scope, text(id), 'label filter');
            return;
          }
          children(n).forEach(visit);
        };
        visit(node);
        return;
      }
      case 'LabelParser':
      case 'LogfmtParser': {
        if (child(node, 'Regexp') || child(node, 'Pattern')) {
          const pattern = unquote(child(node, 'String')!);
          const names = child(node, 'Regexp')
            ? [...pattern.matchAll(/\(\?P?<(\w+)>/g)].map((m) => m[1]!)
            : [...pattern.matchAll(/<(\w+)>/g)].map((m) => m[1]!).filter((n) => n !== '_');
          for (const name of names) scope.names.add(name);
        } else {
          scope.open = true;
        }
        return;
      }
      case 'JsonExpressionParser':
      case 'LogfmtExpressionParser':
        for (const extraction of node.getChildren('LabelExtractionExpressionList').flatMap((l) => {
          const all: Node[] = [];
          const collect = (n: Node) =>
            n.name === 'LabelExtractionExpression' ? all.push(n) : children(n).forEach(collect);
          collect(l);
          return all;
        }))
          scope.names.add(text(labelOf(extraction)!));
        return;
      case 'LabelFormatExpr': {
        const matchers: Node[] = [];
        const collect = (n: Node) =>
          n.name === 'LabelFormatMatcher' ? matchers.push(n) : children(n).forEach(collect);
        collect(node);
        const renamed: string[] = [];
        const added: string[] = [];
        for (const matcher of matchers) {
          const [dst, src] = matcher.getChildren('Identifier');
          if (src) {
            need(scope, text(src), 'label_format source');
            renamed.push(text(src));
          } else {
            const template = child(matcher, 'String');
            if (template)
              for (const name of templateLabels(unquote(template)))
                need(scope, name, 'label_format template label');
          }
          added.push(text(dst!));
        }
        for (const name of renamed) scope.names.delete(name);
        for (const name of added) scope.names.add(name);
        return;
      }
      case 'LineFormatExpr': {
        const template = child(node, 'String');
        if (template)
          for (const name of templateLabels(unquote(template)))
            need(scope, name, 'line_format template label');
        return;
      }
      case 'KeepLabelsExpr':
      case 'DropLabelsExpr': {
        const keep = node.name === 'KeepLabelsExpr';
        const names: string[] = [];
        const collect = (n: Node) => {
          if (n.name === 'KeepLabel' || n.name === 'DropLabel') {
            const id = child(n, 'Identifier') ?? labelOf(child(n, 'Matcher')!);
            if (id) names.push(text(id));
          } else children(n).forEach(collect);
        };
        collect(node);
        for (const name of names) need(scope, name, keep ? 'keep' : 'drop');
        if (!keep) for (const name of names) scope.names.delete(name);
        return;
      }
      case 'UnwrapExpr':
        for (const part of children(node)) {
          if (part.name === 'Identifier') need(scope, text(part), 'unwrap');
          else stage(part, scope);
        }
        return;
      case 'PipelineExpr':
      case 'PipelineStage':
        for (const part of children(node)) stage(part, scope);
        return;
      default:
        return; // line filters, pipes, decolorize: no label names
    }
  }

  /** A log query (`{…} | …`, with or without a range): checks it, returns its labels. */
  function logQuery(node: Node): Scope {
    const scope: Scope = { names: new Set(known), open: false, record: true };
    for (const part of children(node)) {
      if (part.name === 'Selector') {
        const matchers: Node[] = [];
        const collect = (n: Node) =>
          n.name === 'Matcher' ? matchers.push(n) : children(n).forEach(collect);
        collect(part);
        for (const matcher of matchers) {
          const name = text(labelOf(matcher)!);
          if (labels.index.has(name)) continue;
          problems.push(
            isMetadata(name)
              ? `stream selector label "${name}" is structured metadata, not an index label: filter it after the selector (| ${name}=…)`
              : `stream selector label "${name}" is not an index label our pipeline produces${suggest(name, labels.index)}`,
          );
        }
      } else if (part.name === 'LogExpr' || part.name === 'LogRangeExpr') {
        return logQuery(part); // parenthesized
      } else {
        stage(part, scope);
      }
    }
    return scope;
  }

  function grouping(node: Node | undefined, inner: Scope, where: string): Scope {
    if (!node) return inner;
    const names = node.getChild('Labels')
      ? (() => {
          const all: string[] = [];
          const collect = (n: Node) =>
            n.name === 'Identifier' ? all.push(text(n)) : children(n).forEach(collect);
          collect(node.getChild('Labels')!);
          return all;
        })()
      : [];
    for (const name of names) need(inner, name, where);
    if (child(node, 'Without'))
      return { ...inner, names: new Set([...inner.names].filter((n) => !names.includes(n))) };
    return { names: new Set(names), open: false };
  }

  const groupingLabels = (node: Node | undefined): string[] => {
    if (!node) return [];
    const all: string[] = [];
    const collect = (n: Node) =>
      n.name === 'LabelName' ? all.push(text(n)) : children(n).forEach(collect);
    collect(node);
    return all;
  };

  /** A metric query: checks it, returns the labels of the series it yields. */
  function metric(node: Node): Scope {
    switch (node.name) {
      case 'LogQL':
      case 'Expr':
      case 'MetricExpr': {
        const parts = children(node).filter((c) => !['(', ')'].includes(c.name));
        if (parts.length === 1) return metric(parts[0]!);
        const inner = parts.find((c) => ['Expr', 'MetricExpr', 'LogExpr'].includes(c.name));
        return inner ? metric(inner) : { names: new Set(), open: true };
      }
      case 'LogExpr':
        return logQuery(node);
      case 'LiteralExpr':
        return { names: new Set(), open: false, scalar: true };
      case 'VectorExpr':
        return { names: new Set(), open: false };
      case 'RangeAggregationExpr': {
        const inner = logQuery(child(node, 'LogRangeExpr')!);
        return grouping(child(node, 'Grouping'), inner, 'grouping label');
      }
      case 'VectorAggregationExpr': {
        const inner = metric(child(node, 'MetricExpr')!);
        return grouping(child(node, 'Grouping'), inner, 'grouping label');
      }
      case 'LabelReplaceExpr': {
        const inner = metric(child(node, 'MetricExpr')!);
        const [dst, , src] = node.getChildren('String').map(unquote);
        if (src) need(inner, src, 'label_replace source');
        return { ...inner, names: new Set([...inner.names, dst!]) };
      }
      case 'BinOpExpr': {
        const [left, right] = node.getChildren('Expr').map(metric);
        const modifier = child(node, 'BinOpModifier');
        if (modifier) {
          for (const name of groupingLabels(child(modifier, 'OnOrIgnoringModifier'))) {
            need(left!, name, 'on/ignoring label');
            need(right!, name, 'on/ignoring label');
          }
          // group_left(…) copies labels from the right-hand side; group_right(…) from the left.
          const from = child(modifier, 'GroupLeft') ? right! : left!;
          for (const list of modifier.getChildren('GroupingLabels'))
            for (const name of groupingLabels(list)) need(from, name, 'group_left/right label');
        }
        if (left!.scalar) return right!;
        if (child(node, 'Or'))
          return { names: new Set([...left!.names, ...right!.names]), open: left!.open };
        return left!;
      }
      default:
        return { names: new Set(), open: true };
    }
  }

  metric(tree.topNode);
  return [...problems];
}
