import type { Context } from '@opentelemetry/api';
import type {
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Batcher } from './batcher.js';
import { estimateAttributes } from './batcher.js';

// The processors only hand records to their batcher. Delivery, and waiting for it, belongs to the
// exporter's one flush (export/exporter.ts): a provider's forceFlush encodes what is buffered.

/** Log records into a batcher. */
export class ExportLogProcessor implements LogRecordProcessor {
  constructor(private readonly batcher: Batcher<ReadableLogRecord>) {}

  onEmit(record: ReadWriteLogRecord, _context?: Context): void {
    this.batcher.add(record);
  }

  forceFlush(): Promise<void> {
    this.batcher.flush();
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

/** Ended, sampled spans into a batcher. */
export class ExportSpanProcessor implements SpanProcessor {
  constructor(private readonly batcher: Batcher<ReadableSpan>) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & 1) this.batcher.add(span);
  }

  forceFlush(): Promise<void> {
    this.batcher.flush();
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

export function estimateLogRecord(record: ReadableLogRecord): number {
  const body = record.body;
  return (
    96 +
    (typeof body === 'string' ? body.length : 64) +
    estimateAttributes(record.attributes as Record<string, unknown>)
  );
}

export function estimateSpan(span: ReadableSpan): number {
  return 160 + span.name.length + estimateAttributes(span.attributes as Record<string, unknown>);
}
