import type { Context } from '@opentelemetry/api';
import type {
  LogRecordProcessor,
  ReadableLogRecord,
  ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { Batcher } from './batcher.js';
import { estimateAttributes } from './batcher.js';
import type { Channel } from './channel.js';

/** Log records into a batcher; flush and shutdown drain the channel within a deadline. */
export class ExportLogProcessor implements LogRecordProcessor {
  constructor(
    private readonly batcher: Batcher<ReadableLogRecord>,
    private readonly channel: Channel,
    private readonly flushTimeoutMs: number,
  ) {}

  onEmit(record: ReadWriteLogRecord, _context?: Context): void {
    this.batcher.add(record);
  }

  async forceFlush(): Promise<void> {
    this.batcher.flush();
    await this.channel.flush(this.flushTimeoutMs);
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

/** Ended, sampled spans into a batcher. */
export class ExportSpanProcessor implements SpanProcessor {
  constructor(
    private readonly batcher: Batcher<ReadableSpan>,
    private readonly channel: Channel,
    private readonly flushTimeoutMs: number,
  ) {}

  onStart(_span: Span, _parentContext: Context): void {}

  onEnd(span: ReadableSpan): void {
    if (span.spanContext().traceFlags & 1) this.batcher.add(span);
  }

  async forceFlush(): Promise<void> {
    this.batcher.flush();
    await this.channel.flush(this.flushTimeoutMs);
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
