export {
  ATTR,
  COLLECTOR_ATTR,
  DEFAULT_BAGGAGE_KEYS,
  DEFAULT_QUIET_PATHS,
  EVENT,
  LEVELS,
  METRIC,
  RESOURCE,
  SEVERITY_NUMBER,
  TASK_OUTCOME,
} from './schema.js';
export type { EventName, Level } from './schema.js';
export { getScopedAttributes, setScopedAttributes } from './scope.js';
export { layered } from './layered-context.js';
export { internedKeys } from './interned-keys.js';
export { histogramSeries, setHistogramSeriesSource } from './histograms.js';
export type {
  HistogramSeries,
  HistogramSeriesOptions,
  HistogramSeriesSource,
} from './histograms.js';
export {
  BULLMQ_PATCHED,
  HTTP_SERVER_PATCHED,
  OTEL_API_GLOBAL,
  OWN_RECORD,
  REDACTED_BY,
  WINSTON_SPLAT,
} from './globals.js';
export {
  ownRecord,
  ownRecordSink,
  pipelineRedactor,
  setOwnRecordSink,
  setPipelineRedactor,
} from './own-record.js';
export type { EncodedAttributes, OwnRecord, OwnRecordSink, OwnRecordWriter } from './own-record.js';
export { BUILTIN_PATTERN_NAMES, createRedactor, luhn } from './redact.js';
export { createCompactRedactor } from './redaction/compact.js';
export {
  KEY_ONLY_WORDS,
  SENSITIVE_PAIRS,
  SENSITIVE_WORDS,
  TOKEN_MIN_LENGTH,
} from './redaction/sensitive.js';
export type { RedactionOptions, Redactor } from './redact.js';
export { TokenBucket } from './ratelimit.js';
export { fingerprint } from './dedupe.js';
export type { Repeats } from './dedupe.js';
export { RecordFilter } from './filter.js';
export type { FilterVerdict, RecordFilterOptions } from './filter.js';
export { TraceContextPropagator } from './tracecontext.js';
export type { QueueInstrumentationOptions } from './queue-options.js';
export { isRetryableStatus, nextBackoff, parseRetryAfter } from './retry.js';
export {
  closest,
  createLevelResolver,
  parseBoolean,
  parseComponentLevels,
  parseDuration,
  parseKeyValueList,
  parseLevel,
  parseList,
  parseSize,
} from './config.js';
