/**
 * Generates everything Grafana, Loki, Prometheus and Alertmanager load from the definitions in
 * this folder:
 *   json/<name>.json                          dashboards (uid = tracelog-<file name>)
 *   metrics-json/<name>.json                  dashboards on Prometheus (same uid rule)
 *   provisioning/alerting/tracelog-rules.yaml Grafana file-provisioned alert rules (LogQL)
 *   provisioning/alerting/notifications.yaml  Grafana contact point and notification policy
 *   loki-rules/fake/tracelog.yaml             the LogQL rules for the Loki ruler
 *   prometheus-rules/tracelog.rules.yaml      the PromQL rules for Prometheus
 *   prometheus-rules/tests.yaml               their `promtool test rules` cases
 *   ../collector/alertmanager/alertmanager.yml Alertmanager's route and receiver (a template)
 * Run: node dashboards/src/build.ts   (a test fails when the committed files differ)
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { RESOURCE } from '../../packages/core/src/schema.ts';
import { ALERTS } from './alerts.ts';
import { DASHBOARDS } from './dashboards.ts';
import { METRICS_DASHBOARDS, buildMetricsDashboard } from './metrics-dashboards.ts';
import { PROM_ALERTS, WINDOWS } from './prometheus-alerts.ts';
import type { Windows } from './prometheus-alerts.ts';
import { L } from './metrics.ts';
import type { DashboardSpec } from './dashboards.ts';
import { ALL, DS, dashboard } from './model.ts';
import type { Panel, Target } from './model.ts';
import { ES_FIELD, esResource, lokiLabel } from './names.ts';

const root = new URL('../', import.meta.url);
/** Repository-relative; point it at where your copy of the runbook is served. */
const RUNBOOK = 'dashboards/RUNBOOK.md';

function variable(name: DashboardSpec['variables'][number]): Record<string, unknown> {
  const query = (field: string) => ({
    name,
    label: name,
    type: 'query',
    datasource: DS.esLogs,
    query: JSON.stringify({ find: 'terms', field }),
    includeAll: true,
    allValue: ALL,
    current: { text: 'All', value: '$__all' },
    refresh: 2,
  });
  switch (name) {
    case 'service':
      return query(esResource(RESOURCE.SERVICE_NAME));
    case 'environment':
      return query(esResource(RESOURCE.DEPLOYMENT_ENVIRONMENT));
    case 'component':
      return query(ES_FIELD.scope);
    case 'level':
      return {
        name,
        label: 'level',
        type: 'custom',
        query: 'FATAL,ERROR,WARN,INFO,DEBUG,TRACE',
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

export function buildDashboard(spec: DashboardSpec): Record<string, unknown> {
  let x = 0;
  let y = 0;
  const panels: Panel[] = spec.panels.map((p, index) => {
    const w = p.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const datasource = p.loki ? DS.loki : (p.esDatasource ?? DS.esLogs);
    const target: Target = p.loki
      ? { refId: 'A', datasource, expr: p.loki, queryType: 'range' }
      : { refId: 'A', datasource, ...p.es! };
    const panel: Panel = {
      id: index + 1,
      type: p.type,
      title: p.title,
      datasource,
      gridPos: { x, y, w, h: 8 },
      targets: [target],
    };
    if (p.description) panel.description = p.description;
    x += w;
    return panel;
  });
  return dashboard(spec, spec.variables.map(variable), panels);
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
  for (const spec of DASHBOARDS)
    files.set(`json/${spec.file}.json`, `${JSON.stringify(buildDashboard(spec), null, 2)}\n`);
  for (const spec of METRICS_DASHBOARDS)
    files.set(
      `metrics-json/${spec.file}.json`,
      `${JSON.stringify(buildMetricsDashboard(spec), null, 2)}\n`,
    );
  const header =
    '# Generated by dashboards/src/build.ts from dashboards/src/alerts.ts: edit those, not this.\n';
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

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [path, content] of generatedFiles()) writeFileSync(new URL(path, root), content);
  console.log(`wrote ${generatedFiles().size} files`);
}
