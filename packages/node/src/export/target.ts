/** How an export request body is encoded: OTLP protobuf or OTLP JSON. */
export type Encoding = 'protobuf' | 'json';

/** Where encoded export requests go: the collector over HTTP, or a local file. */
export interface ExportTarget {
  send(body: Uint8Array, records: number, encoding: Encoding): Promise<SendResult>;
  /**
   * Delivers at once, synchronously, where the target can (a local file): used at process exit,
   * when no more event-loop turns are coming. Absent where it cannot.
   */
  sendSync?(body: Uint8Array, encoding: Encoding): boolean;
  /** A short human description for diagnostics ("http://127.0.0.1:4318/v1/logs"). */
  readonly description: string;
}

export type SendResult =
  | { outcome: 'ok' }
  /** Try again later (unreachable, timeout, 429, 5xx); `retryAfterMs` when the server said. */
  | { outcome: 'retry'; reason: string; retryAfterMs?: number }
  /** The receiver refused the data itself (400, 413 …): sending it again cannot succeed. */
  | { outcome: 'reject'; reason: string };
