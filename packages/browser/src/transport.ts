import { isRetryableStatus, nextBackoff, parseRetryAfter } from '@tracelog/core';
import type { Diag } from './diag.js';
import { OfflineQueue } from './offline.js';
import type { Signal } from './offline.js';

/** Chrome and the fetch standard cap the bodies of in-flight keepalive requests at 64 KiB in total. */
const KEEPALIVE_BUDGET = 65_536 - 1_024;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
const encoder = new TextEncoder();

interface Pending {
  scopes: Map<string, string[]>;
  bytes: number;
}

export interface TransportOptions {
  endpoint: string;
  service: string;
  /** The resource as OTLP JSON, computed once. */
  resourceJson: string;
  maxBatchBytes: number;
  flushIntervalMs: number;
  maxQueueBytes: number;
  headers: Record<string, string>;
  /** The page's fetch captured before instrumentation: our own requests are never traced. */
  fetch: typeof fetch;
  diag: Diag;
  queue?: OfflineQueue;
}

/**
 * Batches encoded records into OTLP/HTTP JSON requests no larger than `maxBatchBytes`, sends them
 * with keepalive (sendBeacon when the keepalive budget is spent while the page hides), retries
 * with exponential backoff honouring Retry-After, and keeps what could not be sent in the
 * offline queue, replayed when the network or the receiver is back, or on the next page load.
 */
export class Transport {
  private readonly pending: Record<Signal, Pending> = {
    logs: { scopes: new Map(), bytes: 0 },
    traces: { scopes: new Map(), bytes: 0 },
  };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private backoffMs = FIRST_BACKOFF_MS;
  private keepaliveBytes = 0;
  private readonly inflight = new Set<Promise<unknown>>();
  private replaying = false;
  readonly queue: OfflineQueue;
  /** Envelope bytes around the records of one request (resource, scope, brackets). */
  private readonly overhead: number;

  constructor(private readonly o: TransportOptions) {
    this.queue = o.queue ?? new OfflineQueue(o.service, o.maxQueueBytes, o.diag);
    this.overhead = o.resourceJson.length + 128;
  }

  /** Adds one encoded record (JSON text); a record that can never fit a request is dropped. */
  add(signal: Signal, scope: string, json: string): void {
    const bytes = encoder.encode(json).length + 1;
    const scopeBytes = scope.length + 48;
    if (bytes + scopeBytes + this.overhead > this.o.maxBatchBytes) {
      this.o.diag('too-large', `a ${bytes}-byte record exceeds the request size limit; dropped`);
      return;
    }
    const p = this.pending[signal];
    const extra = bytes + (p.scopes.has(scope) ? 0 : scopeBytes);
    if (p.bytes + extra + this.overhead > this.o.maxBatchBytes) this.sendPending(signal, false);
    let list = p.scopes.get(scope);
    if (!list) p.scopes.set(scope, (list = []));
    list.push(json);
    p.bytes += extra;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.o.flushIntervalMs);
  }

  /** Sends everything pending. With `hidden` (the page is going away) nothing waits for answers. */
  async flush(hidden = false): Promise<void> {
    // clearTimeout ignores an undefined id.
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sendPending('logs', hidden);
    this.sendPending('traces', hidden);
    if (!hidden) await Promise.allSettled([...this.inflight]);
  }

  /** Replays the offline queue now (network back, page loaded). */
  replay(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.drain();
  }

  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.retryTimer);
    this.timer = this.retryTimer = undefined;
  }

  private sendPending(signal: Signal, hidden: boolean): void {
    const p = this.pending[signal];
    if (p.scopes.size === 0) return;
    const scopeKey = signal === 'logs' ? 'scopeLogs' : 'scopeSpans';
    const recordKey = signal === 'logs' ? 'logRecords' : 'spans';
    const scopes = [...p.scopes].map(
      ([name, records]) =>
        `{"scope":${JSON.stringify({ name })},"${recordKey}":[${records.join(',')}]}`,
    );
    const body = `{"resource${signal === 'logs' ? 'Logs' : 'Spans'}":[{"resource":${this.o.resourceJson},"${scopeKey}":[${scopes.join(',')}]}]}`;
    p.scopes = new Map();
    p.bytes = 0;
    this.track(this.send(signal, body, hidden));
  }

  private track(promise: Promise<unknown>): void {
    this.inflight.add(promise);
    void promise.finally(() => this.inflight.delete(promise));
  }

  private url(signal: Signal): string {
    return `${this.o.endpoint}/v1/${signal}`;
  }

  /** Resolves true when the receiver took the request (or refused it for good). */
  private async send(signal: Signal, body: string, hidden: boolean): Promise<boolean> {
    if (globalThis.navigator?.onLine === false) {
      this.queue.push(signal, body);
      return false;
    }
    const size = encoder.encode(body).length;
    const keepalive = this.keepaliveBytes + size <= KEEPALIVE_BUDGET;
    if (hidden && !keepalive) {
      const beacon = globalThis.navigator?.sendBeacon?.bind(navigator);
      const sent =
        beacon?.(this.url(signal), new Blob([body], { type: 'application/json' })) ?? false;
      if (!sent) this.queue.push(signal, body);
      return sent;
    }
    if (keepalive) this.keepaliveBytes += size;
    try {
      const res = await this.o.fetch(this.url(signal), {
        method: 'POST',
        body,
        keepalive,
        headers: { ...this.o.headers, 'content-type': 'application/json' },
        credentials: 'same-origin',
      });
      if (res.ok) {
        this.backoffMs = FIRST_BACKOFF_MS;
        if (!this.replaying && this.retryTimer === undefined && this.queue.size() > 0)
          this.replay();
        return true;
      }
      if (!isRetryableStatus(res.status)) {
        this.o.diag(
          `status-${res.status}`,
          `the receiver refused a ${signal} request with HTTP ${res.status}; dropped`,
        );
        return true;
      }
      this.failed(signal, body, parseRetryAfter(res.headers.get('retry-after')));
    } catch {
      this.failed(signal, body, undefined);
    } finally {
      if (keepalive) this.keepaliveBytes -= size;
    }
    return false;
  }

  private failed(signal: Signal, body: string, retryAfterMs: number | undefined): void {
    this.queue.push(signal, body, this.replaying);
    this.o.diag('retry', `could not deliver to ${this.o.endpoint}; kept for retry`);
    this.scheduleRetry(retryAfterMs);
  }

  private scheduleRetry(retryAfterMs: number | undefined): void {
    if (this.retryTimer !== undefined) return;
    // Jitter spreads the retries of many pages that lost the receiver at the same moment.
    const backoff = this.backoffMs * (0.75 + Math.random() * 0.5);
    this.backoffMs = nextBackoff(this.backoffMs, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(
      () => {
        this.retryTimer = undefined;
        void this.drain();
      },
      Math.max(backoff, retryAfterMs ?? 0),
    );
  }

  /** Sends queued requests one at a time until one fails or the queue is empty. */
  private async drain(): Promise<void> {
    if (this.replaying) return;
    this.replaying = true;
    try {
      for (let entry = this.queue.take(); entry; entry = this.queue.take()) {
        const sent = this.send(entry[0], entry[1], false);
        this.track(sent);
        if (!(await sent)) break;
      }
    } finally {
      this.replaying = false;
    }
  }
}
