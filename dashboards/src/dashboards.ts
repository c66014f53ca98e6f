import { ATTR, EVENT, RESOURCE } from '../../packages/core/src/schema.ts';
import { SPAN } from './metrics.ts';
import {
  DS,
  ES_SCOPE,
  LOKI_ALL,
  LOKI_SCOPE,
  esCount,
  esLogs,
  esPercentiles,
  esTable,
  terms,
} from './model.ts';
import type { DataSource, EsTarget, Panel } from './model.ts';
import {
  ES_FIELD,
  LOKI_FIELD,
  esAttr,
  esEvent,
  esEventIn,
  esResource,
  keyword,
  phrase,
} from './names.ts';

/** A panel definition before ids and layout are assigned. */
interface PanelSpec {
  title: string;
  type: Panel['type'];
  description?: string;
  es?: Omit<EsTarget, 'refId' | 'datasource'>;
  esDatasource?: DataSource;
  loki?: string;
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

export const DASHBOARDS: DashboardSpec[] = [
  {
    file: 'service-overview',
    title: 'tracelog / Service overview',
    description:
      'Request rate, errors and latency per route, from http.request records; log volume; recent errors; failed outbound calls.',
    variables: ['service', 'environment'],
    panels: [
      { title: 'Requests by route', type: 'timeseries', es: esCount(httpRequests, [route]) },
      {
        title: 'Server errors (5xx) by route',
        type: 'timeseries',
        es: esCount(`${httpRequests} AND ${esAttr(ATTR.HTTP_RESPONSE_STATUS_CODE)}:[500 TO 599]`, [
          route,
        ]),
      },
      {
        title: 'Latency p50 / p95 / p99 by route (ms)',
        type: 'timeseries',
        es: esPercentiles(httpRequests, esAttr(ATTR.HTTP_DURATION_MS), [route]),
      },
      {
        title: 'Log volume by level',
        type: 'timeseries',
        es: esCount(ES_SCOPE, [terms('3', ES_FIELD.severity)]),
      },
      {
        title: 'Top error messages',
        type: 'table',
        es: esTable(errors, [terms('3', keyword(ES_FIELD.body), 20)]),
      },
      {
        title: 'Recent errors (trace ids link to the correlation explorer)',
        type: 'logs',
        es: esLogs(errors),
      },
      {
        title: 'Outbound call failures',
        type: 'table',
        description:
          'http.client.failure records: outbound fetch calls that got no answer (error.type is the network error code) or a 5xx (error.type is the status), by the host called. Each is also an ERROR record under Recent errors, with url.full and its trace id.',
        es: esTable(`${ES_SCOPE} AND ${esEvent(EVENT.HTTP_CLIENT_FAILURE)}`, [
          terms('3', esAttr(ATTR.SERVER_ADDRESS), 20),
          terms('4', esAttr(ATTR.ERROR_TYPE)),
        ]),
        width: 24,
      },
      {
        title: 'Error log stream (Loki)',
        type: 'logs',
        loki: `${LOKI_SCOPE} | ${LOKI_FIELD.severity}=~"ERROR|FATAL"`,
        width: 24,
      },
    ],
  },
  {
    file: 'correlation-explorer',
    title: 'tracelog / Correlation explorer',
    description:
      'Paste a correlation id (trace id): every log record from browser, services and workers in time order, and the spans.',
    variables: ['trace_id'],
    panels: [
      {
        title: 'Log records with this trace id (Elasticsearch)',
        type: 'logs',
        es: esLogs(byTrace),
        width: 24,
      },
      {
        title: 'Jobs started from this trace (conversation id)',
        type: 'logs',
        es: esLogs(`${esAttr(ATTR.MESSAGING_MESSAGE_CONVERSATION_ID)}:"$trace_id"`),
        width: 24,
      },
      {
        title: 'Spans',
        type: 'table',
        es: esLogs(byTrace),
        esDatasource: DS.esTraces,
        width: 24,
      },
      {
        title: 'Log records with this trace id (Loki)',
        type: 'logs',
        loki: `${LOKI_ALL} | ${LOKI_FIELD.traceId}="$trace_id"`,
        width: 24,
      },
    ],
  },
  {
    file: 'jobs-and-workers',
    title: 'tracelog / Jobs and workers',
    description:
      'Throughput, failures, retries and timings per queue; worker statistics; task outcomes by category.',
    variables: ['service', 'environment'],
    panels: [
      {
        title: 'Jobs succeeded by queue',
        type: 'timeseries',
        es: esCount(jobs(EVENT.JOB_SUCCEEDED), [queue]),
      },
      {
        title: 'Jobs failed by queue',
        type: 'timeseries',
        es: esCount(jobs(EVENT.JOB_FAILED), [queue]),
      },
      {
        title: 'Retries by queue',
        type: 'timeseries',
        es: esCount(jobs(EVENT.JOB_RETRYING), [queue]),
      },
      {
        title: 'Processing time p50 / p95 / p99 by queue (ms)',
        type: 'timeseries',
        es: esPercentiles(jobs(EVENT.JOB_SUCCEEDED), esAttr(ATTR.JOB_DURATION_MS), [queue]),
      },
      {
        title: 'Wait time p50 / p95 / p99 by queue (ms)',
        type: 'timeseries',
        es: esPercentiles(jobs(EVENT.JOB_STARTED), esAttr(ATTR.JOB_WAIT_MS), [queue]),
      },
      {
        title: 'Worker stats (latest report)',
        type: 'table',
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
        es: esTable(`${ES_SCOPE} AND ${tasksDone}`, [
          terms('3', esAttr(ATTR.TASK_CATEGORY)),
          terms('4', esAttr(ATTR.TASK_OUTCOME)),
        ]),
      },
      {
        title: 'Task duration p95 by task (ms)',
        type: 'timeseries',
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
    title: 'tracelog / Front end',
    description: 'Browser errors by message and page, sessions, Web Vitals p75, failed API calls.',
    variables: ['service', 'environment'],
    panels: [
      {
        title: 'Errors by message',
        type: 'table',
        es: esTable(frontendErrors, [terms('3', keyword(esAttr(ATTR.EXCEPTION_MESSAGE)), 20)]),
      },
      {
        title: 'Errors by page',
        type: 'table',
        es: esTable(frontendErrors, [terms('3', esAttr(ATTR.BROWSER_PAGE_URL), 20)]),
      },
      {
        title: 'Sessions started',
        type: 'timeseries',
        es: esCount(`${frontend} AND ${esEvent(EVENT.SESSION_START)}`),
      },
      {
        title: 'Web Vitals p75 by metric',
        type: 'timeseries',
        es: esPercentiles(
          `${frontend} AND ${esEvent(EVENT.BROWSER_WEB_VITAL)}`,
          esAttr(ATTR.WEB_VITAL_VALUE),
          [terms('3', esAttr(ATTR.WEB_VITAL_NAME))],
          ['75'],
        ),
      },
      {
        title: 'Failed API calls (browser fetch spans with status ≥ 400)',
        type: 'table',
        esDatasource: DS.esTraces,
        // By url.full: the browser's client spans carry the called URL (redacted) as the HTTP
        // client conventions define it; url.path is a server span attribute they never have.
        es: esTable(
          `${frontend} AND ${ES_FIELD.kind}:${SPAN.client} AND ${esAttr(ATTR.HTTP_RESPONSE_STATUS_CODE)}:[400 TO 599]`,
          [terms('3', esAttr(ATTR.URL_FULL), 20)],
        ),
      },
    ],
  },
  {
    file: 'logs-explorer',
    title: 'tracelog / Logs explorer',
    description:
      'Every record, filtered by level, component, task and outcome, with free-text search — the task log admin page, in Grafana.',
    variables: ['service', 'environment', 'level', 'component', 'search'],
    panels: [
      {
        title: 'Volume by component',
        type: 'timeseries',
        es: esCount(explorer, [terms('3', ES_FIELD.scope)]),
      },
      {
        title: 'Task runs by outcome',
        type: 'table',
        es: esTable(`${ES_SCOPE} AND ${tasksDone} AND ${ES_FIELD.body}:*$search*`, [
          terms('3', esAttr(ATTR.TASK_NAME)),
          terms('4', esAttr(ATTR.TASK_OUTCOME)),
        ]),
      },
      {
        title: 'Records',
        type: 'logs',
        es: esLogs(explorer),
        width: 24,
      },
      {
        title: 'Records (Loki)',
        type: 'logs',
        loki: `${LOKI_SCOPE} | ${LOKI_FIELD.severity}=~"$level" | ${LOKI_FIELD.scope}=~"$component" |~ "(?i)$search"`,
        width: 24,
      },
    ],
  },
];
