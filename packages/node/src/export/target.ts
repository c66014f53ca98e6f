/** Where encoded export requests go: the collector over HTTP, or a local file. */
export interface ExportTarget {
  send(body: Uint8Array, records: number): Promise<SendResult>;
  /** A short human description for diagnostics ("http://127.0.0.1:4318/v1/logs"). */
  readonly description: string;
}

export type SendResult =
  | { outcome: 'ok' }
  /** Try again later (unreachable, timeout, 429, 5xx); `retryAfterMs` when the server said. */
  | { outcome: 'retry'; reason: string; retryAfterMs?: number }
  /** The receiver refused the data itself (400, 413 …): sending it again cannot succeed. */
  | { outcome: 'reject'; reason: string };
