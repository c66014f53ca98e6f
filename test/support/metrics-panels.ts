import { readFileSync, readdirSync } from 'node:fs';
import {
  PANEL_RANGE,
  METRICS_DASHBOARDS,
  panelNeeds,
} from '../../dashboards/src/metrics-dashboards.ts';
import type { Prometheus, RangeSeries } from './metrics.ts';

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

/** The panels' range in seconds (`[5m]` in every rate). */
export const WINDOW_S = Number(/^(\d+)m$/.exec(PANEL_RANGE)![1]) * 60;

/** A group of a panel (a series it draws), by the labels it sums by: `{"service_name":"api"}`. */
export const groupKey = (labels: Record<string, string>, by: readonly string[]) =>
  JSON.stringify(Object.fromEntries(by.map((l) => [l, labels[l] ?? ''])));

/** What the counters of one group hold, and what a rate over their samples can give. */
export interface CounterGroup {
  labels: Record<string, string>;
  /** The counters' values at the end of the range: everything counted so far. */
  total: number;
  /** Bounds on `rate(...[range]) × range` (which is also `increase(...[range])`). */
  low: number;
  high: number;
  /** Whether any of its series has the two samples a rate needs. */
  rated: boolean;
}

/**
 * Counters' samples in a panel's range (a range selector's result), summed by `by`, and what
 * Prometheus's rate over them can give. For one series, a rate × range lies between its increase
 * from its first sample in the range to its last (`low`) and that increase extrapolated by at
 * most 1.1 sample intervals at each end of the range (`high`); a counter that counts from zero
 * (its first sample 0) has nothing to extrapolate at the start, so `low` is then everything it
 * counted. A series with one sample has no rate.
 */
export function counterGroups(
  series: RangeSeries[],
  by: readonly string[],
): Map<string, CounterGroup> {
  const groups = new Map<string, CounterGroup>();
  for (const { metric, values } of series) {
    const k = groupKey(metric, by);
    const labels = JSON.parse(k) as Record<string, string>;
    const group = groups.get(k) ?? { labels, total: 0, low: 0, high: 0, rated: false };
    const first = Number(values[0]![1]);
    const last = Number(values.at(-1)![1]);
    group.total += last;
    if (values.length > 1) {
      group.rated = true;
      group.low += last - first;
      group.high += (last - first) * (1 + 2.2 / (values.length - 1));
    }
    groups.set(k, group);
  }
  return groups;
}

/** A histogram's bucket bounds (its `le` labels, +Inf left out), for the series `selector` picks. */
export async function bucketBounds(prometheus: Prometheus, selector: string): Promise<number[]> {
  const les = await prometheus.query(`count by (le) (${selector})`);
  return les
    .map((s) => Number(s.metric.le))
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
}

/**
 * What `histogram_quantile` can give when the sample at the quantile's rank lies in
 * [`least`, `most`]: it interpolates inside that sample's bucket, so anywhere from the bound below
 * `least`'s bucket (0 for the first) to the bound above `most`.
 */
export function bucketRange(bounds: number[], least: number, most: number): [number, number] {
  const lower = bounds.filter((le) => le < least).at(-1) ?? 0;
  const upper = bounds.find((le) => most <= le) ?? Infinity;
  return [lower, upper];
}
