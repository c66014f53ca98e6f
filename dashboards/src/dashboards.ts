import {
  DS,
  ES_SCOPE,
  LOKI_SCOPE,
  esCount,
  esLogs,
  esPercentiles,
  esTable,
  terms,
} from './model.ts';
import type { DataSource, EsTarget, Panel } from './model.ts';

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

const httpRequests = `${ES_SCOPE} AND Attributes.event.name:"http.request"`;
const errors = `${ES_SCOPE} AND SeverityText:(ERROR OR FATAL)`;
const jobs = (event: string) => `${ES_SCOPE} AND Attributes.event.name:"${event}"`;
const frontend = `${ES_SCOPE} AND Resource.tracelog.source:frontend`;
const route = terms('3', 'Attributes.http.route');
const queue = terms('3', 'Attributes.messaging.destination.name');

export const DASHBOARDS: DashboardSpec[] = [
  {
    file: 'service-overview',
    title: 'tracelog / Service overview',
    description:
      'Request rate, errors and latency per route, from http.request records; log volume; recent errors.',
    variables: ['service', 'environment'],
    panels: [
      { title: 'Requests by route', type: 'timeseries', es: esCount(httpRequests, [route]) },
      {
        title: 'Server errors (5xx) by route',
        type: 'timeseries',
        es: esCount(`${httpRequests} AND Attributes.http.response.status_code:[500 TO 599]`, [
          route,
        ]),
      },
      {
        title: 'Latency p50 / p95 / p99 by route (ms)',
        type: 'timeseries',
        es: esPercentiles(httpRequests, 'Attributes.http.duration_ms', [route]),
      },
      {
        title: 'Log volume by level',
        type: 'timeseries',
        es: esCount(ES_SCOPE, [terms('3', 'SeverityText')]),
      },
      {
        title: 'Top error messages',
        type: 'table',
        es: esTable(errors, [terms('3', 'Body.keyword', 20)]),
      },
      {
        title: 'Recent errors (trace ids link to the correlation explorer)',
        type: 'logs',
        es: esLogs(errors),
      },
      {
        title: 'Error log stream (Loki)',
        type: 'logs',
        loki: `${LOKI_SCOPE} | severity_text=~"ERROR|FATAL"`,
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
        es: esLogs('TraceId:"$trace_id"'),
        width: 24,
      },
      {
        title: 'Jobs started from this trace (conversation id)',
        type: 'logs',
        es: esLogs('Attributes.messaging.message.conversation_id:"$trace_id"'),
        width: 24,
      },
      {
        title: 'Spans',
        type: 'table',
        es: esLogs('TraceId:"$trace_id"'),
        esDatasource: DS.esTraces,
        width: 24,
      },
      {
        title: 'Log records with this trace id (Loki)',
        type: 'logs',
        loki: '{service_name=~".+"} | trace_id="$trace_id"',
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
        es: esCount(jobs('job.succeeded'), [queue]),
      },
      {
        title: 'Jobs failed by queue',
        type: 'timeseries',
        es: esCount(jobs('job.failed'), [queue]),
      },
      { title: 'Retries by queue', type: 'timeseries', es: esCount(jobs('job.retrying'), [queue]) },
      {
        title: 'Processing time p50 / p95 / p99 by queue (ms)',
        type: 'timeseries',
        es: esPercentiles(jobs('job.succeeded'), 'Attributes.job.duration_ms', [queue]),
      },
      {
        title: 'Wait time p50 / p95 / p99 by queue (ms)',
        type: 'timeseries',
        es: esPercentiles(jobs('job.started'), 'Attributes.job.wait_ms', [queue]),
      },
      {
        title: 'Worker stats (latest report)',
        type: 'table',
        es: esTable(
          jobs('worker.stats'),
          [terms('3', 'Resource.service.instance.id')],
          [
            { id: '1', type: 'max', field: 'Attributes.worker.processed' },
            { id: '2', type: 'max', field: 'Attributes.worker.failed' },
            { id: '4', type: 'max', field: 'Attributes.worker.duration_p95_ms' },
          ],
        ),
      },
      {
        title: 'Task outcomes by category',
        type: 'barchart',
        es: esTable(`${ES_SCOPE} AND Attributes.event.name:(task.success OR task.failure)`, [
          terms('3', 'Attributes.task.category'),
          terms('4', 'Attributes.task.outcome'),
        ]),
      },
      {
        title: 'Task duration p95 by task (ms)',
        type: 'timeseries',
        es: esPercentiles(
          `${ES_SCOPE} AND Attributes.event.name:(task.success OR task.failure)`,
          'Attributes.task.duration_ms',
          [terms('3', 'Attributes.task.name')],
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
        es: esTable(`${frontend} AND Attributes.event.name:(exception OR "browser.error")`, [
          terms('3', 'Attributes.exception.message.keyword', 20),
        ]),
      },
      {
        title: 'Errors by page',
        type: 'table',
        es: esTable(`${frontend} AND Attributes.event.name:(exception OR "browser.error")`, [
          terms('3', 'Attributes.browser.page.url', 20),
        ]),
      },
      {
        title: 'Sessions started',
        type: 'timeseries',
        es: esCount(`${frontend} AND Attributes.event.name:"session.start"`),
      },
      {
        title: 'Web Vitals p75 by metric',
        type: 'timeseries',
        es: esPercentiles(
          `${frontend} AND Attributes.event.name:"browser.web_vital"`,
          'Attributes.web_vital.value',
          [terms('3', 'Attributes.web_vital.name')],
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
          `${frontend} AND Kind:SPAN_KIND_CLIENT AND Attributes.http.response.status_code:[400 TO 599]`,
          [terms('3', 'Attributes.url.full', 20)],
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
        es: esCount(
          `${ES_SCOPE} AND SeverityText:/$level/ AND Scope.name:/$component/ AND Body:*$search*`,
          [terms('3', 'Scope.name')],
        ),
      },
      {
        title: 'Task runs by outcome',
        type: 'table',
        es: esTable(
          `${ES_SCOPE} AND Attributes.event.name:(task.success OR task.failure) AND Body:*$search*`,
          [terms('3', 'Attributes.task.name'), terms('4', 'Attributes.task.outcome')],
        ),
      },
      {
        title: 'Records',
        type: 'logs',
        es: esLogs(
          `${ES_SCOPE} AND SeverityText:/$level/ AND Scope.name:/$component/ AND Body:*$search*`,
        ),
        width: 24,
      },
      {
        title: 'Records (Loki)',
        type: 'logs',
        loki: `${LOKI_SCOPE} | severity_text=~"$level" | scope_name=~"$component" |~ "(?i)$search"`,
        width: 24,
      },
    ],
  },
];
