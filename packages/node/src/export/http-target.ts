import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { isRetryableStatus, parseRetryAfter } from '@tracelog/core';
import { markOwnAgent } from '../internal/own-traffic.js';
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
 * POSTs OTLP/HTTP requests with node:http directly: one keep-alive connection pool, our own
 * timeout, and tracing suppressed so our export traffic never shows up as user spans.
 */
export class HttpTarget implements ExportTarget {
  readonly description: string;
  private readonly url: URL;
  private readonly agent: HttpAgent;

  constructor(private readonly opts: HttpTargetOptions) {
    this.url = new URL(opts.url);
    this.description = opts.url;
    const Agent = this.url.protocol === 'https:' ? HttpsAgent : HttpAgent;
    this.agent = markOwnAgent(new Agent({ keepAlive: true, maxSockets: 2 }));
  }

  send(body: Uint8Array, _records: number, encoding: Encoding): Promise<SendResult> {
    return context.with(suppressTracing(ROOT_CONTEXT), async () => {
      const first = await this.post(body, encoding);
      // A kept-alive socket the server had just closed fails at once: that says nothing about
      // the collector, so try once more on a fresh connection before backing off.
      return first.outcome === 'retry' && first.staleSocket ? this.post(body, encoding) : first;
    });
  }

  private post(
    body: Uint8Array,
    encoding: Encoding,
  ): Promise<SendResult & { staleSocket?: boolean }> {
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: SendResult & { staleSocket?: boolean }) => {
        if (!settled) {
          settled = true;
          resolve(result);
        }
      };
      try {
        const req = request(
          this.url,
          {
            method: 'POST',
            agent: this.agent,
            headers: {
              ...this.opts.headers,
              'content-type': CONTENT_TYPE[encoding],
              'content-length': body.byteLength,
            },
            timeout: this.opts.timeoutMs,
          },
          (res) => {
            const status = res.statusCode ?? 0;
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => {
              if (chunks.length < 8) chunks.push(chunk);
            });
            res.on('error', (error) => settle({ outcome: 'retry', reason: error.message }));
            res.on('end', () => {
              if (status >= 200 && status < 300) return settle({ outcome: 'ok' });
              const detail = Buffer.concat(chunks).toString('utf8').slice(0, 200);
              const reason = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
              if (isRetryableStatus(status)) {
                const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
                settle(
                  retryAfterMs === undefined
                    ? { outcome: 'retry', reason }
                    : { outcome: 'retry', reason, retryAfterMs },
                );
              } else {
                settle({ outcome: 'reject', reason });
              }
            });
          },
        );
        req.on('timeout', () =>
          req.destroy(new Error(`no answer within ${this.opts.timeoutMs} ms`)),
        );
        req.on('error', (error: NodeJS.ErrnoException) =>
          settle({
            outcome: 'retry',
            reason: error.message,
            staleSocket:
              req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE'),
          }),
        );
        req.end(body);
      } catch (error) {
        settle({
          outcome: 'retry',
          reason: error instanceof Error ? error.message : String(error),
        });
      }
    });
  }
}
