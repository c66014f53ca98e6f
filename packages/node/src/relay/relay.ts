import type { IncomingMessage, ServerResponse } from 'node:http';
import { TokenBucket, createRedactor } from '@tracelog/core';
import { BACKOFF } from '../internal/backoff.js';
import type { PostAnswer } from '../internal/http-post.js';
import { createForwarder } from './forward.js';
import type { FastifyLike, NextFunction, Relay, RelayOptions, RelayStats } from './types.js';
import { checkPayload } from './validate.js';
import type { Checked, Signal } from './validate.js';

const DEFAULTS = {
  path: '/otlp',
  maxBodyBytes: 262_144,
  perSecond: 5,
  burst: 30,
  attempts: BACKOFF.relay.attempts,
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

/** Handles one relay request for `signal`; `parsed` when a body parser already read the body. */
type Process = (
  req: IncomingMessage,
  res: ServerResponse,
  signal: Signal,
  parsed?: { body: unknown },
) => Promise<void>;

/**
 * The same-origin ingest endpoint for `@tracelog/browser`: authenticates, limits size and rate per
 * client, validates OTLP/JSON, refuses other services' identities, tags `tracelog.source=frontend`,
 * redacts again and forwards to the collector. When the collector cannot take the data the answer
 * is 503 with Retry-After, so the browser keeps it queued: valid input is never silently lost.
 */
export function createRelay(options: RelayOptions): Relay {
  requireOptions(options);
  const prefix = (options.path ?? DEFAULTS.path).replace(/\/+$/, '');
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
  return relayEntryPoints(prefix, createProcess(options, stats), stats);
}

function requireOptions(options: RelayOptions): void {
  if (!options?.collectorEndpoint)
    throw new TypeError('tracelog: createRelay needs collectorEndpoint');
  if (!Array.isArray(options.services) || options.services.length === 0)
    throw new TypeError(
      'tracelog: createRelay needs services, the service.name values browsers send as',
    );
}

/** The node:http handler, Express middleware and Fastify plugin, all around one `process`. */
function relayEntryPoints(prefix: string, process: Process, stats: RelayStats): Relay {
  const signalOf = (req: IncomingMessage): Signal | undefined => {
    const path = (req.url ?? '').split('?')[0];
    if (path === `${prefix}/v1/logs`) return 'logs';
    if (path === `${prefix}/v1/traces`) return 'traces';
    return undefined;
  };
  return {
    async handler(req, res) {
      const signal = signalOf(req);
      if (!signal) return reply(res, 404, { error: 'not found' });
      await process(req, res, signal);
    },
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

/** The relay's steps for one request: admit, read, check, forward, answer. */
function createProcess(options: RelayOptions, stats: RelayStats): Process {
  const admit = createAdmission(options, stats);
  const maxBody = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const services = new Set(options.services);
  const redactor = createRedactor(options.redaction);
  const forward = createForwarder(
    options.collectorEndpoint,
    options.headers ?? {},
    Math.max(1, options.attempts ?? DEFAULTS.attempts),
    options.timeoutMs ?? DEFAULTS.timeoutMs,
  );
  const retryAfter = String(options.retryAfterSeconds ?? DEFAULTS.retryAfterSeconds);
  return async (req, res, signal, parsed) => {
    try {
      await admit(req);
      const raw = parsed ? parsed.body : await readBody(req, maxBody, stats);
      const body = Buffer.isBuffer(raw) || typeof raw === 'string' ? parseJson(raw, stats) : raw;
      const checked = checkPayload(signal, body, services, redactor);
      if (!checked.ok) {
        if (checked.status === 403) stats.refusedResources++;
        else stats.invalid++;
        throw new Refused(checked.status, checked.message);
      }
      stats.refusedResources += checked.refusedServices.length;
      const upstream = await forward(signal, JSON.stringify(checked.body));
      answerFromCollector(res, signal, checked, upstream, { stats, retryAfter });
    } catch (error) {
      if (error instanceof Refused)
        return reply(res, error.status, { error: error.message }, error.headers);
      return reply(res, 500, { error: 'relay error' });
    }
  };
}

/** Method, rate limit, authentication and content type: everything checked before the body. */
function createAdmission(
  options: RelayOptions,
  stats: RelayStats,
): (req: IncomingMessage) => Promise<void> {
  const rateLimit = createRateLimit(options, stats);
  return async (req) => {
    if (req.method !== 'POST') throw new Refused(405, 'use POST', { allow: 'POST' });
    rateLimit(req);
    await authenticate(options, req, stats);
    const type = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    if (type !== 'application/json')
      throw new Refused(415, 'content-type must be application/json (OTLP/HTTP JSON)');
  };
}

/** A token bucket per client; refuses with 429 and Retry-After once a client's bucket is empty. */
function createRateLimit(options: RelayOptions, stats: RelayStats): (req: IncomingMessage) => void {
  const limit =
    options.rateLimit === false
      ? undefined
      : (options.rateLimit ?? { perSecond: DEFAULTS.perSecond });
  if (!limit) return () => undefined;
  const burst = limit.burst ?? Math.max(DEFAULTS.burst, limit.perSecond);
  const buckets = new Map<string, TokenBucket>();
  const clientKey =
    options.clientKey ?? ((req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown');
  return (req) => {
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
  };
}

async function authenticate(
  options: RelayOptions,
  req: IncomingMessage,
  stats: RelayStats,
): Promise<void> {
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

function readBody(req: IncomingMessage, maxBody: number, stats: RelayStats): Promise<Buffer> {
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

function parseJson(raw: Buffer | string, stats: RelayStats): unknown {
  try {
    return JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch (error) {
    stats.invalid++;
    throw new Refused(400, `malformed JSON: ${(error as Error).message}`);
  }
}

/**
 * The browser's answer from the collector's: 200 (with partial success) when it took the data,
 * its 400 or 413 when it refused the data itself, else 503 with the collector's Retry-After (or
 * ours), so the browser keeps the data and sends it again.
 */
function answerFromCollector(
  res: ServerResponse,
  signal: Signal,
  checked: Extract<Checked, { ok: true }>,
  upstream: PostAnswer,
  { stats, retryAfter }: { stats: RelayStats; retryAfter: string },
): void {
  if (upstream.outcome === 'ok') {
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
    'retry-after':
      upstream.retryAfterMs === undefined
        ? retryAfter
        : String(Math.ceil(upstream.retryAfterMs / 1000)),
  });
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
