/**
 * Generates everything Grafana, Loki, Prometheus and Alertmanager load from the definitions in
 * this folder:
 *   json/victorialogs/<name>.json             record dashboards on VictoriaLogs and Jaeger
 *                                             (uid = tracelog-<file name>)
 *   json/elasticsearch/<name>-es.json         the same on Elasticsearch (same uid rule)
 *   json/loki/<name>-loki.json                the same on Loki, where a panel has LogQL
 *   metrics-json/<name>.json                  dashboards on Prometheus (same uid rule)
 *   provisioning/datasources/tracelog.yaml    Grafana data sources and the links between them
 *   provisioning/alerting/tracelog-rules.yaml Grafana file-provisioned alert rules (LogQL)
 *   provisioning/alerting/notifications.yaml  Grafana contact point and notification policy
 *   loki-rules/fake/tracelog.yaml             the LogQL rules for the Loki ruler
 *   prometheus-rules/tracelog.rules.yaml      the PromQL rules for Prometheus
 *   prometheus-rules/tests.yaml               their `promtool test rules` cases
 *   ../collector/alertmanager/alertmanager.yml Alertmanager's route and receiver (a template)
 * Run: node dashboards/src/build.ts           write them
 *      node dashboards/src/build.ts --check   write nothing; exit 1 naming every committed file
 *                                             that differs, is missing or is not generated
 *                                             (`pnpm run check` runs this)
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { LEVELS, RESOURCE } from '../../packages/core/src/schema.ts';
import { ALERTS } from './alerts.ts';
import { DASHBOARDS } from './dashboards.ts';
import { METRICS_DASHBOARDS, buildMetricsDashboard } from './metrics-dashboards.ts';
import { PROM_ALERTS, WINDOWS } from './prometheus-alerts.ts';
import type { Windows } from './prometheus-alerts.ts';
import { L } from './metrics.ts';
import type { DashboardSpec } from './dashboards.ts';
import { buildDatasources } from './datasources.ts';
import {
  ALL,
  DS,
  LOKI_ALL,
  STORES,
  dashboard,
  dashboardFile,
  describePanel,
  severity,
} from './model.ts';
import type { Panel, Store, Target } from './model.ts';
import { ES_FIELD, LOKI_FIELD, VL_FIELD, esResource, lokiLabel } from './names.ts';

const root = new URL('../', import.meta.url);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Repository-relative; point it at where your copy of the runbook is served. */
const RUNBOOK = 'dashboards/RUNBOOK.md';

/** A variable offering a field's values, from the store's own data source. */
function fieldValues(
  name: string,
  store: Store,
  field: Record<Store, string>,
): Record<string, unknown> {
  const common = {
    name,
    label: name,
    type: 'query',
    includeAll: true,
    allValue: ALL,
    current: { text: 'All', value: '$__all' },
    refresh: 2,
  };
  switch (store) {
    case 'victorialogs':
      // The data source's variable query: the values of one field (GET /select/logsql/field_values).
      return {
        ...common,
        datasource: DS.victorialogs,
        query: {
          refId: 'VariableQuery',
          type: 'fieldValue',
          field: field.victorialogs,
          query: '*',
          limit: 1000,
        },
      };
    case 'elasticsearch':
      return {
        ...common,
        datasource: DS.esLogs,
        query: JSON.stringify({ find: 'terms', field: field.elasticsearch }),
      };
    case 'loki':
      return { ...common, datasource: DS.loki, query: field.loki };
  }
}

function variable(name: DashboardSpec['variables'][number], store: Store): Record<string, unknown> {
  switch (name) {
    case 'service':
      return fieldValues(name, store, {
        victorialogs: RESOURCE.SERVICE_NAME,
        elasticsearch: esResource(RESOURCE.SERVICE_NAME),
        loki: `label_values(${lokiLabel(RESOURCE.SERVICE_NAME)})`,
      });
    case 'environment':
      return fieldValues(name, store, {
        victorialogs: RESOURCE.DEPLOYMENT_ENVIRONMENT,
        elasticsearch: esResource(RESOURCE.DEPLOYMENT_ENVIRONMENT),
        loki: `label_values(${lokiLabel(RESOURCE.DEPLOYMENT_ENVIRONMENT)})`,
      });
    case 'component':
      return fieldValues(name, store, {
        victorialogs: VL_FIELD.scope,
        elasticsearch: ES_FIELD.scope,
        loki: `label_values(${LOKI_ALL}, ${LOKI_FIELD.scope})`,
      });
    case 'level':
      return {
        name,
        label: 'level',
        type: 'custom',
        query: LEVELS.map(severity).join(','),
        includeAll: true,
        allValue: ALL,
        current: { text: 'All', value: '$__all' },
      };
    case 'trace_id':
      return {
        name,
        label: 'correlation id (trace id)',
        type: 'textbox',
        query: '',
        current: { text: '', value: '' },
      };
    case 'search':
      return {
        name,
        label: 'message contains',
        type: 'textbox',
        query: '',
        current: { text: '', value: '' },
      };
  }
}

/**
 * Rows of a VictoriaLogs `stats` query arrive as one series per group and stat; a table shows
 * one row per group, a column per grouping field and stat (Grafana's "Labels to fields", the
 * stat's name as the value column, then "Merge").
 */
const STATS_TABLE = [
  { id: 'labelsToFields', options: { mode: 'columns', valueLabel: '__name__' } },
  { id: 'merge', options: {} },
];

/** The panel's query for a store, if it has one there. */
function targetFor(p: DashboardSpec['panels'][number], store: Store): Target | undefined {
  if (p.traces !== undefined)
    return { refId: 'A', datasource: STORES[store].jaeger, query: p.traces };
  switch (store) {
    case 'victorialogs':
      return p.vl && { refId: 'A', datasource: DS.victorialogs, ...p.vl };
    case 'elasticsearch':
      return p.es && { refId: 'A', datasource: p.esDatasource ?? DS.esLogs, ...p.es };
    case 'loki':
      return p.loki === undefined
        ? undefined
        : { refId: 'A', datasource: DS.loki, expr: p.loki, queryType: 'range' };
  }
}

/** The record dashboard of one store, or none when no panel has a query there. */
export function buildDashboard(
  spec: DashboardSpec,
  store: Store,
): Record<string, unknown> | undefined {
  const withTargets = spec.panels.flatMap((p) => {
    const target = targetFor(p, store);
    return target ? [{ p, target }] : [];
  });
  if (!withTargets.some(({ p }) => p.traces === undefined)) return undefined;
  let x = 0;
  let y = 0;
  const panels: Panel[] = withTargets.map(({ p, target }, index) => {
    const w = p.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const panel: Panel = {
      id: index + 1,
      type: p.type,
      title: p.title,
      datasource: target.datasource,
      gridPos: { x, y, w, h: 8 },
      targets: [target],
    };
    const description = describePanel(p.description, p.needs);
    if (description) panel.description = description;
    if ('queryType' in target && target.queryType === 'stats') panel.transformations = STATS_TABLE;
    x += w;
    return panel;
  });
  const name = STORES[store].name;
  return dashboard(
    {
      file: dashboardFile(spec.file, store),
      title: `tracelog / ${spec.title}${store === 'victorialogs' ? '' : ` (${name})`}`,
      description: `${spec.description} (${name}${spec.panels.some((p) => p.traces) ? ', Jaeger' : ''})`,
      tags: [store],
    },
    spec.variables.map((v) => variable(v, store)),
    panels,
  );
}

export function buildLokiRules(): Record<string, unknown> {
  return {
    groups: [
      {
        name: 'tracelog',
        interval: '1m',
        rules: ALERTS.map((a) => ({
          alert: a.title
            .split(/[^A-Za-z0-9]+/)
            .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
            .join(''),
          expr: a.expr,
          for: a.for,
          labels: { severity: a.severity, source: 'tracelog' },
          annotations: { summary: a.summary, runbook_url: `${RUNBOOK}#${a.runbook}` },
        })),
      },
    ],
  };
}

export function buildGrafanaRules(): Record<string, unknown> {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: 'tracelog',
        folder: 'tracelog',
        interval: '1m',
        rules: ALERTS.map((a) => ({
          uid: a.uid,
          title: a.title,
          condition: 'C',
          data: [
            {
              refId: 'A',
              relativeTimeRange: { from: 900, to: 0 },
              datasourceUid: DS.loki.uid,
              model: { refId: 'A', expr: a.expr, queryType: 'instant', editorMode: 'code' },
            },
            {
              refId: 'B',
              datasourceUid: '__expr__',
              model: {
                refId: 'B',
                type: 'reduce',
                expression: 'A',
                reducer: 'last',
                settings: { mode: 'dropNN' },
              },
            },
            {
              refId: 'C',
              datasourceUid: '__expr__',
              // The LogQL already compares with the threshold: any series left means firing.
              model: {
                refId: 'C',
                type: 'threshold',
                expression: 'B',
                conditions: [{ evaluator: { type: 'gt', params: [0] } }],
              },
            },
          ],
          noDataState: 'OK',
          execErrState: 'Error',
          for: a.for,
          labels: { severity: a.severity, source: 'tracelog' },
          annotations: { summary: a.summary, runbook_url: `${RUNBOOK}#${a.runbook}` },
        })),
      },
    ],
  };
}

/** Labels every Prometheus alert carries besides those its expression yields. */
function promLabels(severity: string): Record<string, string> {
  return { service: `{{ $labels.${L.service} }}`, severity, source: 'tracelog' };
}

export interface PromRuleOptions {
  windows?: Windows;
  /** Replaces every rule's `for` (the end-to-end test uses a short one). */
  for?: string;
  /** The group's evaluation interval. */
  interval?: string;
}

/** The Prometheus rule file; the defaults are the committed one. */
export function buildPrometheusRules(opts: PromRuleOptions = {}): Record<string, unknown> {
  const windows = opts.windows ?? WINDOWS;
  return {
    groups: [
      {
        name: 'tracelog',
        ...(opts.interval ? { interval: opts.interval } : {}),
        rules: PROM_ALERTS.map((a) => ({
          alert: a.alert,
          expr: a.expr(windows),
          for: opts.for ?? a.for,
          labels: promLabels(a.severity),
          annotations: { summary: a.summary, runbook_url: `${RUNBOOK}#${a.runbook}` },
        })),
      },
    ],
  };
}

/** `promtool test rules` input: every rule's cases, each asserting exactly what fires. */
export function buildPromtoolTests(): Record<string, unknown> {
  const fill = (text: string, labels: Record<string, string>) =>
    text.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, name: string) => labels[name] ?? '');
  return {
    rule_files: ['tracelog.rules.yaml'],
    evaluation_interval: '1m',
    tests: PROM_ALERTS.flatMap((a) =>
      a.cases.map((c) => ({
        name: `${a.alert}: ${c.name}`,
        interval: '1m',
        input_series: c.series.map(([series, values]) => ({ series, values })),
        alert_rule_test: [
          {
            eval_time: c.at,
            alertname: a.alert,
            exp_alerts: c.fires
              ? [
                  {
                    exp_labels: {
                      ...c.fires,
                      ...promLabels(a.severity),
                      service: c.fires[L.service],
                    },
                    exp_annotations: {
                      summary: fill(a.summary, c.fires),
                      runbook_url: `${RUNBOOK}#${a.runbook}`,
                    },
                  },
                ]
              : [],
          },
        ],
      })),
    ),
  };
}

/** How notifications are grouped and paced, for Alertmanager and Grafana alike. */
export const NOTIFY = {
  receiver: 'tracelog',
  groupBy: ['service'],
  groupWait: '30s',
  groupInterval: '5m',
  repeatInterval: '4h',
} as const;

/**
 * Alertmanager's configuration, a template like collector/prometheus/prometheus.yml: the stack
 * script and the tests fill in the placeholders (Alertmanager does not read the environment).
 */
export function buildAlertmanagerConfig(): Record<string, unknown> {
  return {
    route: {
      receiver: NOTIFY.receiver,
      group_by: NOTIFY.groupBy,
      group_wait: `\${TRACELOG_ALERTMANAGER_GROUP_WAIT:-${NOTIFY.groupWait}}`,
      group_interval: `\${TRACELOG_ALERTMANAGER_GROUP_INTERVAL:-${NOTIFY.groupInterval}}`,
      repeat_interval: NOTIFY.repeatInterval,
    },
    receivers: [
      {
        name: NOTIFY.receiver,
        webhook_configs: [
          {
            url: '${TRACELOG_ALERT_WEBHOOK_URL:-http://localhost:9099/alerts}',
            send_resolved: true,
          },
        ],
      },
    ],
  };
}

/** Grafana's contact point and notification policy for its own (LogQL) rules: the same shape. */
export function buildGrafanaNotifications(): Record<string, unknown> {
  return {
    apiVersion: 1,
    contactPoints: [
      {
        orgId: 1,
        name: NOTIFY.receiver,
        receivers: [
          {
            uid: 'tracelog-webhook',
            type: 'webhook',
            settings: { url: '${TRACELOG_ALERT_WEBHOOK_URL}', httpMethod: 'POST' },
            disableResolveMessage: false,
          },
        ],
      },
    ],
    policies: [
      {
        orgId: 1,
        receiver: NOTIFY.receiver,
        // Grafana's rules carry service_name (the LogQL groups by it), Prometheus's service.
        group_by: [lokiLabel(RESOURCE.SERVICE_NAME)],
        group_wait: NOTIFY.groupWait,
        group_interval: NOTIFY.groupInterval,
        repeat_interval: NOTIFY.repeatInterval,
      },
    ],
  };
}

export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const store of Object.keys(STORES) as Store[])
    for (const spec of DASHBOARDS) {
      const built = buildDashboard(spec, store);
      if (built)
        files.set(
          `${STORES[store].dir}/${dashboardFile(spec.file, store)}.json`,
          `${JSON.stringify(built, null, 2)}\n`,
        );
    }
  for (const spec of METRICS_DASHBOARDS)
    files.set(
      `metrics-json/${spec.file}.json`,
      `${JSON.stringify(buildMetricsDashboard(spec), null, 2)}\n`,
    );
  const header =
    '# Generated by dashboards/src/build.ts from dashboards/src/alerts.ts: edit those, not this.\n';
  files.set(
    'provisioning/datasources/tracelog.yaml',
    '# Generated by dashboards/src/build.ts from dashboards/src/datasources.ts: edit that, not this.\n' +
      '# Link shapes: https://github.com/VictoriaMetrics/victorialogs-datasource/blob/main/src/README.md#derived-fields\n' +
      '# and https://grafana.com/docs/grafana/latest/datasources/jaeger/configure/#trace-to-logs\n' +
      stringify(buildDatasources(), { lineWidth: 0, singleQuote: true }),
  );
  files.set(
    'loki-rules/fake/tracelog.yaml',
    header + stringify(buildLokiRules(), { lineWidth: 0 }),
  );
  files.set(
    'provisioning/alerting/tracelog-rules.yaml',
    header + stringify(buildGrafanaRules(), { lineWidth: 0 }),
  );
  const promHeader =
    '# Generated by dashboards/src/build.ts from dashboards/src/prometheus-alerts.ts: edit that, not this.\n';
  files.set(
    'provisioning/alerting/notifications.yaml',
    '# Generated by dashboards/src/build.ts: edit that, not this.\n' +
      stringify(buildGrafanaNotifications(), { lineWidth: 0 }),
  );
  files.set(
    'prometheus-rules/tracelog.rules.yaml',
    promHeader + stringify(buildPrometheusRules(), { lineWidth: 0 }),
  );
  files.set(
    'prometheus-rules/tests.yaml',
    promHeader + stringify(buildPromtoolTests(), { lineWidth: 0 }),
  );
  files.set(
    '../collector/alertmanager/alertmanager.yml',
    '# Generated by dashboards/src/build.ts: edit that, not this.\n' +
      '# A template: ${NAME:-default} is filled in by collector/scripts/stack.sh and the tests.\n' +
      stringify(buildAlertmanagerConfig(), { lineWidth: 0 }),
  );
  return files;
}

/** Folders holding only generated dashboards: anything else in them is left over. */
const DASHBOARD_DIRS = [...Object.values(STORES).map((store) => store.dir), 'metrics-json'];

/** A generated file's path from the repository's root, as a reader would open it. */
const fromRepo = (path: string) => relative(repoRoot, fileURLToPath(new URL(path, root)));

/**
 * What the committed tree gets wrong: generated files it lacks or holds differently, and files in
 * the dashboard folders the generator no longer makes.
 */
function staleFiles(files: Map<string, string>): string[] {
  const stale = [...files]
    .filter(([path, content]) => {
      const file = new URL(path, root);
      return !existsSync(file) || readFileSync(file, 'utf8') !== content;
    })
    .map(([path]) => fromRepo(path));
  for (const dir of DASHBOARD_DIRS)
    for (const name of readdirSync(new URL(`${dir}/`, root)))
      if (!files.has(`${dir}/${name}`)) stale.push(`${fromRepo(`${dir}/${name}`)} (not generated)`);
  return stale;
}

function writeFiles(files: Map<string, string>): void {
  for (const [path, content] of files) {
    const file = new URL(path, root);
    mkdirSync(new URL('./', file), { recursive: true });
    writeFileSync(file, content);
  }
  console.log(`wrote ${files.size} files`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = generatedFiles();
  if (!process.argv.includes('--check')) writeFiles(files);
  else {
    const stale = staleFiles(files);
    if (stale.length > 0) {
      console.error(
        `dashboards: stale: ${stale.join(', ')}\nrun: node dashboards/src/build.ts (and delete what is not generated)`,
      );
      process.exit(1);
    }
    console.log(`dashboards: ${files.size} files up to date`);
  }
}
