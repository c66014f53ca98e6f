/**
 * Generates everything Grafana and Loki load from the definitions in this folder:
 *   json/<name>.json                          dashboards (uid = tracelog-<file name>)
 *   provisioning/alerting/tracelog-rules.yaml Grafana file-provisioned alert rules
 *   loki-rules/fake/tracelog.yaml             the same rules for the Loki ruler
 * Run: node dashboards/src/build.ts   (a test fails when the committed files differ)
 */
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { ALERTS } from './alerts.ts';
import { DASHBOARDS } from './dashboards.ts';
import type { DashboardSpec } from './dashboards.ts';
import { ALL, DS } from './model.ts';
import type { Panel, Target } from './model.ts';

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
      return query('Resource.service.name');
    case 'environment':
      return query('Resource.deployment.environment.name');
    case 'component':
      return query('Scope.name');
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
  return {
    uid: `tracelog-${spec.file}`,
    title: spec.title,
    description: spec.description,
    tags: ['tracelog'],
    timezone: 'utc',
    schemaVersion: 41,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: { list: spec.variables.map(variable) },
    links: [
      { title: 'tracelog dashboards', type: 'dashboards', tags: ['tracelog'], asDropdown: true },
    ],
    panels,
  };
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

export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const spec of DASHBOARDS)
    files.set(`json/${spec.file}.json`, `${JSON.stringify(buildDashboard(spec), null, 2)}\n`);
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
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [path, content] of generatedFiles()) writeFileSync(new URL(path, root), content);
  console.log(`wrote ${generatedFiles().size} files`);
}
