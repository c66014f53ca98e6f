import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ROOT_CONTEXT, context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { isRetryableStatus, parseRetryAfter } from '@tracelog/core';
import { Backoff } from './backoff.js';
import type { BackoffSettings } from './backoff.js';
import { markOwnAgent } from './own-traffic.js';

/** The part of an answer's body that is kept: OTLP answers (partial success, errors) are small. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface HttpPosterOptions {
  /** Sent with every post (the collector's token, …). */
  headers: Record<string, string>;
  /** Tries per post and the waits between them: a row of `BACKOFF`. */
  backoff: BackoffSettings;
}

export interface PostRequest {
  url: URL;
  body: Uint8Array | string;
  contentType: string;
  /** Longest one try may take, from sending to the end of the answer. */
  timeoutMs: number;
}

export interface PostAnswer {
  /**
   * `ok`: a 2xx answer. `retry`: no answer, a timeout, 408, 429 or 5xx, which may succeed later.
   * `reject`: any other answer; sending the same body again cannot succeed.
   */
  outcome: 'ok' | 'retry' | 'reject';
  /** The HTTP status; 0 when no answer came. */
  status: number;
  /** The start of the answer's body. */
  body: string;
  /** For diagnostics: `HTTP 503: <body>`, or the network error. */
  reason: string;
  /** The wait the server asked for (Retry-After), when it said. */
  retryAfterMs?: number;
}

/** One try's answer; `staleSocket` when it failed only because a kept-alive socket was closed. */
interface Try {
  answer: PostAnswer;
  staleSocket: boolean;
}

/**
 * Posts our own traffic to the collector (the exporter's OTLP requests, the relay's forwarded
 * browser telemetry) with node:http directly. One policy for all of it: a keep-alive pool per
 * protocol, marked as our own so the HTTP instrumentation neither traces nor counts it, and
 * tracing suppressed besides; one timeout per try; answers classified by core's retry rule; tries
 * and waits from one row of `BACKOFF`, never sooner than the server's Retry-After. Never rejects.
 */
export class HttpPoster {
  private readonly agents = new Map<string, HttpAgent>();

  constructor(private readonly opts: HttpPosterOptions) {}

  post(request: PostRequest): Promise<PostAnswer> {
    return context.with(suppressTracing(ROOT_CONTEXT), () => this.tryUntilSettled(request));
  }

  private async tryUntilSettled(request: PostRequest): Promise<PostAnswer> {
    const { attempts, maxMs } = this.opts.backoff;
    const backoff = new Backoff(this.opts.backoff);
    for (let attempt = 1; ; attempt++) {
      const answer = await this.tryOnce(request);
      if (answer.outcome !== 'retry' || attempt >= attempts) return answer;
      // The server asked for a longer pause than this caller waits: its answer, Retry-After
      // included, goes back as it is.
      if ((answer.retryAfterMs ?? 0) > maxMs) return answer;
      await new Promise((resolve) => setTimeout(resolve, backoff.next(answer.retryAfterMs)));
    }
  }

  private async tryOnce(request: PostRequest): Promise<PostAnswer> {
    const first = await this.send(request);
    // A kept-alive socket the server had just closed fails at once: that says nothing about the
    // collector, so the same try goes again on a fresh connection, not counted as an attempt.
    return first.staleSocket ? (await this.send(request)).answer : first.answer;
  }

  private send({ url, body, contentType, timeoutMs }: PostRequest): Promise<Try> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (answer: PostAnswer, staleSocket = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ answer, staleSocket });
      };
      try {
        const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
        const req = request(url, {
          method: 'POST',
          agent: this.agentFor(url),
          headers: {
            ...this.opts.headers,
            'content-type': contentType,
            'content-length': Buffer.byteLength(body),
          },
        });
        req.on('response', (res) => readAnswer(res, settle));
        req.on('error', (error: NodeJS.ErrnoException) =>
          settle(
            unanswered(error.message),
            req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE'),
          ),
        );
        // The whole try, not only a silent socket: an answer trickling in is cut off too. The
        // request keeps the process alive while it is in flight; the timer need not.
        timer = setTimeout(
          () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)),
          timeoutMs,
        ).unref();
        req.end(body);
      } catch (error) {
        settle(unanswered(error instanceof Error ? error.message : String(error)));
      }
    });
  }

  private agentFor(url: URL): HttpAgent {
    let agent = this.agents.get(url.protocol);
    if (!agent) {
      const Agent = url.protocol === 'https:' ? HttpsAgent : HttpAgent;
      agent = markOwnAgent(new Agent({ keepAlive: true }));
      this.agents.set(url.protocol, agent);
    }
    return agent;
  }
}

function readAnswer(res: IncomingMessage, settle: (answer: PostAnswer) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  res.on('data', (chunk: Buffer) => {
    // The rest is read and dropped, so the connection can serve the next post.
    if (kept >= MAX_ANSWER_BYTES) return;
    chunks.push(chunk);
    kept += chunk.length;
  });
  res.on('error', (error) => settle(unanswered(error.message)));
  // Closed without an end (a timeout or the server gone mid-answer); after an end, a no-op.
  res.on('close', () => settle(unanswered('the connection closed before the answer ended')));
  res.on('end', () =>
    settle(
      classify(
        res.statusCode ?? 0,
        Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'),
        res.headers['retry-after'],
      ),
    ),
  );
}

function classify(status: number, body: string, retryAfter: string | undefined): PostAnswer {
  if (status >= 200 && status < 300)
    return { outcome: 'ok', status, body, reason: `HTTP ${status}` };
  const reason = `HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}`;
  if (!isRetryableStatus(status)) return { outcome: 'reject', status, body, reason };
  return { outcome: 'retry', status, body, reason, retryAfterMs: parseRetryAfter(retryAfter) };
}

function unanswered(reason: string): PostAnswer {
  return { outcome: 'retry', status: 0, body: '', reason };
}
