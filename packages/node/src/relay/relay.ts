import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket, createRedactor } from '@tracelog/core';
import { createForwarder } from './forward.js';
import type { FastifyLike, NextFunction, Relay, RelayOptions, RelayStats } from './types.js';
import { checkPayload } from './validate.js';
import type { Signal } from './validate.js';

const DEFAULTS = {
  path: '/otlp',
  maxBodyBytes: 262_144,
  perSecond: 5,
  burst: 30,
  attempts: 3,
  timeoutMs: 5_000,
  retryAfterSeconds: 10,
  maxClients: 10_000,
} as const;

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * The same-origin ingest endpoint for `@tracelog/browser`: authenticates, limits size and rate per
 * client, validates OTLP/JSON, refuses other services' identities, tags `tracelog.source=frontend`,
 * redacts again and forwards to the collector. When the collector cannot take the data the answer
 * is 503 with Retry-After, so the browser keeps it queued: valid input is never silently lost.
 */
export function createRelay(options: RelayOptions): Relay {
  if (!options?.collectorEndpoint)
    throw new TypeError('tracelog: createRelay needs collectorEndpoint');
  if (!Array.isArray(options.services) || options.services.length === 0)
    throw new TypeError(
      'tracelog: createRelay needs services, the service.name values browsers send as',
    );
  const prefix = (options.path ?? DEFAULTS.path).replace(/\/+$/, '');
  const maxBody = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const services = new Set(options.services);
  const redactor = createRedactor(options.redaction);
  const retryAfter = String(options.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds);
  const forward = createForwarder(
    options.collectorEndpoint,
    options.headers ?? {},
    Math.max(1, options.attempts ?? DEFAULTS.attempts),
    options.timeoutMs ?? DEFAULTS.timeoutMs,
  );
  const limit =
    options.rateLimit === false
      ? undefined
      : (options.rateLimit ?? { perSecond: DEFAULTS.perSecond });
  const burst = limit ? (limit.burst ?? Math.max(DEFAULTS.burst, limit.perSecond)) : 0;
  const buckets = new Map<string, TokenBucket>();
  const clientKey =
    options.clientKey ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown');
  const stats: RelayStats = {
    forwarded: 0,
    items: 0,
    unauthorized: 0,
    tooLarge: 0,
    rateLimited: 0,
    invalid: 0,
    refusedResources: 0,
    upstreamUnavailable: 0,
  };

  const signalOf = (req: IncomingMessage): Signal | undefined => {
    const path = (req.url ?? '').split('?')[0];
    if (path === `${prefix}/v1/logs`) return 'logs';
    if (path === `${prefix}/v1/traces`) return 'traces';
    return undefined;
  };

  function rateLimit(req: IncomingMessage): void {
    if (!limit) return;
    const key = clientKey(req);
    let bucket = buckets.get(key);
    if (!bucket) {
      // Bounded memory: the oldest client's bucket goes first.
      if (buckets.size >= DEFAULTS.maxClients) buckets.delete(buckets.keys().next().value!);
      bucket = new TokenBucket({ ratePerSecond: limit.perSecond, burst });
      buckets.set(key, bucket);
    }
    if (!bucket.tryTake()) {
      stats.rateLimited++;
      throw new Refused(429, 'too many requests from this client', {
        'retry-after': String(Math.max(1, Math.ceil(1 / limit.perSecond))),
      });
    }
  }

  async function authenticate(req: IncomingMessage): Promise<void> {
    if (!options.authenticate) return;
    let verdict: boolean | 'forbidden';
    try {
      verdict = await options.authenticate(req);
    } catch {
      verdict = false;
    }
    if (verdict === true) return;
    stats.unauthorized++;
    throw verdict === 'forbidden'
      ? new Refused(403, 'forbidden')
      : new Refused(401, 'authentication required');
  }

  function readBody(req: IncomingMessage): Promise<Buffer> {
    const declared = Number(req.headers['content-length']);
    if (declared > maxBody) {
      stats.tooLarge++;
      return Promise.reject(
        new Refused(413, `body larger than ${maxBody} bytes`, { connection: 'close' }),
      );
    }
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBody) {
          // Stop reading at once: the rest of an oversized body is never buffered.
          req.off('data', onData);
          req.pause();
          stats.tooLarge++;
          reject(new Refused(413, `body larger than ${maxBody} bytes`, { connection: 'close' }));
          return;
        }
        chunks.push(chunk);
      };
      req.on('data', onData);
      req.once('end', () => resolve(Buffer.concat(chunks)));
      req.once('error', reject);
    });
  }

  function parse(raw: Buffer | string): unknown {
    try {
      return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
    } catch (error) {
      stats.invalid++;
      throw new Refused(400, `malformed JSON: ${(error as Error).message}`);
    }
  }

  async function process(
    req: IncomingMessage,
    res: ServerResponse,
    signal: Signal,
    parsed?: { body: unknown },
  ) {
    try {
      if (req.method !== 'POST') throw new Refused(405, 'use POST', { allow: 'POST' });
      rateLimit(req);
      await authenticate(req);
      const type = String(req.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      if (type !== 'application/json')
        throw new Refused(415, 'content-type must be application/json (OTLP/HTTP JSON)');
      const body = parsed
        ? Buffer.isBuffer(parsed.body) || typeof parsed.body === 'string'
          ? parse(parsed.body)
          : parsed.body
        : parse(await readBody(req));
      const checked = checkPayload(signal, body, services, redactor);
      if (!checked.ok) {
        if (checked.status === 403) stats.refusedResources++;
        else stats.invalid++;
        throw new Refused(checked.status, checked.message);
      }
      stats.refusedResources += checked.refusedServices.length;
      const upstream = await forward(signal, JSON.stringify(checked.body));
      if (upstream.status >= 200 && upstream.status < 300) {
        stats.forwarded++;
        stats.items += checked.items;
        return reply(
          res,
          200,
          partialSuccess(signal, upstream.body, checked.refusedItems, checked.refusedServices),
        );
      }
      if (upstream.status === 400 || upstream.status === 413) {
        stats.invalid++;
        throw new Refused(
          upstream.status,
          `the collector refused the data: ${upstream.body.slice(0, 200)}`,
        );
      }
      stats.upstreamUnavailable++;
      throw new Refused(503, 'the collector is unavailable; retry later', {
        'retry-after': upstream.retryAfter ?? retryAfter,
      });
    } catch (error) {
      if (error instanceof Refused)
        return reply(res, error.status, { error: error.message }, error.headers);
      return reply(res, 500, { error: 'relay error' });
    }
  }

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const signal = signalOf(req);
    if (!signal) return reply(res, 404, { error: 'not found' });
    await process(req, res, signal);
  };

  return {
    handler,
    stats,
    express() {
      return (req, res, next: NextFunction) => {
        const signal = signalOf(req);
        if (!signal) return next();
        // A body parser that ran first leaves the parsed body and an empty stream.
        const pre = (req as { body?: unknown }).body;
        const parsed = pre !== undefined && req.readableEnded ? { body: pre } : undefined;
        void process(req, res, signal, parsed);
      };
    },
    fastify() {
      return async (instance: FastifyLike) => {
        // Leave the body unread: the relay reads it itself, with its own size limit.
        instance.removeAllContentTypeParsers();
        instance.addContentTypeParser('*', (_req, _payload, done) => done(null));
        for (const signal of ['logs', 'traces'] as const) {
          instance.post(`${prefix}/v1/${signal}`, async (request, reply) => {
            reply.hijack();
            await process(request.raw, reply.raw, signal);
          });
        }
      };
    },
  };
}

function partialSuccess(
  signal: Signal,
  upstreamBody: string,
  refused: number,
  services: string[],
): unknown {
  let upstream: { partialSuccess?: Record<string, unknown> } = {};
  try {
    upstream = upstreamBody ? (JSON.parse(upstreamBody) as typeof upstream) : {};
  } catch {
    // a collector answer that is not JSON carries no partial success
  }
  if (refused === 0) return upstream;
  const key = signal === 'logs' ? 'rejectedLogRecords' : 'rejectedSpans';
  const theirs = Number(upstream.partialSuccess?.[key] ?? 0);
  const message = `dropped ${refused} record(s) from service.name ${services.map((s) => `"${s}"`).join(', ')}, not allowed through this relay`;
  const theirMessage = upstream.partialSuccess?.errorMessage;
  return {
    partialSuccess: {
      [key]: String(theirs + refused),
      errorMessage: theirMessage ? `${message}; ${String(theirMessage)}` : message,
    },
  };
}

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
