import { HttpPoster } from '../internal/http-post.js';
import type { PostAnswer } from '../internal/http-post.js';
import { BACKOFF } from '../internal/backoff.js';
import type { Signal } from './validate.js';

/**
 * Forwards checked browser telemetry to the collector through the poster, with the `relay` row of
 * `BACKOFF`: short waits, because the browser is waiting for the answer. A Retry-After longer than
 * those waits comes back in the answer, for the relay to pass on to the browser.
 */
export function createForwarder(
  collectorEndpoint: string,
  headers: Record<string, string>,
  attempts: number,
  timeoutMs: number,
): (signal: Signal, body: string) => Promise<PostAnswer> {
  const poster = new HttpPoster({ headers, backoff: { ...BACKOFF.relay, attempts } });
  const base = collectorEndpoint.replace(/\/+$/, '');
  const urls: Record<Signal, URL> = {
    logs: new URL(`${base}/v1/logs`),
    traces: new URL(`${base}/v1/traces`),
  };
  return (signal, body) =>
    poster.post({ url: urls[signal], body, contentType: 'application/json', timeoutMs });
}
