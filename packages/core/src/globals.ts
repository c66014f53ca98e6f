/**
 * Every process-wide key tracelog declares or reads, in one place. They are registered symbols
 * (`Symbol.for`) because our packages can be loaded more than once (the CommonJS and ESM builds,
 * an app's copy beside a dependency's) and must still agree, without importing each other. Each
 * says who writes it and who reads it; nothing else in the packages calls `Symbol.for`.
 */

/**
 * Mark on a log record tracelog's own code built (see `OwnRecord` in `own-record.ts`): its
 * attributes object is fresh, holds only valid values and is handed over, so the Node SDK's logs
 * provider adopts it instead of checking and copying each attribute; any other provider ignores
 * it. It goes last in a literal: a computed key first makes V8 build the whole literal a property
 * at a time.
 * Written by: node `logs/logger.ts`, `logs/record.ts`, `instrumentations/http-server.ts`,
 * `traces/task.ts`; queue-instrumentation `job.ts`, `bullmq.ts`, `worker-stats.ts`.
 * Read by: node `logs/log-provider.ts` (adopts the record's attributes as they are).
 */
export const OWN_RECORD: unique symbol = Symbol.for('tracelog.own-record');

/**
 * Span option (`startSpan(name, { attributes, [REDACTED_BY]: redactor })`): the attributes given
 * were already redacted with that redactor. An instrumentation whose span and records share one
 * attribute set (a job's span, its `job.started` and `job.succeeded`) redacts the set once with
 * `pipelineRedactor()` instead of the pipeline redacting each copy; the pipeline takes the word
 * only from its own redactor, and still redacts whatever is set later.
 * Written by: queue-instrumentation `job.ts`, `producer.ts` (spans started with it).
 * Read by: node `traces/span-provider.ts`, then `traces/span-pipeline.ts` skips those keys.
 */
export const REDACTED_BY: unique symbol = Symbol.for('tracelog.redacted-by');

/**
 * Slot on `globalThis` (mutable): the redactor of the installed SDK's pipeline, `null` when the
 * app turned redaction off. Written by: node `init.ts` (through `setPipelineRedactor`, cleared at
 * shutdown). Read by: queue-instrumentation (through `pipelineRedactor()`), to redact a job's
 * attributes once for its span and records.
 */
export const PIPELINE_REDACTOR_SLOT: unique symbol = Symbol.for('tracelog.pipeline-redactor');

/**
 * Slot on `globalThis` (mutable): the direct path for tracelog's own records (`OwnRecordSink` in
 * `own-record.ts`), present only where the pipeline would do nothing to them but redact and
 * export them as protobuf. Written by: node `init.ts` (through `setOwnRecordSink`, cleared at
 * shutdown). Read by: node `instrumentations/http-server.ts`, `traces/task.ts`;
 * queue-instrumentation `job.ts` (through `ownRecordSink()`).
 */
export const OWN_RECORD_SINK_SLOT: unique symbol = Symbol.for('tracelog.own-record-sink');

/**
 * Slot on `globalThis` (mutable): the meter provider tracelog installed and its bound histogram
 * series. Written by: node `init.ts` (through `setHistogramSeriesSource`, cleared at shutdown).
 * Read by: `histogramSeries()` in `histograms.ts`, which node's HTTP and fetch instrumentations and
 * queue-instrumentation's `instruments.ts` call.
 */
export const HISTOGRAM_SERIES_SLOT: unique symbol = Symbol.for('tracelog.histogram-series');

/**
 * Mark on the `emit` function node's HTTP server instrumentation installs on `Server.prototype`,
 * so a second `init()` (another copy of the package) does not wrap it twice. Written and read by:
 * node `instrumentations/http-server.ts`; read by `internal/selfcheck.ts` through
 * `isHttpServerPatched`.
 */
export const HTTP_SERVER_PATCHED: unique symbol = Symbol.for('tracelog.http.server.patched');

/**
 * Mark on each BullMQ method queue-instrumentation wraps, so a second instrumentation of the same
 * build does not wrap it twice. Written and read by: queue-instrumentation `bullmq.ts`.
 */
export const BULLMQ_PATCHED: unique symbol = Symbol.for('tracelog.bullmq.patched');

// Keys others own that tracelog only reads.

/**
 * Where every copy of `@opentelemetry/api` 1.x keeps its registrations. Written by: the API's
 * `registerGlobal()` (our `init()` and any other SDK). Read by: node `internal/api-global.ts`, to
 * see whether another SDK registered first.
 */
export const OTEL_API_GLOBAL: unique symbol = Symbol.for('opentelemetry.js.api.1');

/**
 * winston's key for the extra arguments of a log call. Written by: winston's `format.splat()`
 * contract (`logform`). Read by: node `logs/record.ts`.
 */
export const WINSTON_SPLAT: unique symbol = Symbol.for('splat');
