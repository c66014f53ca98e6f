import { BACKOFF } from '../internal/backoff.js';
import { HttpPoster } from '../internal/http-post.js';
import type { Encoding, ExportTarget, SendResult } from './target.js';

export interface HttpTargetOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

const CONTENT_TYPE: Record<Encoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/**
 * One signal's OTLP/HTTP endpoint on the collector, posted to with the `export` row of `BACKOFF`:
 * one try per request, because its channel keeps what failed and retries it.
 */
export class HttpTarget implements ExportTarget {
  readonly description: string;
  private readonly url: URL;
  private readonly poster: HttpPoster;

  constructor(private readonly opts: HttpTargetOptions) {
    this.url = new URL(opts.url);
    this.description = opts.url;
    this.poster = new HttpPoster({ headers: opts.headers, backoff: BACKOFF.export });
  }

  async send(body: Uint8Array, _records: number, encoding: Encoding): Promise<SendResult> {
    const answer = await this.poster.post({
      url: this.url,
      body,
      contentType: CONTENT_TYPE[encoding],
      timeoutMs: this.opts.timeoutMs,
    });
    if (answer.outcome === 'ok') return { outcome: 'ok' };
    if (answer.outcome === 'reject') return { outcome: 'reject', reason: answer.reason };
    return { outcome: 'retry', reason: answer.reason, retryAfterMs: answer.retryAfterMs };
  }
}
