import { readFileSync, readdirSync } from 'node:fs';
import { METRICS_DASHBOARDS, panelNeeds } from '../../dashboards/src/metrics-dashboards.ts';

/**
 * The panels of the dashboards on Prometheus (dashboards/metrics-json), as Grafana loads them,
 * and Grafana's interpolation of their variables, for the tests that run them against a real
 * Prometheus.
 */

export interface PromVariable {
  name: string;
  type: string;
  allValue?: string;
  definition?: string;
  datasource?: { uid: string };
}

export interface MetricsDashboardJson {
  uid: string;
  templating: { list: PromVariable[] };
  panels: Array<{
    title: string;
    datasource: { uid: string };
    targets: Array<{ datasource: { uid: string }; expr: string }>;
  }>;
}

export interface MetricsPanel {
  /** `<file> › <title>`, for test names. */
  name: string;
  /** The dashboard's file name (`service-metrics.json`). */
  file: string;
  title: string;
  expr: string;
  variables: PromVariable[];
  /**
   * What it reads beyond OpenTelemetry's conventions (its source's `needs`); undefined: it claims
   * to show any OpenTelemetry service.
   */
  needs: string | undefined;
}

const dir = new URL('../../dashboards/metrics-json/', import.meta.url);

export const METRICS_DASHBOARD_FILES = readdirSync(dir).map((file) => ({
  file,
  json: JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as MetricsDashboardJson,
}));

export const METRICS_PANELS: MetricsPanel[] = METRICS_DASHBOARD_FILES.flatMap(({ file, json }) => {
  const spec = METRICS_DASHBOARDS.find((d) => `${d.file}.json` === file);
  return json.panels.map((panel) => {
    const source = spec?.panels.find((p) => p.title === panel.title);
    return {
      name: `${file} › ${panel.title}`,
      file,
      title: panel.title,
      expr: panel.targets[0]!.expr,
      variables: json.templating.list,
      needs: spec && source ? panelNeeds(spec, source) : undefined,
    };
  });
});

/** Grafana's interpolation: "All" inserts the variable's all value; one value is regex-escaped. */
export function interpolatePromql(
  expr: string,
  variables: PromVariable[],
  values: Record<string, string>,
): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (match, name: string) => {
    const variable = variables.find((v) => v.name === name);
    if (!variable) return match;
    const value = values[name];
    return value === undefined ? variable.allValue! : value.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&');
  });
}

/** A range query's result has at least one number, as a time-series panel would draw. */
export const rangeHasData = (result: unknown[]) =>
  (result as Array<{ values: Array<[number, string]> }>).some((series) =>
    series.values.some(([, v]) => Number.isFinite(Number(v))),
  );
