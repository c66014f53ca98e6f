import { context, propagation } from '@opentelemetry/api';
import type { AnyValue, Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Span, SpanProcessor, ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ATTR,
  Deduper,
  EveryNthSampler,
  SEVERITY_NUMBER,
  TokenBucket,
  fingerprint,
  getScopedAttributes,
} from '@tracelog/core';
import type { Redactor } from '@tracelog/core';
import type { Diagnostics } from './internal/diag.js';

export interface LogPipelineOptions {
  redactor: Redactor | undefined;
  /** Baggage entries copied onto records (only these: incoming baggage is untrusted input). */
  baggageKeys: ReadonlySet<string>;
  /** Keep 1 in N debug/trace records per message; 1 keeps all. */
  debugSampleEvery: number;
  /** Identical records within this window are collapsed into one with a repeat count; 0 is off. */
  dedupeWindowMs: number;
  /** Records per second over which warn-and-below records are dropped; undefined is off. */
  rateLimit: { perSecond: number; burst: number } | undefined;
  sinks: LogRecordProcessor[];
  diag: Diagnostics;
}

/**
 * The one processor registered with the LoggerProvider. Every record, whatever produced it
 * (getLogger, the winston transport, instrumentations, the OpenTelemetry logs API), is enriched
 * with the scoped context and allowed baggage, redacted, then sampled, deduplicated and rate
 * limited, and only then handed to the sinks (console, export) — so what is shown and what is
 * exported are the same, and nothing unredacted reaches either.
 */
export class LogPipeline implements LogRecordProcessor {
  private readonly sampler: EveryNthSampler | undefined;
  private readonly deduper: Deduper | undefined;
  private readonly bucket: TokenBucket | undefined;

  constructor(private readonly opts: LogPipelineOptions) {
    if (opts.debugSampleEvery > 1) {
      this.sampler = new EveryNthSampler({ every: opts.debugSampleEvery, maxKeys: 10_000 });
    }
    if (opts.dedupeWindowMs > 0) {
      this.deduper = new Deduper({ windowMs: opts.dedupeWindowMs, maxKeys: 10_000 });
    }
    if (opts.rateLimit) {
      this.bucket = new TokenBucket({
        ratePerSecond: opts.rateLimit.perSecond,
        burst: opts.rateLimit.burst,
      });
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
    for (const sink of this.opts.sinks) {
      try {
        sink.onEmit(record, ctx);
      } catch (error) {
        this.opts.diag.warn('sink', `a log sink failed: ${String(error)}`);
      }
    }
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.opts.sinks.map((sink) => sink.forceFlush().catch(() => undefined)));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.opts.sinks.map((sink) => sink.shutdown().catch(() => undefined)));
  }

  private enrich(record: ReadWriteLogRecord, ctx: Context): void {
    const present = record.attributes;
    const scoped = getScopedAttributes(ctx);
    for (const key in scoped) {
      if (!(key in present)) record.setAttribute(key, scoped[key]);
    }
    if (this.opts.baggageKeys.size === 0) return;
    const baggage = propagation.getBaggage(ctx);
    if (!baggage) return;
    for (const key of this.opts.baggageKeys) {
      const entry = baggage.getEntry(key);
      if (entry && !(key in record.attributes)) record.setAttribute(key, entry.value);
    }
  }

  /** Sampling, dedupe and rate limiting; errors and above always pass the rate limit. */
  private admit(record: ReadWriteLogRecord): boolean {
    const severity = record.severityNumber ?? SEVERITY_NUMBER.info;
    const key = this.sampler || this.deduper ? recordKey(record) : '';
    if (this.sampler && severity < SEVERITY_NUMBER.info) {
      if (!this.sampler.sample(key)) return false;
      record.setAttribute(ATTR.SAMPLE_EVERY, this.opts.debugSampleEvery);
    }
    if (this.deduper) {
      const verdict = this.deduper.observe(key);
      if (!verdict.emit) return false;
      if (verdict.repeats > 0) record.setAttribute(ATTR.REPEAT_COUNT, verdict.repeats);
    }
    if (this.bucket && severity < SEVERITY_NUMBER.error && !this.bucket.tryTake()) {
      this.opts.diag.drop(1, 'log rate limit reached (TRACELOG_LOG_RATE)');
      return false;
    }
    return true;
  }
}

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
  if (typeof record.body === 'string') {
    const body = redactor.redactString(record.body);
    if (body !== record.body) record.setBody(body);
  } else if (record.body !== undefined && record.body !== null) {
    record.setBody(redactor.redactValue(record.body) as AnyValue);
  }
  const attributes = record.attributes;
  for (const key in attributes) {
    const value = attributes[key];
    const redacted = redactor.redactValue(value, key);
    if (redacted !== value) record.setAttribute(key, redacted as AnyValue);
  }
}

/**
 * Spans started inside `withContext` carry its attributes; their string attributes (URLs, db
 * statements, …) are redacted when they end.
 */
export class SpanPipeline implements SpanProcessor {
  constructor(
    private readonly redactor: Redactor | undefined,
    private readonly sinks: SpanProcessor[],
  ) {}

  onStart(span: Span, parentContext: Context): void {
    const scoped = getScopedAttributes(parentContext);
    for (const key in scoped) {
      if (!(key in span.attributes)) span.setAttribute(key, scoped[key]!);
    }
    for (const sink of this.sinks) sink.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (this.redactor) {
      const attributes = span.attributes as Record<string, unknown>;
      for (const key in attributes) {
        const value = attributes[key];
        const redacted = this.redactor.redactValue(value, key);
        if (redacted !== value) attributes[key] = redacted;
      }
      for (const event of span.events) {
        const attrs = event.attributes as Record<string, unknown> | undefined;
        if (!attrs) continue;
        for (const key in attrs) attrs[key] = this.redactor.redactValue(attrs[key], key);
      }
      if (span.status.message) {
        (span.status as { message?: string }).message = this.redactor.redactString(
          span.status.message,
        );
      }
    }
    for (const sink of this.sinks) sink.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.forceFlush().catch(() => undefined)));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.shutdown().catch(() => undefined)));
  }
}
