import type { Diagnostics } from '../internal/diag.js';
import type { Channel } from './channel.js';

export interface BatcherOptions<T> {
  signal: string;
  channel: Channel;
  /** Encodes a batch as one OTLP export request. */
  serialize: (items: T[]) => Uint8Array | undefined;
  /** A cheap estimate of an item's encoded size, for the memory bound. */
  estimateBytes: (item: T) => number;
  maxBatchRecords: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  diag: Diagnostics;
}

/**
 * Collects finished records and hands them to the channel as encoded requests, by count, size or
 * time. Unlike the SDK's batch processors it never drops on a full buffer: a full batch is encoded
 * at once and the channel decides between network, memory and spool.
 */
export class Batcher<T> {
  private items: T[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: BatcherOptions<T>) {}

  add(item: T): void {
    this.items.push(item);
    this.bytes += this.opts.estimateBytes(item);
    if (this.items.length >= this.opts.maxBatchRecords || this.bytes >= this.opts.maxBatchBytes) {
      this.flush();
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.opts.flushIntervalMs);
      this.timer.unref();
    }
  }

  /** True when no record waits to be encoded. */
  get empty(): boolean {
    return this.items.length === 0;
  }

  /** Encodes and submits what is buffered. Never throws. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.bytes = 0;
    let body: Uint8Array | undefined;
    try {
      body = this.opts.serialize(items);
    } catch (error) {
      this.opts.diag.drop(
        items.length,
        `could not encode ${this.opts.signal}: ${error instanceof Error ? error.message : String(error)}`,
      );
      return;
    }
    if (body) this.opts.channel.submit(body, items.length);
  }
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
