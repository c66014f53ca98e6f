/**
 * The one retry rule for posting OTLP, shared by the Node export, the relay and the browser
 * transport: which answers are worth another try, how long the server asked us to wait, and how
 * the wait grows between tries.
 */

/** Longest Retry-After we honour; a larger value is capped to it. */
export const MAX_RETRY_AFTER_MS = 600_000;

/**
 * True when a request answered with `status` may succeed later: 408 (timeout), 429 (throttled)
 * and every 5xx. Any other non-2xx answer is final (the request is malformed or refused).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status < 600);
}

/**
 * A Retry-After header as milliseconds: delta-seconds or an HTTP date, never negative, capped at
 * `MAX_RETRY_AFTER_MS`; `undefined` when absent or unreadable.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - now;
  return Number.isNaN(ms) ? undefined : Math.min(Math.max(0, ms), MAX_RETRY_AFTER_MS);
}

/** The wait after `currentMs`: `multiplier` times longer (doubled unless said), at most `maxMs`. */
export function nextBackoff(currentMs: number, maxMs: number, multiplier = 2): number {
  return Math.min(currentMs * multiplier, maxMs);
}
