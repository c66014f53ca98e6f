import type {
  AttributeValue,
  Attributes,
  Context,
  LogRecord,
  SpanContext,
} from '@opentelemetry/api';
import type { OWN_RECORD } from './globals.js';
import { OWN_RECORD_SINK_SLOT, PIPELINE_REDACTOR_SLOT } from './globals.js';
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

/**
 * Attributes a direct-path emitter had encoded once (`OwnRecordSink.encode`) for several records
 * of one unit of work: a job's `job.started` and `job.succeeded` copy the same bytes.
 */
export interface EncodedAttributes {
  /** Their keys, in order: what the record's context may add never replaces one of them. */
  readonly keys: readonly string[];
}

/**
 * Writes one record's fields straight into an export request, in the order an emitter calls it:
 * `head`, `span`, the attributes, then `context` last (it adds only keys not written before).
 */
export interface OwnRecordWriter {
  /** Event name, severity and body (already redacted, or made of redacted values and our words). */
  head(eventName: string, severityNumber: number, severityText: string, body: string): void;
  /** The span the record belongs to; an invalid or absent one writes nothing. */
  span(spanContext: SpanContext | undefined): void;
  /**
   * An attribute that needs no redaction: a number, a status code, a known enum, our own words,
   * or a value already redacted with the sink's `redactor`.
   */
  plain(key: string, value: AttributeValue): void;
  /** Attributes encoded once with `OwnRecordSink.encode`. */
  encoded(attributes: EncodedAttributes): void;
  /** What the pipeline adds to every record: `ctx`'s scoped attributes and allowed baggage. */
  context(ctx: Context): void;
}

/**
 * The direct path for the records tracelog makes itself (`http.request`, `job.*`, `task.*`),
 * installed by the tracelog SDK where its pipeline has nothing more to do with such a record
 * than redact it and export it as protobuf: `emit` writes the record from the emitter's own
 * objects straight into the logs export request, with no record object, no attribute map and no
 * second pass. Absent (another SDK, console output, dedupe, a rate limit, OTLP/JSON), emitters
 * build an `OwnRecord` for the logs API instead; both give the same record.
 */
export interface OwnRecordSink {
  /** The redactor of the pipeline the sink stands for; undefined when redaction is off. */
  readonly redactor: Redactor | undefined;
  /** `attributes` (already redacted with `redactor`) encoded once, for several records. */
  encode(attributes: Attributes): EncodedAttributes;
  /** Writes one record of the logger `scope`: `fill(writer, source)` gives its fields. */
  emit<S>(
    scope: string,
    version: string | undefined,
    fill: (record: OwnRecordWriter, source: S) => void,
    source: S,
  ): void;
}

type SinkSlot = { [OWN_RECORD_SINK_SLOT]?: OwnRecordSink };

/** Installs the SDK's direct path for own records; none removes it. */
export function setOwnRecordSink(sink?: OwnRecordSink): void {
  (globalThis as SinkSlot)[OWN_RECORD_SINK_SLOT] = sink;
}

/** The installed direct path, or undefined: then own records go through the logs API. */
export function ownRecordSink(): OwnRecordSink | undefined {
  return (globalThis as SinkSlot)[OWN_RECORD_SINK_SLOT];
}
