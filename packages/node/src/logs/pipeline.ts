import { context } from '@opentelemetry/api';
import type { AnyValue, Context } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR, RecordFilter, SEVERITY_NUMBER, fingerprint } from '@tracelog/core';
import type { Redactor, Repeats } from '@tracelog/core';
import { addContextAttributes } from '../context.js';
import type { Diagnostics } from '../internal/diag.js';
import { redactAttributes } from '../internal/redact-attributes.js';
import type { PreRedacted } from '../internal/redact-attributes.js';

export interface LogPipelineOptions {
  redactor: Redactor | undefined;
  /** Baggage entries copied onto records (only these: incoming baggage is untrusted input). */
  baggageKeys: ReadonlySet<string>;
  /** Keep 1 in N debug/trace records per message; 1 keeps all. */
  debugSampleEvery: number;
  /**
   * Repeats of a record within this window are counted, not emitted; when the window closes the
   * count is reported as one record (see `repeatReport`); 0 is off.
   */
  dedupeWindowMs: number;
  /** Records per second over which warn-and-below records are dropped; undefined is off. */
  rateLimit: { perSecond: number; burst: number } | undefined;
  sinks: LogRecordProcessor[];
  diag: Diagnostics;
}

/** What a repeat report takes from the first record of a window. */
type RepeatSample = Pick<
  ReadWriteLogRecord,
  'resource' | 'instrumentationScope' | 'severityNumber' | 'severityText' | 'body' | 'eventName'
>;

/**
 * The one processor registered with the LoggerProvider. Every record, whatever produced it
 * (getLogger, the winston transport, instrumentations, the OpenTelemetry logs API), is enriched
 * with the scoped context and allowed baggage, redacted, then sampled, deduplicated and rate
 * limited, and only then handed to the sinks (console, export) — so what is shown and what is
 * exported are the same, and nothing unredacted reaches either.
 */
export class LogPipeline implements LogRecordProcessor {
  private readonly filter: RecordFilter<RepeatSample>;
  /** Reports the repeats of windows that closed while their record went quiet. */
  private readonly repeatTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: LogPipelineOptions) {
    this.filter = new RecordFilter<RepeatSample>({
      debugSampleEvery: opts.debugSampleEvery,
      dedupeWindowMs: opts.dedupeWindowMs,
      rateLimit: opts.rateLimit,
      maxKeys: 10_000,
    });
    if (opts.dedupeWindowMs > 0) {
      this.repeatTimer = setInterval(() => this.reportRepeats(false), opts.dedupeWindowMs);
      this.repeatTimer.unref();
    }
  }

  onEmit(record: ReadWriteLogRecord, ctx?: Context): void {
    try {
      this.enrich(record, ctx ?? context.active());
      if (this.opts.redactor) redactRecord(record, this.opts.redactor);
      if (!this.admit(record)) return;
    } catch (error) {
      this.opts.diag.warn('pipeline', `could not process a log record: ${String(error)}`);
    }
    this.toSinks(record, ctx);
  }

  private toSinks(record: ReadWriteLogRecord, ctx?: Context): void {
    for (const sink of this.opts.sinks) {
      try {
        sink.onEmit(record, ctx);
      } catch (error) {
        this.opts.diag.warn('sink', `a log sink failed: ${String(error)}`);
      }
    }
  }

  /** Flushing reports the repeats of windows that have closed; open windows stay open. */
  async forceFlush(): Promise<void> {
    this.reportRepeats(false);
    await Promise.all(this.opts.sinks.map((sink) => sink.forceFlush().catch(() => undefined)));
  }

  /** Shutting down closes every window: no counted repeat is left unreported. */
  async shutdown(): Promise<void> {
    if (this.repeatTimer) clearInterval(this.repeatTimer);
    this.reportRepeats(true);
    await Promise.all(this.opts.sinks.map((sink) => sink.shutdown().catch(() => undefined)));
  }

  private reportRepeats(all: boolean): void {
    try {
      for (const repeats of this.filter.closedRepeats(all)) this.toSinks(repeatReport(repeats));
    } catch (error) {
      this.opts.diag.warn('pipeline', `could not report repeated records: ${String(error)}`);
    }
  }

  private enrich(record: ReadWriteLogRecord, ctx: Context): void {
    this.enriching = record;
    addContextAttributes(ctx, this.opts.baggageKeys, this.addFromContext);
    this.enriching = undefined;
  }

  /** The record `enrich` works on; one callback for every record, so none is made per record. */
  private enriching: ReadWriteLogRecord | undefined;
  private readonly addFromContext = (key: string, value: AnyValue | undefined) => {
    const record = this.enriching!;
    if (!(key in record.attributes)) record.setAttribute(key, value);
  };

  /**
   * Sampling, dedupe and rate limiting, in core's one order; errors and above always pass the
   * rate limit. A closed window's repeats are reported before the record that closed it.
   */
  private admit(record: ReadWriteLogRecord): boolean {
    if (!this.filter.active) return true;
    const severity = record.severityNumber ?? SEVERITY_NUMBER.info;
    const verdict = this.filter.admit(
      this.filter.keyed ? recordKey(record) : '',
      severity < SEVERITY_NUMBER.info,
      severity < SEVERITY_NUMBER.error,
      () => ({
        resource: record.resource,
        instrumentationScope: record.instrumentationScope,
        severityNumber: record.severityNumber,
        severityText: record.severityText,
        body: record.body,
        eventName: record.eventName,
      }),
    );
    if (verdict.repeats) this.toSinks(repeatReport(verdict.repeats));
    if (verdict.reason === 'rate') {
      this.opts.diag.drop(1, 'log rate limit reached (TRACELOG_LOG_RATE)');
    }
    if (!verdict.pass) return false;
    if (verdict.sampledEvery) record.setAttribute(ATTR.SAMPLE_EVERY, verdict.sampledEvery);
    return true;
  }
}

/**
 * One record for the repeats a dedupe window suppressed: the first record's scope, level, event
 * name and message, and `tracelog.repeat_count` (how many more there were within
 * `tracelog.dedupe_window_ms`). Not its attributes: the key ignores attributes, so the repeats may
 * have carried other values, and the report does not claim theirs were the first one's.
 */
function repeatReport(repeats: Repeats<RepeatSample>): ReadWriteLogRecord {
  const now = hrTime();
  const attributes = {
    [ATTR.REPEAT_COUNT]: repeats.repeats,
    [ATTR.DEDUPE_WINDOW_MS]: repeats.windowMs,
  };
  // Sinks only read a record; this one is made here rather than by a Logger, so it is reported
  // even while the provider shuts down, and is never filtered again.
  return {
    ...repeats.sample,
    hrTime: now,
    hrTimeObserved: now,
    spanContext: undefined,
    attributes,
    droppedAttributesCount: 0,
  } as unknown as ReadWriteLogRecord;
}

/**
 * The dedupe and sampling key: scope, level, event name, message and exception type. Attributes
 * are left out on purpose: a line repeated with a new order id, latency or attempt number is the
 * same repeat to someone reading the logs, and keying on them would let any changing value defeat
 * dedupe. Put what tells records apart in the message, or leave dedupe off.
 */
function recordKey(record: ReadWriteLogRecord): string {
  const body = typeof record.body === 'string' ? record.body : '';
  return fingerprint(
    record.instrumentationScope.name,
    String(record.severityNumber ?? ''),
    record.eventName ?? '',
    body,
    String(record.attributes[ATTR.EXCEPTION_TYPE] ?? ''),
  );
}

function redactRecord(record: ReadWriteLogRecord, redactor: Redactor): void {
  const made = record as Partial<PreRedacted>;
  // A record made redacted by this redactor has its body redacted too.
  if (made.redactedBy !== redactor) {
    if (typeof record.body === 'string') {
      const body = redactor.redactString(record.body);
      if (body !== record.body) record.setBody(body);
    } else if (record.body !== undefined && record.body !== null) {
      record.setBody(redactor.redactValue(record.body) as AnyValue);
    }
  }
  redactAttributes(record.attributes, redactor, made, record);
}
