import { BACKOFF, Backoff } from '../internal/backoff.js';
import type { BackoffSettings } from '../internal/backoff.js';
import type { Diagnostics } from '../internal/diag.js';
import type { Spool } from './spool.js';
import type { Encoding, ExportTarget, SendResult } from './target.js';

export interface ChannelOptions {
  /** `logs`, `traces` or `metrics`: names the channel in messages. */
  signal: string;
  target: ExportTarget;
  /** How the bodies submitted to this channel are encoded. */
  encoding: Encoding;
  /** Where requests wait while the target is unreachable; without one they wait in memory. */
  spool: Spool | undefined;
  /** Bound on encoded requests held in memory; past it they go to the spool (or the oldest are dropped). */
  maxMemoryBytes: number;
  diag: Diagnostics;
  /** The waits between probes while the target fails. @default BACKOFF.export */
  backoff?: BackoffSettings;
}

interface Pending {
  body: Uint8Array;
  records: number;
  encoding: Encoding;
}

/**
 * Delivers encoded export requests for one signal without ever blocking or throwing into the app
 * and without losing what it accepted: requests are sent one after another; when the target
 * fails they go to the spool, a timer probes with backoff, and once the target answers the spool
 * drains oldest first before new requests go direct again, so order is kept. A burst beyond the
 * memory bound spills only what does not fit: what waits in memory is older than anything in the
 * spool, and is sent first.
 */
export class Channel {
  private readonly queue: Pending[] = [];
  private queuedBytes = 0;
  private sending = false;
  /** True while new requests go to the spool: it holds requests to replay, newer than memory's. */
  private backlogged = false;
  /** True from a failed send until a probe gets an answer. */
  private failing = false;
  private readonly backoff: Backoff;
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  /** Probes that ended with the target still unreachable. */
  private failedProbes = 0;
  private readonly spoolWrites = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly opts: ChannelOptions) {
    this.backoff = new Backoff(opts.backoff ?? BACKOFF.export);
    if (opts.spool && opts.spool.size > 0) {
      // Requests left by an earlier run (or another process that exited): send them first.
      this.backlogged = true;
      this.scheduleProbe(0);
    }
  }

  /** Accepts an encoded request. Never throws; returns at once. */
  submit(body: Uint8Array, records: number): void {
    if (this.closed) {
      this.opts.diag.drop(records, `${this.opts.signal} exported after shutdown`);
      return;
    }
    this.opts.diag.counters.exported += records;
    const item: Pending = { body, records, encoding: this.opts.encoding };
    if (this.backlogged && this.opts.spool) {
      this.toSpool(item);
      return;
    }
    if (this.queuedBytes + body.byteLength > this.opts.maxMemoryBytes) {
      if (this.opts.spool) {
        // Producing faster than the target takes: what does not fit goes to disk, and so does
        // everything after it until the spool is empty again; memory's requests go first.
        this.toSpool(item);
        this.backlogged = true;
        if (!this.sending) this.scheduleProbe(0);
        return;
      }
      this.makeRoom(body.byteLength);
    }
    this.queue.push(item);
    this.queuedBytes += body.byteLength;
    void this.pump();
  }

  /**
   * Resolves when everything accepted so far was sent, or spooled because the target is still
   * unreachable, or at the deadline. While backlogged it retries at once rather than waiting for
   * the backoff: a flush at shutdown is the last chance to deliver before the process exits.
   */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const failedBefore = this.failedProbes;
    if ((this.backlogged || this.failing) && !this.probing && !this.closed) {
      clearTimeout(this.probeTimer);
      void this.probe();
    }
    while (Date.now() < deadline) {
      const busy =
        (this.queue.length > 0 && !this.failing) ||
        this.sending ||
        this.spoolWrites.size > 0 ||
        this.probing;
      const waiting = this.backlogged || this.failing;
      if (!busy && (!waiting || this.failedProbes > failedBefore)) break;
      await sleep(5);
    }
    if (this.spoolWrites.size > 0) await Promise.race([Promise.all(this.spoolWrites), sleep(50)]);
  }

  /**
   * Last resort at exit: whatever is still in memory is delivered synchronously where the target
   * can take it (the local file), or else written to the spool so the next start sends it.
   * Afterwards the channel accepts nothing more.
   */
  close(): void {
    this.closed = true;
    clearTimeout(this.probeTimer);
    // A request being sent stays first in the queue until answered: at exit that answer will not
    // come, so it is kept too (at-least-once; the collector stores a repeat once).
    const pending = this.queue.splice(0);
    this.queuedBytes = 0;
    for (const item of pending) {
      if (this.opts.target.sendSync?.(item.body, item.encoding)) continue;
      if (this.opts.spool?.writeSync(item.body, item.records, item.encoding)) {
        this.opts.diag.counters.spooled += item.records;
      } else {
        this.opts.diag.drop(item.records, `${this.opts.signal} not delivered before exit`);
      }
    }
  }

  /** True when requests wait behind the one being sent, or go to the spool. */
  get congested(): boolean {
    return this.queue.length > 1 || this.backlogged;
  }

  /** Encoded requests held in memory now. */
  get memoryBytes(): number {
    return this.queuedBytes;
  }

  /** Encoded requests held in the spool now. */
  get spoolBytes(): number {
    return this.opts.spool?.bytes ?? 0;
  }

  /** True when nothing is waiting in memory or being written (the spool may still hold requests). */
  get idle(): boolean {
    return this.queue.length === 0 && !this.sending && this.spoolWrites.size === 0;
  }

  private async pump(): Promise<void> {
    if (this.sending || this.failing || this.probing) return;
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.failing) {
        const item = this.queue[0]!;
        const result = await this.send(item);
        this.queue.shift();
        this.queuedBytes -= item.body.byteLength;
        if (result.outcome === 'retry') {
          this.enterBacklog(result, item);
        }
      }
    } finally {
      this.sending = false;
    }
    // Memory is drained; what spilled over waits in the spool.
    if (this.backlogged && !this.failing) this.scheduleProbe(0);
  }

  private async send(item: Pending): Promise<SendResult> {
    let result: SendResult;
    try {
      result = await this.opts.target.send(item.body, item.records, item.encoding);
    } catch (error) {
      result = { outcome: 'retry', reason: error instanceof Error ? error.message : String(error) };
    }
    if (result.outcome === 'reject') {
      this.opts.diag.drop(
        item.records,
        `${this.opts.target.description} refused ${this.opts.signal}: ${result.reason}`,
      );
    } else if (result.outcome === 'retry') {
      this.opts.diag.counters.exportFailures++;
    }
    return result;
  }

  private enterBacklog(result: { reason: string; retryAfterMs?: number }, failed: Pending): void {
    this.failing = true;
    const where = this.opts.spool
      ? 'keeping records in the local spool'
      : 'keeping records in memory';
    this.opts.diag.warn(
      `unreachable:${this.opts.signal}`,
      `cannot export ${this.opts.signal} to ${this.opts.target.description} (${result.reason}); ${where} and retrying`,
    );
    if (this.opts.spool && !this.backlogged) {
      // Move everything waiting in memory to disk, in order, so memory stays small during an outage.
      this.toSpool(failed);
      for (const item of this.queue.splice(0)) this.toSpool(item);
      this.queuedBytes = 0;
      this.backlogged = true;
    } else {
      // No spool, or it already holds newer requests (a burst spilled over): memory's requests,
      // the older ones, stay first in line, within the memory bound.
      this.queue.unshift(failed);
      this.queuedBytes += failed.body.byteLength;
    }
    this.scheduleProbe(this.backoff.next(result.retryAfterMs));
  }

  private scheduleProbe(delayMs: number): void {
    if (this.closed || this.probing) return;
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => void this.probe(), delayMs);
    this.probeTimer.unref();
  }

  /**
   * Sends the oldest waiting request (memory's first, then the spool's); on success keeps
   * draining, on failure backs off.
   */
  private async probe(): Promise<void> {
    // While the pump sends, memory's requests go first; it starts a probe when it is done.
    if (this.probing || this.closed || this.sending) return;
    this.probing = true;
    try {
      await Promise.all(this.spoolWrites);
      for (;;) {
        if (this.closed) return;
        // Memory's requests are older than the spool's. One of them answered is enough: the
        // pump sends the rest, then starts a probe for the spool.
        const waiting = this.queue[0];
        const next = waiting ? undefined : await this.opts.spool?.peek();
        if (!waiting && !next && this.spoolWrites.size > 0) {
          await Promise.all(this.spoolWrites);
          continue;
        }
        const item: Pending | undefined =
          waiting ??
          (next && { body: next.body, records: next.entry.records, encoding: next.entry.encoding });
        if (!item) {
          this.backlogged = false;
          this.failing = false;
          break;
        }
        const result = await this.send(item);
        if (result.outcome === 'retry') {
          this.retryLater(result);
          return;
        }
        this.failing = false;
        if (!next) {
          this.queue.shift();
          this.queuedBytes -= item.body.byteLength;
          break;
        }
        if (result.outcome === 'ok') this.opts.diag.counters.replayed += next.entry.records;
        await this.opts.spool?.remove(next.entry);
      }
      this.backoff.reset();
    } finally {
      this.probing = false;
    }
    void this.pump();
  }

  private retryLater(result: { retryAfterMs?: number }): void {
    this.probing = false;
    this.failing = true;
    this.failedProbes++;
    this.scheduleProbe(this.backoff.next(result.retryAfterMs));
  }

  private toSpool(item: Pending): void {
    const spool = this.opts.spool!;
    const write = spool.write(item.body, item.records, item.encoding).then((kept) => {
      if (kept) this.opts.diag.counters.spooled += item.records;
    });
    this.spoolWrites.add(write);
    void write.finally(() => this.spoolWrites.delete(write));
  }

  /** Without a spool: drop the oldest in-memory requests until `bytes` more fit. */
  private makeRoom(bytes: number): void {
    while (this.queue.length > 1 && this.queuedBytes + bytes > this.opts.maxMemoryBytes) {
      const oldest = this.queue.splice(1, 1)[0]!;
      this.queuedBytes -= oldest.body.byteLength;
      this.opts.diag.drop(oldest.records, `${this.opts.signal} memory bound reached`);
    }
  }
}

/** Only used while a flush is awaited (and bounded by its deadline), so it keeps the loop alive. */
function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
