/**
 * The telemetry contract: every name that dashboards, alert rules and tests depend on.
 * Semantic-convention names are used where they exist; our own live under `tracelog.*` or a
 * domain namespace (`task.*`, `job.*`). Change a name here and the dashboards must change too.
 */

/** Log record event names (OpenTelemetry LogRecord `eventName`). */
export const EVENT = {
  HTTP_REQUEST: 'http.request',
  /** An outbound HTTP call that failed: a network error, or an answer with status ≥ 500. */
  HTTP_CLIENT_FAILURE: 'http.client.failure',
  TASK_START: 'task.start',
  TASK_STEP: 'task.step',
  TASK_SUCCESS: 'task.success',
  TASK_FAILURE: 'task.failure',
  FUNCTION_TIMING: 'function.timing',
  JOB_ENQUEUED: 'job.enqueued',
  JOB_STARTED: 'job.started',
  JOB_PROGRESS: 'job.progress',
  JOB_RETRYING: 'job.retrying',
  JOB_SUCCEEDED: 'job.succeeded',
  JOB_FAILED: 'job.failed',
  WORKER_STATS: 'worker.stats',
  EXCEPTION: 'exception',
  BROWSER_ERROR: 'browser.error',
  BROWSER_CONSOLE: 'browser.console',
  BROWSER_WEB_VITAL: 'browser.web_vital',
  SESSION_START: 'session.start',
  SESSION_END: 'session.end',
} as const;
export type EventName = (typeof EVENT)[keyof typeof EVENT];

/** Resource attribute names (low cardinality only: Loki turns several into index labels). */
export const RESOURCE = {
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',
  SERVICE_NAMESPACE: 'service.namespace',
  SERVICE_INSTANCE_ID: 'service.instance.id',
  DEPLOYMENT_ENVIRONMENT: 'deployment.environment.name',
  HOST_NAME: 'host.name',
  PROCESS_PID: 'process.pid',
  TELEMETRY_SDK_NAME: 'telemetry.sdk.name',
  TELEMETRY_SDK_LANGUAGE: 'telemetry.sdk.language',
  TELEMETRY_SDK_VERSION: 'telemetry.sdk.version',
  TELEMETRY_DISTRO_NAME: 'telemetry.distro.name',
  TELEMETRY_DISTRO_VERSION: 'telemetry.distro.version',
} as const;

/** Log and span attribute names. */
export const ATTR = {
  // HTTP (semantic conventions)
  HTTP_REQUEST_METHOD: 'http.request.method',
  HTTP_ROUTE: 'http.route',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  URL_PATH: 'url.path',
  URL_QUERY: 'url.query',
  URL_FULL: 'url.full',
  SERVER_ADDRESS: 'server.address',
  CLIENT_ADDRESS: 'client.address',
  USER_AGENT_ORIGINAL: 'user_agent.original',
  /** Prefix for allow-listed request headers: `http.request.header.<lower-case name>`. */
  HTTP_REQUEST_HEADER_PREFIX: 'http.request.header.',
  HTTP_DURATION_MS: 'http.duration_ms',

  // Identity and scoped context
  USER_ID: 'user.id',
  SESSION_ID: 'session.id',
  SESSION_PREVIOUS_ID: 'session.previous_id',
  /** On `session.end`: from the session's start to its last activity. */
  SESSION_DURATION_MS: 'session.duration_ms',

  // Errors (semantic conventions)
  EXCEPTION_TYPE: 'exception.type',
  EXCEPTION_MESSAGE: 'exception.message',
  EXCEPTION_STACKTRACE: 'exception.stacktrace',
  ERROR_TYPE: 'error.type',
  /** How an error was caught: `onerror`, `unhandledrejection`, `react`, `manual`. */
  EXCEPTION_MECHANISM: 'tracelog.exception.mechanism',
  /** Parsed stack frames, one compact `function (file:line:col)` string each, innermost first. */
  EXCEPTION_FRAMES: 'tracelog.exception.frames',
  /** React's component stack from an error boundary. */
  REACT_COMPONENT_STACK: 'react.component_stack',

  // Background tasks: start, steps, success or failure, with duration and category
  TASK_NAME: 'task.name',
  TASK_ID: 'task.id',
  TASK_CATEGORY: 'task.category',
  TASK_STEP: 'task.step',
  TASK_DURATION_MS: 'task.duration_ms',
  TASK_OUTCOME: 'task.outcome',
  /** Prefix of the task's arguments, flattened (`task.args.symbol`) and redacted. */
  TASK_ARGS: 'task.args',

  // Function timing (`timed()`)
  CODE_FUNCTION_NAME: 'code.function.name',
  FUNCTION_DURATION_MS: 'function.duration_ms',
  FUNCTION_HEAP_DELTA_BYTES: 'function.heap_delta_bytes',
  CODE_FILE_PATH: 'code.file.path',
  CODE_LINE_NUMBER: 'code.line.number',
  CODE_COLUMN_NUMBER: 'code.column.number',

  // Messaging and jobs (semantic conventions plus our `job.*` and `bullmq.*`)
  MESSAGING_SYSTEM: 'messaging.system',
  MESSAGING_DESTINATION_NAME: 'messaging.destination.name',
  MESSAGING_MESSAGE_ID: 'messaging.message.id',
  MESSAGING_OPERATION_TYPE: 'messaging.operation.type',
  MESSAGING_OPERATION_NAME: 'messaging.operation.name',
  MESSAGING_MESSAGE_CONVERSATION_ID: 'messaging.message.conversation_id',
  MESSAGING_BATCH_MESSAGE_COUNT: 'messaging.batch.message_count',
  JOB_NAME: 'job.name',
  JOB_ATTEMPT: 'job.attempt',
  JOB_WAIT_MS: 'job.wait_ms',
  JOB_DURATION_MS: 'job.duration_ms',
  JOB_PROGRESS: 'job.progress',
  JOB_DATA: 'job.data',
  WORKER_PROCESSED: 'worker.processed',
  WORKER_SUCCEEDED: 'worker.succeeded',
  WORKER_FAILED: 'worker.failed',
  WORKER_DURATION_P50_MS: 'worker.duration_p50_ms',
  WORKER_DURATION_P95_MS: 'worker.duration_p95_ms',
  WORKER_DURATION_P99_MS: 'worker.duration_p99_ms',

  // Browser
  BROWSER_PAGE_URL: 'browser.page.url',
  BROWSER_ROUTE: 'browser.route',
  WEB_VITAL_NAME: 'web_vital.name',
  WEB_VITAL_VALUE: 'web_vital.value',
  WEB_VITAL_RATING: 'web_vital.rating',
  APP_VERSION: 'app.version',
  /** The interaction that started a trace, e.g. `click button#place-order`. */
  BROWSER_INTERACTION: 'browser.interaction',

  // tracelog's own
  /**
   * Resource attribute `frontend` on everything from the browser: set by the browser SDK, and
   * set again (overriding what the client sent) by the relay in `@tracelog/node`.
   */
  SOURCE: 'tracelog.source',
  /** On a repeat report: how many records like it dedupe suppressed within its window. */
  REPEAT_COUNT: 'tracelog.repeat_count',
  /** On a repeat report: the dedupe window the count covers, in milliseconds. */
  DEDUPE_WINDOW_MS: 'tracelog.dedupe_window_ms',
  /** Set on a record when sampling kept 1 of every N. */
  SAMPLE_EVERY: 'tracelog.sample_every',
  /** The back end's correlation id read from a response (`traceresponse` or a named header). */
  CORRELATION_ID: 'tracelog.correlation_id',
} as const;

/** `task.outcome` values. */
export const TASK_OUTCOME = { SUCCESS: 'success', FAILURE: 'failure' } as const;

/** Metric instrument names (seconds for durations, as the semantic conventions say). */
export const METRIC = {
  HTTP_SERVER_REQUEST_DURATION: 'http.server.request.duration',
  HTTP_CLIENT_REQUEST_DURATION: 'http.client.request.duration',
  MESSAGING_PROCESS_DURATION: 'messaging.process.duration',
  MESSAGING_CLIENT_CONSUMED_MESSAGES: 'messaging.client.consumed.messages',
  MESSAGING_CLIENT_SENT_MESSAGES: 'messaging.client.sent.messages',
  JOB_WAIT_DURATION: 'bullmq.job.wait.duration',
  JOB_ACTIVE: 'bullmq.jobs.active',
  EXPORT_DROPPED: 'tracelog.export.dropped',
  EXPORT_SPOOLED: 'tracelog.export.spooled',
} as const;

// ---------------------------------------------------------------------------------------------
// Names the SDKs do not emit but dashboards and alert rules depend on: made by our collector build
// (`collector/config.yaml`) or by OpenTelemetry itself. They are part of the contract like the
// names above (rename one here and `dashboards/src` follows or fails to build). Nothing a user
// writes carries them; the package exports the attribute names for queries of your own.

/** Log record attributes the collector's transforms set. */
export const COLLECTOR_ATTR = {
  /**
   * The record's event name, copied into an attribute by `transform/event_name`: Loki's OTLP
   * ingestion and Elasticsearch's document shape keep attributes, not event names.
   */
  EVENT_NAME: 'event.name',
  /** The record's severity text, copied by `transform/count` for the count connector. */
  SEVERITY_TEXT: 'severity_text',
} as const;

/** Metrics the collector's connectors make from spans and log records. */
export const COLLECTOR_METRIC = {
  /** span_metrics connector (`namespace: traces.span.metrics`): calls by span kind and status. */
  SPAN_CALLS: 'traces.span.metrics.calls',
  /** span_metrics connector: span duration histogram, unit `s`. */
  SPAN_DURATION: 'traces.span.metrics.duration',
  /** count connector: log records by service, `severity_text` and `event.name`. */
  LOG_RECORDS: 'tracelog.log.records',
  /** count connector: `browser.web_vital` records by `web_vital.name` and `web_vital.rating`. */
  WEB_VITALS: 'tracelog.web_vitals',
} as const;

/** `telemetry.sdk.language` values (OpenTelemetry's): browser JavaScript and Node.js. */
export const SDK_LANGUAGE = { BROWSER: 'webjs', NODE: 'nodejs' } as const;

/** Log levels, most severe first, and their OpenTelemetry severity numbers. */
export const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type Level = (typeof LEVELS)[number];
export const SEVERITY_NUMBER: Readonly<Record<Level, number>> = {
  fatal: 21,
  error: 17,
  warn: 13,
  info: 9,
  debug: 5,
  trace: 1,
};

/** Health-check paths that are neither traced nor logged by default. */
export const DEFAULT_QUIET_PATHS = ['/health', '/healthz', '/ready', '/live', '/metrics'] as const;

/** W3C baggage keys that carry scoped context across process boundaries by default. */
export const DEFAULT_BAGGAGE_KEYS = [ATTR.USER_ID, ATTR.SESSION_ID] as const;
