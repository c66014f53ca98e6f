/**
 * Grafana's data sources for tracelog, and the links between them in both directions:
 *   logs → trace: a record's trace id opens the trace in Jaeger and the store's correlation
 *     explorer (VictoriaLogs and Loki: `derivedFields`; Elasticsearch: `dataLinks`);
 *   trace → logs: a span opens every log record of its trace in the store (Jaeger's
 *     `tracesToLogsV2`).
 * Grafana links a trace data source to one logs data source, so each log store has its own entry
 * for the same Jaeger. URLs come from the environment (the compose file sets them); a store you do
 * not run stays an unused entry.
 *
 * Sources for the shapes:
 * - VictoriaLogs data source derived fields (`matcherType: label` takes a record field; with
 *   `datasourceUid` the link is internal, its `url` the query handed to that data source):
 *   https://github.com/VictoriaMetrics/victorialogs-datasource/blob/main/src/README.md#derived-fields
 * - Jaeger `tracesToLogsV2` (`customQuery` with `${__trace.traceId}`; the time range is the span's,
 *   shifted): https://grafana.com/docs/grafana/latest/datasources/jaeger/configure/#trace-to-logs
 *   Grafana builds that query for Loki, Elasticsearch and victoriametrics-logs-datasource
 *   (its trace-to-logs query builder, Grafana 12.2 and later for VictoriaLogs).
 * - Loki `derivedFields`, Elasticsearch `dataLinks`: Grafana's Loki and Elasticsearch data source
 *   docs ("Derived fields", "Data links"); `datasourceUid` makes them internal links.
 * In a provisioning file `$$` stands for `$` (Grafana expands `${NAME}` from the environment).
 */
import { DS, LOKI_ALL, dashboardUid } from './model.ts';
import type { DataSource, Store } from './model.ts';
import { ES_FIELD, LOKI_FIELD, VL_FIELD } from './names.ts';

/** A Grafana macro as a provisioning file must spell it (`$${__value.raw}`). */
const macro = (name: string) => `$\${${name}}`;
const TRACE_ID = macro('__trace.traceId');
const VALUE = macro('__value.raw');

/** The store's correlation explorer, with its trace id set to the link's value. */
const explorer = (store: Store) => {
  const uid = dashboardUid('correlation-explorer', store);
  return `/d/${uid}/${uid}?var-trace_id=${VALUE}`;
};

const entry = (name: string, ds: DataSource, url: string, jsonData: Record<string, unknown>) => ({
  name,
  uid: ds.uid,
  type: ds.type,
  access: 'proxy',
  url,
  jsonData,
});

/** A Jaeger entry whose spans link to their trace's records in one logs data source. */
const jaeger = (name: string, ds: DataSource, logs: DataSource, query: string) =>
  entry(name, ds, '${TRACELOG_JAEGER_URL}', {
    tracesToLogsV2: {
      datasourceUid: logs.uid,
      // A trace's records outlive its spans (jobs run later): an hour either side.
      spanStartTimeShift: '-1h',
      spanEndTimeShift: '1h',
      filterByTraceID: false,
      filterBySpanID: false,
      customQuery: true,
      query,
    },
    nodeGraph: { enabled: true },
  });

/** Both links of a record's trace id: the trace in Jaeger, and the store's correlation explorer. */
const traceLinks = (trace: DataSource, store: Store) => [
  { datasourceUid: trace.uid, url: VALUE, urlDisplayLabel: 'Trace' },
  { url: explorer(store), urlDisplayLabel: 'Correlation explorer' },
];

export function buildDatasources(): Record<string, unknown> {
  const derived = (field: string, trace: DataSource, store: Store) =>
    traceLinks(trace, store).map((link) => ({
      name: field,
      matcherType: 'label',
      matcherRegex: field,
      ...link,
    }));
  const dataLinks = (trace: DataSource) =>
    traceLinks(trace, 'elasticsearch').map((link) => ({ field: ES_FIELD.traceId, ...link }));
  return {
    apiVersion: 1,
    datasources: [
      entry('tracelog VictoriaLogs', DS.victorialogs, '${TRACELOG_VICTORIALOGS_URL}', {
        maxLines: 1000,
        derivedFields: derived(VL_FIELD.traceId, DS.jaeger, 'victorialogs'),
      }),
      jaeger('tracelog Jaeger', DS.jaeger, DS.victorialogs, `${VL_FIELD.traceId}:="${TRACE_ID}"`),
      entry('tracelog Prometheus', DS.prometheus, '${TRACELOG_PROMETHEUS_URL}', {
        httpMethod: 'POST',
        timeInterval: '15s',
      }),
      entry('tracelog Loki', DS.loki, '${TRACELOG_LOKI_URL}', {
        maxLines: 5000,
        // trace_id is structured metadata: a label to the data source.
        derivedFields: derived(LOKI_FIELD.traceId, DS.jaegerLoki, 'loki'),
      }),
      jaeger(
        'tracelog Jaeger (logs in Loki)',
        DS.jaegerLoki,
        DS.loki,
        `${LOKI_ALL} | ${LOKI_FIELD.traceId}="${TRACE_ID}"`,
      ),
      entry('tracelog logs (Elasticsearch)', DS.esLogs, '${TRACELOG_ES_URL}', {
        index: 'tracelog-logs',
        timeField: '@timestamp',
        logMessageField: ES_FIELD.body,
        logLevelField: ES_FIELD.severity,
        maxConcurrentShardRequests: 5,
        dataLinks: dataLinks(DS.jaegerEs),
      }),
      entry('tracelog traces (Elasticsearch)', DS.esTraces, '${TRACELOG_ES_URL}', {
        index: 'tracelog-traces',
        timeField: '@timestamp',
        logMessageField: ES_FIELD.name,
        dataLinks: dataLinks(DS.jaegerEs),
      }),
      jaeger(
        'tracelog Jaeger (logs in Elasticsearch)',
        DS.jaegerEs,
        DS.esLogs,
        `${ES_FIELD.traceId}:"${TRACE_ID}"`,
      ),
    ],
  };
}
