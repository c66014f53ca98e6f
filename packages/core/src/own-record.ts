import type { LogRecord, SpanContext } from '@opentelemetry/api';
import type { OWN_RECORD } from './globals.js';
import { PIPELINE_REDACTOR_SLOT } from './globals.js';
import type { Redactor } from './redact.js';

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

type Slot = { [PIPELINE_REDACTOR_SLOT]?: Redactor | null };

/** Installs the redactor of the SDK's pipeline (`null`: redaction is off); none removes it. */
export function setPipelineRedactor(redactor?: Redactor | null): void {
  (globalThis as Slot)[PIPELINE_REDACTOR_SLOT] = redactor;
}

/**
 * The redactor the installed tracelog SDK redacts with, so what an instrumentation redacts itself
 * follows the app's redaction settings: `null` when the app turned redaction off, undefined when
 * no tracelog SDK is installed.
 */
export function pipelineRedactor(): Redactor | null | undefined {
  return (globalThis as Slot)[PIPELINE_REDACTOR_SLOT];
}
