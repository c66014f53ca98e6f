import { readFileSync, readdirSync } from 'node:fs';
import { parser } from '@grafana/lezer-logql';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { STORES, dashboardUid } from '../../dashboards/src/model.ts';
import type { Store } from '../../dashboards/src/model.ts';
import { provisionedDatasources } from '../support/queries-offline.ts';

// Structural checks of everything Grafana and Loki load (no Grafana server is available here).
// That they are what dashboards/src/build.ts generates is checked by `pnpm run check`.
const dir = new URL('../../dashboards/', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, dir), 'utf8');

interface Ref {
  uid: string;
  type: string;
}
interface Dashboard {
  uid: string;
  templating: { list: Array<{ name: string; datasource?: Ref }> };
  panels: Array<{
    title: string;
    type: string;
    datasource: Ref;
    targets: Array<{ datasource: Ref; expr?: string; query?: unknown }>;
  }>;
}

const DIRS = [...Object.values(STORES).map((s) => s.dir), 'metrics-json'];
const dashboards = DIRS.flatMap((d) =>
  readdirSync(new URL(`${d}/`, dir)).map((file) => ({
    dir: d,
    file,
    json: JSON.parse(read(`${d}/${file}`)) as Dashboard,
  })),
);
const datasources = provisionedDatasources() as Array<
  Ref & {
    jsonData?: {
      derivedFields?: Array<{ matcherRegex: string; datasourceUid?: string; url?: string }>;
      dataLinks?: Array<{ field: string; datasourceUid?: string; url?: string }>;
      tracesToLogsV2?: { datasourceUid: string; customQuery?: boolean; query?: string };
    };
  }
>;
const byUid = new Map(datasources.map((d) => [d.uid, d]));
const dashboardUids = new Set(dashboards.map((d) => d.json.uid));

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

/** Where a link leads: a dashboard and the variables it sets, or an internal query of a data source. */
function linkTarget(link: { datasourceUid?: string; url?: string }, value: string) {
  const url = (link.url ?? '').replaceAll('$${__value.raw}', value);
  if (link.datasourceUid) return { datasource: link.datasourceUid, query: url };
  const parsed = new URL(url, 'http://grafana.invalid');
  return {
    dashboard: /^\/d\/([^/]+)/.exec(parsed.pathname)?.[1],
    vars: Object.fromEntries([...parsed.searchParams].map(([k, v]) => [k.replace(/^var-/, ''), v])),
  };
}

describe('dashboards', () => {
  it.each(dashboards.map((d) => [`${d.dir}/${d.file}`, d] as const))(
    '%s: uid from the file name, data sources provisioned, variables defined',
    (_path, { file, json }) => {
      expect(json.uid).toBe(`tracelog-${file.replace(/\.json$/, '')}`);
      const defined = new Set(json.templating.list.map((v) => v.name));
      for (const v of json.templating.list)
        if (v.datasource) expect(byUid.has(v.datasource.uid), `$${v.name}`).toBe(true);
      for (const panel of json.panels) {
        expect(
          byUid.get(panel.datasource.uid)?.type,
          `${panel.title}: ${panel.datasource.uid}`,
        ).toBe(panel.datasource.type);
        for (const target of panel.targets) {
          expect(target.datasource).toEqual(panel.datasource);
          const text = target.expr ?? JSON.stringify(target.query ?? '');
          for (const [, name] of text.matchAll(/\$\{?(\w+)\}?/g)) {
            expect(defined.has(name!), `${panel.title} uses $${name}`).toBe(true);
          }
        }
      }
    },
  );

  it.each(Object.entries(STORES) as Array<[Store, (typeof STORES)[Store]]>)(
    '%s dashboards read only that store and its Jaeger entry, whose spans open that store',
    (store, { dir: d, logs, jaeger }) => {
      const mine = dashboards.filter((x) => x.dir === d);
      expect(mine.length).toBeGreaterThan(0);
      const used = new Set(
        mine.flatMap((x) => x.json.panels.map((p) => byUid.get(p.datasource.uid)!)),
      );
      for (const ds of used) {
        if (ds.type === 'jaeger') expect(ds.uid, store).toBe(jaeger.uid);
        else expect(ds.type, `${store}: ${ds.uid}`).toBe(logs.type);
      }
      expect(byUid.get(jaeger.uid)!.jsonData?.tracesToLogsV2?.datasourceUid).toBe(logs.uid);
      // Each set has the correlation explorer with its trace.
      const explorer = mine.find((x) => x.file.startsWith('correlation-explorer'))!;
      expect(
        explorer.json.panels.filter((p) => p.type === 'traces').map((p) => p.datasource.uid),
      ).toEqual([jaeger.uid]);
    },
  );

  it('every LogQL expression in the dashboards parses', () => {
    const exprs = dashboards.flatMap(({ json }) =>
      json.panels
        .filter((p) => p.datasource.type === 'loki')
        .flatMap((p) => p.targets.map((t) => t.expr)),
    );
    expect(exprs.length).toBeGreaterThan(0);
    for (const expr of exprs) expect(logqlErrors(expr!), expr).toEqual([]);
  });
});

describe('trace links, both ways', () => {
  const logsStores = Object.entries(STORES) as Array<[Store, (typeof STORES)[Store]]>;
  const id = '0af7651916cd43dd8448eb211c80319c';

  it.each(
    logsStores.flatMap(([store, s]) =>
      datasources.filter((d) => d.type === s.logs.type).map((d) => [d.uid, store, s] as const),
    ),
  )(
    '%s: a record’s trace id opens the trace in Jaeger and the correlation explorer',
    (_uid, store, s) => {
      const ds = datasources.find((d) => d.uid === _uid)!;
      const links = [...(ds.jsonData?.derivedFields ?? []), ...(ds.jsonData?.dataLinks ?? [])];
      const targets = links.map((l) => linkTarget(l, id));
      const explorer = dashboardUid('correlation-explorer', store);
      expect(dashboardUids.has(explorer)).toBe(true);
      expect(targets).toEqual(
        expect.arrayContaining([
          { datasource: s.jaeger.uid, query: id },
          { dashboard: explorer, vars: { trace_id: id } },
        ]),
      );
      expect(byUid.get(s.jaeger.uid)?.type).toBe('jaeger');
    },
  );

  it.each(datasources.filter((d) => d.type === 'jaeger').map((d) => [d.uid, d] as const))(
    '%s: a span opens its trace’s records in a logs data source that links back to it',
    (_uid, ds) => {
      const toLogs = ds.jsonData!.tracesToLogsV2!;
      expect(toLogs.customQuery).toBe(true);
      expect(toLogs.query).toContain('$${__trace.traceId}');
      const logs = byUid.get(toLogs.datasourceUid)!;
      expect(logsStores.map(([, s]) => s.logs.uid)).toContain(logs.uid);
      const back = [...(logs.jsonData?.derivedFields ?? []), ...(logs.jsonData?.dataLinks ?? [])];
      expect(back.map((l) => l.datasourceUid)).toContain(ds.uid);
    },
  );
});

describe('alert rules', () => {
  const loki = lokiRules.groups.flatMap((g) => g.rules);
  const grafana = grafanaRules.groups.flatMap((g) => g.rules);

  it('cover the seven conditions, in Loki and Grafana alike, with identical LogQL', () => {
    expect(loki).toHaveLength(7);
    expect(grafana).toHaveLength(7);
    const grafanaExprs = grafana.map(
      (r) => r.data.find((d) => d.datasourceUid === STORES.loki.logs.uid)!.model.expr,
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
