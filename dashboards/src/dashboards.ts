import { ATTR, EVENT, RESOURCE } from '../../packages/core/src/schema.ts';
import {
  VL_SCOPE,
  quantiles,
  vlAll,
  vlCount,
  vlEvent,
  vlEventIn,
  vlIn,
  vlIs,
  vlLogs,
  vlMatches,
  vlRange,
  vlSeries,
  vlTable,
} from './logsql.ts';
import type { VlQuery } from './logsql.ts';
import { SPAN } from './metrics.ts';
import {
  DS,
  ES_SCOPE,
  NEEDS,
  LOKI_ALL,
  LOKI_SCOPE,
  esCount,
  esLogs,
  esPercentiles,
  esTable,
  severity,
  terms,
} from './model.ts';
import type { DataSource, EsTarget, Panel } from './model.ts';
import {
  ES_FIELD,
  LOKI_FIELD,
  VL_FIELD,
  esAttr,
  esEvent,
  esEventIn,
  esResource,
  keyword,
  phrase,
} from './names.ts';

/**
 * A panel definition before ids and layout are assigned: one query per store that has it. The
 * dashboards of a store (`STORES` in model.ts) hold the panels with its query; `traces` panels are
 * on every store's dashboards, through that store's Jaeger data source.
 */
interface PanelSpec {
  title: string;
  type: Panel['type'];
  description?: string;
  /** What it reads beyond OpenTelemetry's conventions (`NEEDS`), appended to the description. */
  needs?: string;
  /** VictoriaLogs (LogsQL). */
  vl?: VlQuery;
  es?: Omit<EsTarget, 'refId' | 'datasource'>;
  esDatasource?: DataSource;
  loki?: string;
  /** A trace id to show as a trace (Jaeger). */
  traces?: string;
  width?: number;
}

export interface DashboardSpec {
  file: string;
  title: string;
  description: string;
  variables: Array<'service' | 'environment' | 'trace_id' | 'level' | 'component' | 'search'>;
  panels: PanelSpec[];
}

const httpRequests = `${ES_SCOPE} AND ${esEvent(EVENT.HTTP_REQUEST)}`;
const errors = `${ES_SCOPE} AND ${ES_FIELD.severity}:(ERROR OR FATAL)`;
const jobs = (event: string) => `${ES_SCOPE} AND ${esEvent(event)}`;
const tasksDone = esEventIn(EVENT.TASK_SUCCESS, EVENT.TASK_FAILURE);
const frontend = `${ES_SCOPE} AND ${esResource(ATTR.SOURCE)}:frontend`;
// The quoted form of browser.error is the one the dashboards have always sent (same matches).
const frontendErrors = `${frontend} AND ${esEventIn(EVENT.EXCEPTION, phrase(EVENT.BROWSER_ERROR))}`;
const byTrace = `${ES_FIELD.traceId}:"$trace_id"`;
const route = terms('3', esAttr(ATTR.HTTP_ROUTE));
const queue = terms('3', esAttr(ATTR.MESSAGING_DESTINATION_NAME));
/** The logs explorer's filters: level, component and message text. */
const explorer = `${ES_SCOPE} AND ${ES_FIELD.severity}:/$level/ AND ${ES_FIELD.scope}:/$component/ AND ${ES_FIELD.body}:*$search*`;

// The same selections in LogsQL.
const vlRequests = vlAll(VL_SCOPE, vlEvent(EVENT.HTTP_REQUEST));
const vlErrors = vlAll(VL_SCOPE, vlIn(VL_FIELD.severity, severity('error'), severity('fatal')));
const vlJobs = (event: string) => vlAll(VL_SCOPE, vlEvent(event));
const vlTasksDone = vlAll(VL_SCOPE, vlEventIn(EVENT.TASK_SUCCESS, EVENT.TASK_FAILURE));
const vlFrontend = vlAll(VL_SCOPE, vlIs(ATTR.SOURCE, 'frontend'));
const vlFrontendErrors = vlAll(vlFrontend, vlEventIn(EVENT.EXCEPTION, EVENT.BROWSER_ERROR));
const vlByTrace = `${VL_FIELD.traceId}:="$trace_id"`;
/** Message text, case-insensitive; an empty search matches every record. */
const vlSearch = `${VL_FIELD.body}:~"(?i)$search"`;
const vlExplorer = vlAll(
  VL_SCOPE,
  vlMatches(VL_FIELD.severity, 'level'),
  vlMatches(VL_FIELD.scope, 'component'),
  vlSearch,
);
const count = (name: string) => [{ name, fn: 'count' as const }];

export const DASHBOARDS: DashboardSpec[] = [
  {
    file: 'service-overview',
    title: 'Service overview',
    description:
      'Request rate, errors and latency per route, from http.request records; log volume; recent errors; failed outbound calls.',
    variables: ['service', 'environment'],
    panels: [
      {
        title: 'Requests by route',
        type: 'timeseries',
        needs: NEEDS.httpRecords,
        vl: vlCount(vlRequests, [ATTR.HTTP_ROUTE], 'requests'),
        es: esCount(httpRequests, [route]),
      },
      {
        title: 'Server errors (5xx) by route',
        type: 'timeseries',
        needs: NEEDS.httpRecords,
        vl: vlCount(
          vlAll(vlRequests, vlRange(ATTR.HTTP_RESPONSE_STATUS_CODE, 500, 599)),
          [ATTR.HTTP_ROUTE],
          'errors',
        ),
        es: esCount(`${httpRequests} AND ${esAttr(ATTR.HTTP_RESPONSE_STATUS_CODE)}:[500 TO 599]`, [
          route,
        ]),
      },
      {
        title: 'Latency p50 / p95 / p99 by route (ms)',
        type: 'timeseries',
        needs: NEEDS.httpRecords,
        vl: vlSeries(vlRequests, [ATTR.HTTP_ROUTE], quantiles(ATTR.HTTP_DURATION_MS, [50, 95, 99])),
        es: esPercentiles(httpRequests, esAttr(ATTR.HTTP_DURATION_MS), [route]),
      },
      {
        title: 'Log volume by level',
        type: 'timeseries',
        vl: vlCount(VL_SCOPE, [VL_FIELD.severity]),
        es: esCount(ES_SCOPE, [terms('3', ES_FIELD.severity)]),
      },
      {
        title: 'Top error messages',
        type: 'table',
        vl: vlTable(vlErrors, [VL_FIELD.body], count('errors'), 20),
        es: esTable(errors, [terms('3', keyword(ES_FIELD.body), 20)]),
      },
      {
        title: 'Recent errors (trace ids link to the trace)',
        type: 'logs',
        vl: vlLogs(vlErrors),
        es: esLogs(errors),
        loki: `${LOKI_SCOPE} | ${LOKI_FIELD.severity}=~"ERROR|FATAL"`,
        width: 24,
      },
      {
        title: 'Outbound call failures',
        type: 'table',
        needs: NEEDS.clientFailureRecords,
        description:
          'http.client.failure records: outbound fetch calls that got no answer (error.type is the network error code) or a 5xx (error.type is the status), by the host called. Each is also an ERROR record under Recent errors, with url.full and its trace id.',
        vl: vlTable(
          vlAll(VL_SCOPE, vlEvent(EVENT.HTTP_CLIENT_FAILURE)),
          [ATTR.SERVER_ADDRESS, ATTR.ERROR_TYPE],
          count('failures'),
          20,
        ),
        es: esTable(`${ES_SCOPE} AND ${esEvent(EVENT.HTTP_CLIENT_FAILURE)}`, [
          terms('3', esAttr(ATTR.SERVER_ADDRESS), 20),
          terms('4', esAttr(ATTR.ERROR_TYPE)),
        ]),
        width: 24,
      },
    ],
  },
  {
    file: 'correlation-explorer',
    title: 'Correlation explorer',
    description:
      'Paste a correlation id (trace id): every log record from browser, services and workers in time order, the jobs it started, and the trace.',
    variables: ['trace_id'],
    panels: [
      {
        title: 'Log records with this trace id',
        type: 'logs',
        vl: vlLogs(vlByTrace),
        es: esLogs(byTrace),
        loki: `${LOKI_ALL} | ${LOKI_FIELD.traceId}="$trace_id"`,
        width: 24,
      },
      {
        title: 'Jobs started from this trace (conversation id)',
        type: 'logs',
        needs: NEEDS.conversation,
        vl: vlLogs(`${ATTR.MESSAGING_MESSAGE_CONVERSATION_ID}:="$trace_id"`),
        es: esLogs(`${esAttr(ATTR.MESSAGING_MESSAGE_CONVERSATION_ID)}:"$trace_id"`),
        width: 24,
      },
      {
        title: 'Trace',
        type: 'traces',
        description:
          'The spans of this trace from Jaeger: which call waited for which, and the failing span. Each span links to its log records.',
        traces: '$trace_id',
        width: 24,
      },
      {
        title: 'Spans',
        type: 'table',
        es: esLogs(byTrace),
        esDatasource: DS.esTraces,
        width: 24,
      },
    ],
  },
  {
    file: 'jobs-and-workers',
    title: 'Jobs and workers',
    description:
      'Throughput, failures, retries and timings per queue; worker statistics; task outcomes by category.',
    variables: ['service', 'environment'],
    panels: [
      {
        title: 'Jobs succeeded by queue',
        type: 'timeseries',
        needs: NEEDS.jobRecords,
        vl: vlCount(vlJobs(EVENT.JOB_SUCCEEDED), [ATTR.MESSAGING_DESTINATION_NAME], 'jobs'),
        es: esCount(jobs(EVENT.JOB_SUCCEEDED), [queue]),
      },
      {
        title: 'Jobs failed by queue',
        type: 'timeseries',
        needs: NEEDS.jobRecords,
        vl: vlCount(vlJobs(EVENT.JOB_FAILED), [ATTR.MESSAGING_DESTINATION_NAME], 'jobs'),
        es: esCount(jobs(EVENT.JOB_FAILED), [queue]),
      },
      {
        title: 'Retries by queue',
        type: 'timeseries',
        needs: NEEDS.jobRecords,
        vl: vlCount(vlJobs(EVENT.JOB_RETRYING), [ATTR.MESSAGING_DESTINATION_NAME], 'retries'),
        es: esCount(jobs(EVENT.JOB_RETRYING), [queue]),
      },
      {
        title: 'Processing time p50 / p95 / p99 by queue (ms)',
        type: 'timeseries',
        needs: NEEDS.jobRecords,
        vl: vlSeries(
          vlJobs(EVENT.JOB_SUCCEEDED),
          [ATTR.MESSAGING_DESTINATION_NAME],
          quantiles(ATTR.JOB_DURATION_MS, [50, 95, 99]),
        ),
        es: esPercentiles(jobs(EVENT.JOB_SUCCEEDED), esAttr(ATTR.JOB_DURATION_MS), [queue]),
      },
      {
        title: 'Wait time p50 / p95 / p99 by queue (ms)',
        type: 'timeseries',
        needs: NEEDS.jobRecords,
        vl: vlSeries(
          vlJobs(EVENT.JOB_STARTED),
          [ATTR.MESSAGING_DESTINATION_NAME],
          quantiles(ATTR.JOB_WAIT_MS, [50, 95, 99]),
        ),
        es: esPercentiles(jobs(EVENT.JOB_STARTED), esAttr(ATTR.JOB_WAIT_MS), [queue]),
      },
      {
        title: 'Worker stats (latest report)',
        type: 'table',
        needs: NEEDS.workerStats,
        description:
          'Each worker process reports cumulative counts: the largest is its latest report.',
        vl: vlTable(
          vlJobs(EVENT.WORKER_STATS),
          [RESOURCE.SERVICE_INSTANCE_ID],
          [
            { name: 'processed', fn: 'max', field: ATTR.WORKER_PROCESSED },
            { name: 'failed', fn: 'max', field: ATTR.WORKER_FAILED },
            { name: 'p95_ms', fn: 'max', field: ATTR.WORKER_DURATION_P95_MS },
          ],
        ),
        es: esTable(
          jobs(EVENT.WORKER_STATS),
          [terms('3', esResource(RESOURCE.SERVICE_INSTANCE_ID))],
          [
            { id: '1', type: 'max', field: esAttr(ATTR.WORKER_PROCESSED) },
            { id: '2', type: 'max', field: esAttr(ATTR.WORKER_FAILED) },
            { id: '4', type: 'max', field: esAttr(ATTR.WORKER_DURATION_P95_MS) },
          ],
        ),
      },
      {
        title: 'Task outcomes by category',
        type: 'barchart',
        needs: NEEDS.taskRecords,
        vl: vlTable(vlTasksDone, [ATTR.TASK_CATEGORY, ATTR.TASK_OUTCOME], count('tasks')),
        es: esTable(`${ES_SCOPE} AND ${tasksDone}`, [
          terms('3', esAttr(ATTR.TASK_CATEGORY)),
          terms('4', esAttr(ATTR.TASK_OUTCOME)),
        ]),
      },
      {
        title: 'Task duration p95 by task (ms)',
        type: 'timeseries',
        needs: NEEDS.taskRecords,
        vl: vlSeries(vlTasksDone, [ATTR.TASK_NAME], quantiles(ATTR.TASK_DURATION_MS, [95])),
        es: esPercentiles(
          `${ES_SCOPE} AND ${tasksDone}`,
          esAttr(ATTR.TASK_DURATION_MS),
          [terms('3', esAttr(ATTR.TASK_NAME))],
          ['95'],
        ),
      },
    ],
  },
  {
    file: 'front-end',
    title: 'Front end',
    description: 'Browser errors by message and page, sessions, Web Vitals p75, failed API calls.',
    variables: ['service', 'environment'],
    panels: [
      {
        title: 'Errors by message',
        type: 'table',
        needs: NEEDS.browser,
        vl: vlTable(vlFrontendErrors, [ATTR.EXCEPTION_MESSAGE], count('errors'), 20),
        es: esTable(frontendErrors, [terms('3', keyword(esAttr(ATTR.EXCEPTION_MESSAGE)), 20)]),
      },
      {
        title: 'Errors by page',
        type: 'table',
        needs: NEEDS.browser,
        vl: vlTable(vlFrontendErrors, [ATTR.BROWSER_PAGE_URL], count('errors'), 20),
        es: esTable(frontendErrors, [terms('3', esAttr(ATTR.BROWSER_PAGE_URL), 20)]),
      },
      {
        title: 'Sessions started',
        type: 'timeseries',
        needs: NEEDS.browser,
        vl: vlCount(vlAll(vlFrontend, vlEvent(EVENT.SESSION_START)), [], 'sessions'),
        es: esCount(`${frontend} AND ${esEvent(EVENT.SESSION_START)}`),
      },
      {
        title: 'Web Vitals p75 by metric',
        type: 'timeseries',
        needs: NEEDS.browser,
        vl: vlSeries(
          vlAll(vlFrontend, vlEvent(EVENT.BROWSER_WEB_VITAL)),
          [ATTR.WEB_VITAL_NAME],
          quantiles(ATTR.WEB_VITAL_VALUE, [75]),
        ),
        es: esPercentiles(
          `${frontend} AND ${esEvent(EVENT.BROWSER_WEB_VITAL)}`,
          esAttr(ATTR.WEB_VITAL_VALUE),
          [terms('3', esAttr(ATTR.WEB_VITAL_NAME))],
          ['75'],
        ),
      },
      {
        title: 'Failed API calls (status ≥ 400)',
        type: 'table',
        needs: NEEDS.browser,
        description:
          'By the URL called (url.full, redacted). VictoriaLogs: the http.request records @tracelog/browser logs for failed calls. Elasticsearch: the browser’s fetch spans.',
        // The browser SDK logs a failed call as an http.request record (logRequests: 'errors', its
        // default). Spans carry url.full as the HTTP client conventions define it; url.path is a
        // server span attribute they never have.
        vl: vlTable(
          vlAll(
            vlFrontend,
            vlEvent(EVENT.HTTP_REQUEST),
            vlRange(ATTR.HTTP_RESPONSE_STATUS_CODE, 400, 599),
          ),
          [ATTR.URL_FULL],
          count('calls'),
          20,
        ),
        esDatasource: DS.esTraces,
        es: esTable(
          `${frontend} AND ${ES_FIELD.kind}:${SPAN.client} AND ${esAttr(ATTR.HTTP_RESPONSE_STATUS_CODE)}:[400 TO 599]`,
          [terms('3', esAttr(ATTR.URL_FULL), 20)],
        ),
      },
    ],
  },
  {
    file: 'logs-explorer',
    title: 'Logs explorer',
    description:
      'Every record, filtered by level, component, task and outcome, with free-text search — the task log admin page, in Grafana.',
    variables: ['service', 'environment', 'level', 'component', 'search'],
    panels: [
      {
        title: 'Volume by component',
        type: 'timeseries',
        vl: vlCount(vlExplorer, [VL_FIELD.scope]),
        es: esCount(explorer, [terms('3', ES_FIELD.scope)]),
      },
      {
        title: 'Task runs by outcome',
        type: 'table',
        needs: NEEDS.taskRecords,
        vl: vlTable(
          vlAll(vlTasksDone, vlSearch),
          [ATTR.TASK_NAME, ATTR.TASK_OUTCOME],
          count('runs'),
        ),
        es: esTable(`${ES_SCOPE} AND ${tasksDone} AND ${ES_FIELD.body}:*$search*`, [
          terms('3', esAttr(ATTR.TASK_NAME)),
          terms('4', esAttr(ATTR.TASK_OUTCOME)),
        ]),
      },
      {
        title: 'Records',
        type: 'logs',
        vl: vlLogs(vlExplorer),
        es: esLogs(explorer),
        loki: `${LOKI_SCOPE} | ${LOKI_FIELD.severity}=~"$level" | ${LOKI_FIELD.scope}=~"$component" |~ "(?i)$search"`,
        width: 24,
      },
    ],
  },
];
