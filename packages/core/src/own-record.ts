import type { LogRecord, SpanContext } from '@opentelemetry/api';
import type { Redactor } from './redact.js';

/**
 * Marks a log record built by tracelog's own code (its loggers and instrumentations): the
 * attributes object is fresh, holds only valid attribute values and is handed over, so the Node
 * SDK's logs provider adopts it as it is instead of checking and copying each attribute. A
 * registered symbol, so packages agree on it without importing each other; any other provider
 * ignores it. It goes last in a literal: a computed key first makes V8 build the whole literal a
 * property at a time.
 */
export const OWN_RECORD: unique symbol = Symbol.for('tracelog.own-record');

/**
 * A record tracelog's own code built; see `OWN_RECORD`. `spanContext` names the span the record
 * belongs to when `context` is not that span's own (a bulk enqueue logs each job under the
 * enqueuer's context, instead of making a context per job); other providers use `context`.
 * `redactedBy` says its attributes and body were already redacted with that redactor (see
 * `REDACTED_BY`); a body made of redacted values and the emitter's own words counts as redacted.
 */
export type OwnRecord = LogRecord & {
  [OWN_RECORD]: true;
  spanContext?: SpanContext;
  redactedBy?: Redactor;
};

/** `record` as it is, typed as an own record: lets a literal carry the mark into `emit`. */
export function ownRecord(record: OwnRecord): OwnRecord {
  return record;
}

/**
 * A span option (`startSpan(name, { attributes, [REDACTED_BY]: redactor })`): the attributes
 * given were already redacted with that redactor. An instrumentation whose span and records share
 * one attribute set (a job's span and its `job.started` and `job.succeeded`) redacts the set once
 * with `pipelineRedactor()` instead of the pipeline redacting each copy; the pipeline takes the
 * word only from its own redactor, and still redacts whatever is set later.
 */
export const REDACTED_BY: unique symbol = Symbol.for('tracelog.redacted-by');

const SLOT = Symbol.for('tracelog.pipeline-redactor');
type Slot = { [SLOT]?: Redactor | null };

/** Installs the redactor of the SDK's pipeline (`null`: redaction is off); none removes it. */
export function setPipelineRedactor(redactor?: Redactor | null): void {
  (globalThis as Slot)[SLOT] = redactor;
}

/**
 * The redactor the installed tracelog SDK redacts with, so what an instrumentation redacts itself
 * follows the app's redaction settings: `null` when the app turned redaction off, undefined when
 * no tracelog SDK is installed.
 */
export function pipelineRedactor(): Redactor | null | undefined {
  return (globalThis as Slot)[SLOT];
}
