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

/** Records waiting for the deferred encode past which one is done at once (bounds memory). */
const MAX_WAITING = 1024;

/**
 * Collects finished records into export requests and hands them to the channel, by count, size
 * or time. Unlike the SDK's batch processors it never drops on a full buffer: a full batch is
 * finished at once and the channel decides between network, memory and spool. With protobuf each
 * record is encoded soon after it arrives, so the batch holds bytes, not SDK objects.
 *
 * The encoding is deferred to an immediate, after the I/O callbacks of the current turn of the
 * event loop: the call that finished a record (a job's end, a request's) returns to the app at
 * once, and the app's next I/O (a queue library telling Redis the job is done) goes out before
 * the encoding, not after it. `flush` encodes what waits first.
 */
export class Batcher<T> {
  private timer: NodeJS.Timeout | undefined;
  private waiting: T[] = [];
  private immediate: NodeJS.Immediate | undefined;
  private readonly encodeWaiting = (): void => {
    this.immediate = undefined;
    this.encode();
  };

  constructor(private readonly opts: BatcherOptions<T>) {}

  /** Never throws: a record that cannot be encoded is dropped, and counted. */
  add(item: T): void {
    const waiting = this.waiting;
    waiting.push(item);
    if (waiting.length >= MAX_WAITING) this.encode();
    // Unref'd: a process whose loop empties still ends, and its exit hook flushes what waits.
    else if (!this.immediate) this.immediate = setImmediate(this.encodeWaiting).unref();
  }

  /** True when no record waits to be sent. */
  get empty(): boolean {
    return this.waiting.length === 0 && this.opts.encoder.count === 0;
  }

  /** Encodes the waiting records, then finishes the request and submits it. Never throws. */
  flush(): void {
    this.encode();
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

  /** Encodes the waiting records into the batch, finishing it whenever it is full. */
  private encode(): void {
    const items = this.waiting;
    if (items.length === 0) return;
    this.waiting = [];
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    const { encoder, channel, diag, signal } = this.opts;
    for (const item of items) {
      try {
        encoder.add(item);
      } catch (error) {
        diag.drop(1, `could not encode ${signal}: ${describe(error)}`);
        continue;
      }
      const limit = channel.congested ? this.opts.burstBatchRecords : this.opts.maxBatchRecords;
      if (encoder.count >= limit || encoder.bytes >= this.opts.maxBatchBytes) {
        this.flush();
      } else if (!this.timer) {
        this.timer = setTimeout(() => this.flush(), this.opts.flushIntervalMs);
        this.timer.unref();
      }
    }
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
