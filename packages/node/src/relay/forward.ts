import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { isRetryableStatus, nextBackoff } from '@tracelog/core';
import { markOwnAgent } from '../internal/own-traffic.js';

/** The client is waiting for the answer: retries stay short. */
const MAX_BACKOFF_MS = 1_600;

export interface Upstream {
  status: number;
  body: string;
  retryAfter: string | undefined;
}

/**
 * POSTs to the collector with a keep-alive pool and tracing suppressed (relayed traffic is not the
 * service's own), retrying network errors and retryable statuses with a short backoff (the client
 * is waiting; the collector's Retry-After is passed back to it instead). Resolves the last answer,
 * or status 0 when the collector could not be reached at all.
 */
export function createForwarder(
  base: string,
  headers: Record<string, string>,
  attempts: number,
  timeoutMs: number,
) {
  const https = base.startsWith('https:');
  const agent = markOwnAgent(
    https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true }),
  );
  const request = https ? httpsRequest : httpRequest;

  const once = (url: string, body: string): Promise<Upstream> =>
    new Promise((resolve) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              retryAfter: res.headers['retry-after'],
            }),
          );
          res.on('error', () => resolve({ status: 0, body: '', retryAfter: undefined }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve({ status: 0, body: '', retryAfter: undefined }));
      req.end(body);
    });

  return async (signal: string, body: string): Promise<Upstream> => {
    const url = `${base.replace(/\/+$/, '')}/v1/${signal}`;
    let last: Upstream = { status: 0, body: '', retryAfter: undefined };
    let backoffMs = 100;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) {
        backoffMs = nextBackoff(backoffMs, MAX_BACKOFF_MS);
        await new Promise((r) => setTimeout(r, backoffMs));
      }
      last = await context.with(suppressTracing(ROOT_CONTEXT), () => once(url, body));
      if (last.status !== 0 && !isRetryableStatus(last.status)) return last;
    }
    return last;
  };
}
