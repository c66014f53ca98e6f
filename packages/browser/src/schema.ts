import type {
  ATTR as CORE_ATTR,
  EVENT as CORE_EVENT,
  LEVELS as CORE_LEVELS,
  RESOURCE as CORE_RESOURCE,
  Level,
} from '@tracelog/core';

/*
 * The names of @tracelog/core's schema that the browser writes, and no others. Importing core's
 * objects would bundle every name the Node SDK and the collector use too (a bundler keeps a whole
 * object when any property is read), about 600 bytes gzipped of a 15 KB budget. The compiler
 * holds each value here to core's (`satisfies` with core's literal types), and a test compares
 * them at run time, so core stays the one place a name is decided.
 */

export const EVENT = {
  HTTP_REQUEST: 'http.request',
  EXCEPTION: 'exception',
  BROWSER_ERROR: 'browser.error',
  BROWSER_CONSOLE: 'browser.console',
  BROWSER_WEB_VITAL: 'browser.web_vital',
  SESSION_START: 'session.start',
  SESSION_END: 'session.end',
} as const satisfies Partial<typeof CORE_EVENT>;

export const RESOURCE = {
  SERVICE_NAME: 'service.name',
  SERVICE_VERSION: 'service.version',
  DEPLOYMENT_ENVIRONMENT: 'deployment.environment.name',
  TELEMETRY_SDK_NAME: 'telemetry.sdk.name',
  TELEMETRY_SDK_LANGUAGE: 'telemetry.sdk.language',
  TELEMETRY_SDK_VERSION: 'telemetry.sdk.version',
} as const satisfies Partial<typeof CORE_RESOURCE>;

export const ATTR = {
  HTTP_REQUEST_METHOD: 'http.request.method',
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  URL_FULL: 'url.full',
  SERVER_ADDRESS: 'server.address',
  USER_AGENT_ORIGINAL: 'user_agent.original',
  HTTP_DURATION_MS: 'http.duration_ms',
  USER_ID: 'user.id',
  SESSION_ID: 'session.id',
  SESSION_PREVIOUS_ID: 'session.previous_id',
  SESSION_DURATION_MS: 'session.duration_ms',
  EXCEPTION_TYPE: 'exception.type',
  EXCEPTION_MESSAGE: 'exception.message',
  EXCEPTION_STACKTRACE: 'exception.stacktrace',
  ERROR_TYPE: 'error.type',
  EXCEPTION_MECHANISM: 'tracelog.exception.mechanism',
  EXCEPTION_FRAMES: 'tracelog.exception.frames',
  REACT_COMPONENT_STACK: 'react.component_stack',
  CODE_FUNCTION_NAME: 'code.function.name',
  CODE_FILE_PATH: 'code.file.path',
  CODE_LINE_NUMBER: 'code.line.number',
  CODE_COLUMN_NUMBER: 'code.column.number',
  BROWSER_PAGE_URL: 'browser.page.url',
  BROWSER_ROUTE: 'browser.route',
  WEB_VITAL_NAME: 'web_vital.name',
  WEB_VITAL_VALUE: 'web_vital.value',
  WEB_VITAL_RATING: 'web_vital.rating',
  APP_VERSION: 'app.version',
  BROWSER_INTERACTION: 'browser.interaction',
  SOURCE: 'tracelog.source',
  REPEAT_COUNT: 'tracelog.repeat_count',
  DEDUPE_WINDOW_MS: 'tracelog.dedupe_window_ms',
  SAMPLE_EVERY: 'tracelog.sample_every',
  CORRELATION_ID: 'tracelog.correlation_id',
} as const satisfies Partial<typeof CORE_ATTR>;

export const LEVELS = [
  'fatal',
  'error',
  'warn',
  'info',
  'debug',
  'trace',
] as const satisfies typeof CORE_LEVELS;

/** OpenTelemetry's severity numbers (core types them as numbers: the test compares values). */
export const SEVERITY_NUMBER: Readonly<Record<Level, number>> = {
  fatal: 21,
  error: 17,
  warn: 13,
  info: 9,
  debug: 5,
  trace: 1,
};
