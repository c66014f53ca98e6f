/**
 * Alert rules, written once: the generator emits the LogQL ones as Loki ruler rules and as Grafana
 * file-provisioned rules with the identical LogQL, and the PromQL ones (`prometheus-alerts.ts`)
 * as Prometheus rule files with their promtool tests. Thresholds live here and nowhere else; the
 * metrics dashboards draw them too.
 */
import { ATTR, EVENT, RESOURCE } from '../../packages/core/src/schema.ts';
import { LOKI_ALL } from './model.ts';
import { LOKI_EVENT, LOKI_FIELD, lokiLabel } from './names.ts';
export const THRESHOLDS = {
  errorsPer5m: 20,
  http5xxRatio: 0.05,
  failedJobsPer10m: 5,
  outboundFailuresPer5m: 10,
  frontendErrorsPer5m: 10,
  silentMinutes: 15,
  slowP95Ms: 1000,
  /** p95 of the time jobs wait in their queue before a worker takes them. */
  queueWaitP95Seconds: 30,
  /** Share of an exporter's sending queue in use. */
  collectorQueueRatio: 0.8,
} as const;

export interface AlertRule {
  uid: string;
  title: string;
  /** Anchor in RUNBOOK.md. */
  runbook: string;
  severity: 'critical' | 'warning';
  expr: string;
  for: string;
  summary: string;
}

const all = LOKI_ALL;
const service = lokiLabel(RESOURCE.SERVICE_NAME);
const queue = lokiLabel(ATTR.MESSAGING_DESTINATION_NAME);
/** Label filter: records of one event. */
const event = (name: string) => `${LOKI_EVENT}="${name}"`;
const errorLevels = `${LOKI_FIELD.severity}=~"ERROR|FATAL"`;

export const ALERTS: AlertRule[] = [
  {
    uid: 'tracelog-error-surge',
    title: 'Error-rate surge',
    runbook: 'error-rate-surge',
    severity: 'critical',
    expr: `sum by (${service}) (count_over_time(${all} | ${errorLevels} [5m])) > ${THRESHOLDS.errorsPer5m}`,
    for: '2m',
    summary:
      `{{ $labels.${service} }} logged more than ` +
      THRESHOLDS.errorsPer5m +
      ' errors in 5 minutes',
  },
  {
    uid: 'tracelog-http-5xx-ratio',
    title: 'HTTP 5xx ratio',
    runbook: 'http-5xx-ratio',
    severity: 'critical',
    expr:
      `(sum by (${service}) (count_over_time(${all} | ${event(EVENT.HTTP_REQUEST)} | ${lokiLabel(ATTR.HTTP_RESPONSE_STATUS_CODE)} >= 500 [5m]))` +
      ` / sum by (${service}) (count_over_time(${all} | ${event(EVENT.HTTP_REQUEST)} [5m]))) > ${THRESHOLDS.http5xxRatio}`,
    for: '5m',
    summary:
      'More than ' +
      THRESHOLDS.http5xxRatio * 100 +
      ` % of requests to {{ $labels.${service} }} fail with 5xx`,
  },
  {
    uid: 'tracelog-failing-jobs',
    title: 'Failing jobs',
    runbook: 'failing-jobs',
    severity: 'warning',
    expr: `sum by (${service}, ${queue}) (count_over_time(${all} | ${event(EVENT.JOB_FAILED)} [10m])) > ${THRESHOLDS.failedJobsPer10m}`,
    for: '5m',
    summary: `Jobs on queue {{ $labels.${queue} }} keep failing`,
  },
  {
    uid: 'tracelog-outbound-failures',
    title: 'Outbound API failure surge',
    runbook: 'outbound-api-failure-surge',
    severity: 'warning',
    // @tracelog/node logs one http.client.failure record per failed outbound fetch: a network
    // error (error.type ECONNREFUSED, ETIMEDOUT, …) or an answer with status ≥ 500.
    expr: `sum by (${service}) (count_over_time(${all} | ${event(EVENT.HTTP_CLIENT_FAILURE)} [5m])) > ${THRESHOLDS.outboundFailuresPer5m}`,
    for: '5m',
    summary: `Outbound calls from {{ $labels.${service} }} fail: a dependency is unreachable or answers 5xx`,
  },
  {
    uid: 'tracelog-frontend-errors',
    title: 'Front-end error surge',
    runbook: 'front-end-error-surge',
    severity: 'warning',
    expr: `sum by (${service}) (count_over_time(${all} | ${lokiLabel(ATTR.SOURCE)}="frontend" | ${LOKI_EVENT}=~"${EVENT.EXCEPTION}|${EVENT.BROWSER_ERROR}" [5m])) > ${THRESHOLDS.frontendErrorsPer5m}`,
    for: '5m',
    summary: `Browsers report errors from {{ $labels.${service} }}`,
  },
  {
    uid: 'tracelog-silent-service',
    title: 'Service stopped logging',
    runbook: 'service-stopped-logging',
    severity: 'critical',
    expr:
      `sum by (${service}) (count_over_time(${all} [${THRESHOLDS.silentMinutes}m] offset ${THRESHOLDS.silentMinutes}m))` +
      ` unless sum by (${service}) (count_over_time(${all} [${THRESHOLDS.silentMinutes}m]))`,
    for: '1m',
    summary:
      `{{ $labels.${service} }} logged before but nothing in the last ` +
      THRESHOLDS.silentMinutes +
      ' minutes',
  },
  {
    uid: 'tracelog-slow-requests',
    title: 'Slow requests (p95)',
    runbook: 'slow-requests',
    severity: 'warning',
    expr: `quantile_over_time(0.95, ${all} | ${event(EVENT.HTTP_REQUEST)} | unwrap ${lokiLabel(ATTR.HTTP_DURATION_MS)} [5m]) by (${service}) > ${THRESHOLDS.slowP95Ms}`,
    for: '10m',
    summary: `p95 latency of {{ $labels.${service} }} is over ${THRESHOLDS.slowP95Ms} ms`,
  },
];
