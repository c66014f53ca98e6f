import type { Diagnostics } from '../internal/diag.js';
import type { Channel } from './channel.js';
import type { BatchEncoder } from './otlp/batch.js';

export interface BatcherOptions<T> {
  signal: string;
  channel: Channel;
  /** Encodes the items of one export request. */
  encoder: BatchEncoder<T>;
  maxBatchRecords: number;
  /**
   * The record limit while the channel is congested (requests wait behind the one in flight, or
   * spill to the spool): a burst then makes fewer, larger requests and spool files.
   */
  burstBatchRecords: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  diag: Diagnostics;
}

/**
 * Collects finished records into export requests and hands them to the channel, by count, size
 * or time. Unlike the SDK's batch processors it never drops on a full buffer: a full batch is
 * finished at once and the channel decides between network, memory and spool. With protobuf each
 * record is encoded as it arrives, so the batch holds bytes, not SDK objects.
 */
export class Batcher<T> {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: BatcherOptions<T>) {}

  /** Never throws: a record that cannot be encoded is dropped, and counted. */
  add(item: T): void {
    const encoder = this.opts.encoder;
    try {
      encoder.add(item);
    } catch (error) {
      this.opts.diag.drop(1, `could not encode ${this.opts.signal}: ${describe(error)}`);
      return;
    }
    const limit = this.opts.channel.congested
      ? this.opts.burstBatchRecords
      : this.opts.maxBatchRecords;
    if (encoder.count >= limit || encoder.bytes >= this.opts.maxBatchBytes) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** True when no record waits to be sent. */
  get empty(): boolean {
    return this.opts.encoder.count === 0;
  }

  /** Finishes the request and submits it. Never throws. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const encoder = this.opts.encoder;
    const records = encoder.count;
    if (records === 0) return;
    let body: Uint8Array | undefined;
    try {
      body = encoder.finish();
    } catch (error) {
      this.opts.diag.drop(records, `could not encode ${this.opts.signal}: ${describe(error)}`);
      return;
    }
    if (body) this.opts.channel.submit(body, records);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Rough encoded size of an attribute map: enough to bound memory, cheap enough per record. */
export function estimateAttributes(attributes: Record<string, unknown>): number {
  let bytes = 0;
  for (const key in attributes) {
    const value = attributes[key];
    bytes += key.length + 8 + (typeof value === 'string' ? value.length : 16);
  }
  return bytes;
}
