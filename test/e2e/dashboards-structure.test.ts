import { readFileSync, readdirSync } from 'node:fs';
import { parser } from '@grafana/lezer-logql';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { generatedFiles } from '../../dashboards/src/build.ts';

// Structural checks of everything Grafana and Loki load (no Grafana server is available here).
const dir = new URL('../../dashboards/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, dir), 'utf8');

interface Dashboard {
  uid: string;
  templating: { list: Array<{ name: string }> };
  panels: Array<{
    title: string;
    datasource: { uid: string };
    targets: Array<{ datasource: { uid: string }; expr?: string; query?: string }>;
  }>;
}

const dashboards = readdirSync(new URL('json/', dir)).map((file) => ({
  file,
  json: JSON.parse(read(`json/${file}`)) as Dashboard,
}));
const datasources = parse(read('provisioning/datasources/tracelog.yaml')) as {
  datasources: Array<{ uid: string }>;
};
const dsUids = new Set(datasources.datasources.map((d) => d.uid));
const lokiRules = parse(read('loki-rules/fake/tracelog.yaml')) as {
  groups: Array<{
    rules: Array<{ alert: string; expr: string; annotations: Record<string, string> }>;
  }>;
};
const grafanaRules = parse(read('provisioning/alerting/tracelog-rules.yaml')) as {
  groups: Array<{
    rules: Array<{
      title: string;
      data: Array<{ datasourceUid: string; model: { expr?: string } }>;
      annotations: Record<string, string>;
    }>;
  }>;
};

function logqlErrors(expr: string): string[] {
  // Grafana substitutes variables before Loki sees the query.
  const query = expr.replace(/\$\{?(\w+)\}?/g, 'x');
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(
          `error at ${node.from}: …${query.slice(Math.max(0, node.from - 20), node.to + 20)}…`,
        );
    },
  });
  return errors;
}

describe('dashboards', () => {
  it('are exactly what the generator produces', () => {
    for (const [path, content] of generatedFiles()) expect(read(path), path).toBe(content);
  });

  it.each(dashboards)(
    '$file: uid from the file name, data sources resolve, variables defined',
    ({ file, json }) => {
      expect(json.uid).toBe(`tracelog-${file.replace(/\.json$/, '')}`);
      const defined = new Set(json.templating.list.map((v) => v.name));
      for (const panel of json.panels) {
        expect(dsUids.has(panel.datasource.uid), `${panel.title}: ${panel.datasource.uid}`).toBe(
          true,
        );
        for (const target of panel.targets) {
          expect(dsUids.has(target.datasource.uid)).toBe(true);
          const text = target.expr ?? target.query ?? '';
          for (const [, name] of text.matchAll(/\$\{?(\w+)\}?/g)) {
            expect(defined.has(name!), `${panel.title} uses $${name}`).toBe(true);
          }
        }
      }
    },
  );

  it('every LogQL expression in the dashboards parses', () => {
    const exprs = dashboards.flatMap(({ json }) =>
      json.panels.flatMap((p) => p.targets.map((t) => t.expr).filter(Boolean)),
    );
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) expect(logqlErrors(expr!), expr).toEqual([]);
  });
});

describe('alert rules', () => {
  const loki = lokiRules.groups.flatMap((g) => g.rules);
  const grafana = grafanaRules.groups.flatMap((g) => g.rules);

  it('cover the seven conditions, in Loki and Grafana alike, with identical LogQL', () => {
    expect(loki).toHaveLength(7);
    expect(grafana).toHaveLength(7);
    const grafanaExprs = grafana.map(
      (r) => r.data.find((d) => d.datasourceUid === 'tracelog-loki')!.model.expr,
    );
    expect(grafanaExprs).toEqual(loki.map((r) => r.expr));
  });

  it('every rule expression parses as LogQL', () => {
    for (const rule of loki) expect(logqlErrors(rule.expr), rule.alert).toEqual([]);
  });

  it('every rule links to a runbook section that exists', () => {
    const runbook = read('RUNBOOK.md');
    const anchors = new Set(
      [...runbook.matchAll(/^## (.+)$/gm)].map((m) =>
        m[1]!.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      ),
    );
    for (const rule of [...loki, ...grafana]) {
      const anchor = rule.annotations.runbook_url!.split('#')[1]!;
      expect(anchors.has(anchor), anchor).toBe(true);
    }
  });
});
