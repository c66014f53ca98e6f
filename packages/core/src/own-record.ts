import type { LogRecord, SpanContext } from '@opentelemetry/api';

/**
 * Marks a log record built by tracelog's own code (its loggers and instrumentations): the
 * attributes object is fresh, holds only valid attribute values and is handed over, so the Node
 * SDK's logs provider adopts it as it is instead of checking and copying each attribute. A
 * registered symbol, so packages agree on it without importing each other; any other provider
 * ignores it.
 */
export const OWN_RECORD: unique symbol = Symbol.for('tracelog.own-record');

/**
 * A record tracelog's own code built; see `OWN_RECORD`. `spanContext` names the span the record
 * belongs to when `context` is not that span's own (a bulk enqueue logs each job under the
 * enqueuer's context, instead of making a context per job); other providers use `context`.
 */
export type OwnRecord = LogRecord & { [OWN_RECORD]: true; spanContext?: SpanContext };

/** `record` as it is, typed as an own record: lets a literal carry the mark into `emit`. */
export function ownRecord(record: OwnRecord): OwnRecord {
  return record;
}
