import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RedactionOptions } from '@tracelog/core';

export interface RelayOptions {
  /** The collector's OTLP/HTTP base URL; records go to `<collectorEndpoint>/v1/logs|traces`. Required. */
  collectorEndpoint: string;
  /** `service.name` values browsers may send as. Anything else is refused. Required. */
  services: string[];
  /** Path prefix the relay answers on (`/otlp/v1/logs`, `/otlp/v1/traces`). @default '/otlp' */
  path?: string;
  /**
   * Decides whether a request may send telemetry (session cookie, CSRF token, …): `false` → 401,
   * `'forbidden'` → 403. A hook that throws counts as `false`.
   * @default undefined (every request accepted)
   */
  authenticate?: (req: IncomingMessage) => boolean | 'forbidden' | Promise<boolean | 'forbidden'>;
  /** Largest request body; reading stops at this size and the answer is 413. @default 262144 */
  maxBodyBytes?: number;
  /** Requests per client (token bucket); `false` turns it off. @default { perSecond: 5, burst: 30 } */
  rateLimit?: { perSecond: number; burst?: number } | false;
  /** The client key for rate limiting. @default the socket's remote address */
  clientKey?: (req: IncomingMessage) => string;
  /** Redaction applied again to everything relayed (same rules as the SDKs). @default on */
  redaction?: RedactionOptions;
  /** Headers sent to the collector (e.g. its bearer token). @default {} */
  headers?: Record<string, string>;
  /** Attempts per request to the collector before answering 503. @default 3 */
  attempts?: number;
  /** Timeout of one attempt. @default 5000 */
  timeoutMs?: number;
  /** Retry-After (seconds) told to browsers when the collector cannot take data. @default 10 */
  retryAfterSeconds?: number;
}

export interface RelayStats {
  /** Requests accepted and forwarded. */
  forwarded: number;
  /** Log records and spans forwarded. */
  items: number;
  unauthorized: number;
  tooLarge: number;
  rateLimited: number;
  invalid: number;
  /** Resources dropped for claiming a service not in `services`. */
  refusedResources: number;
  /** Requests answered 503 because the collector was unreachable or refused. */
  upstreamUnavailable: number;
}

export type NextFunction = (error?: unknown) => void;

export interface Relay {
  /** A node:http handler: answers relay paths, 404 for anything else. */
  handler(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Express (or Connect) middleware: relay paths are answered, the rest go to `next()`. */
  express(): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void;
  /** A Fastify plugin (`app.register(relay.fastify())`) adding the relay's two routes. */
  fastify(): (instance: FastifyLike) => Promise<void>;
  readonly stats: RelayStats;
}

/** The part of Fastify the plugin uses; Fastify itself is never imported. */
export interface FastifyLike {
  addContentTypeParser(
    type: string,
    parser: (
      req: unknown,
      payload: unknown,
      done: (err: Error | null, body?: unknown) => void,
    ) => void,
  ): void;
  removeAllContentTypeParsers(): void;
  post(
    path: string,
    handler: (
      request: { raw: IncomingMessage },
      reply: { raw: ServerResponse; hijack(): void },
    ) => Promise<void>,
  ): void;
}
