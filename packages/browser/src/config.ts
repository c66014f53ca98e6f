import { LEVELS } from '@tracelog/core';
import type { RedactionOptions } from '@tracelog/core';
import type { BrowserLogRecord, BrowserOptions, Level } from './types.js';

export const DEFAULTS = {
  environment: 'production',
  component: 'app',
  correlationHeader: 'x-correlation-id',
  idleTimeoutMs: 30 * 60_000,
  maxDurationMs: 4 * 3_600_000,
  ratePerSecond: 10,
  burst: 100,
  dedupeWindowMs: 5_000,
  maxBatchBytes: 16_384,
  flushIntervalMs: 5_000,
  maxQueueBytes: 262_144,
  maxStringLength: 4_096,
} as const;

interface Limit {
  perSecond: number;
  burst: number;
}

export interface ResolvedConfig {
  service: string;
  endpoint: string | undefined;
  version: string | undefined;
  environment: string;
  level: Level;
  console: boolean;
  remote: boolean;
  userId: string | undefined;
  /** The page's origin plus `propagateTo`. */
  propagateTo: Set<string>;
  correlationHeader: string;
  logRequests: 'all' | 'errors' | 'none';
  idleTimeoutMs: number;
  maxDurationMs: number;
  traceRatio: number;
  debugEvery: number;
  ignoreMessages: (string | RegExp)[];
  ignoreUrls: (string | RegExp)[];
  ignoreExtensionErrors: boolean;
  logLimit: Limit | undefined;
  spanLimit: Limit | undefined;
  dedupeWindowMs: number;
  redaction: RedactionOptions;
  dropQuery: boolean;
  beforeSend:
    ((r: BrowserLogRecord) => BrowserLogRecord | null | false | undefined | void) | undefined;
  errors: boolean;
  fetch: boolean;
  xhr: boolean;
  interactions: boolean;
  webVitals: boolean;
  consoleCapture: ('debug' | 'info' | 'warn' | 'error')[];
  route: () => string;
  maxBatchBytes: number;
  flushIntervalMs: number;
  maxQueueBytes: number;
  headers: Record<string, string>;
}

const positive = (value: number | undefined, fallback: number, name: string, warn: Warn) => {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && value > 0 && Number.isFinite(value)) return value;
  warn(`${name} must be a positive number, using ${fallback}`);
  return fallback;
};

type Warn = (message: string) => void;

function limit(
  value: { perSecond: number; burst?: number } | false | undefined,
  name: string,
  warn: Warn,
): Limit | undefined {
  if (value === false) return undefined;
  const perSecond = positive(value?.perSecond, DEFAULTS.ratePerSecond, `${name}.perSecond`, warn);
  return {
    perSecond,
    burst: positive(value?.burst, Math.max(DEFAULTS.burst, perSecond), `${name}.burst`, warn),
  };
}

function origin(value: string, warn: Warn): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    warn(`propagateTo entry "${value}" is not an origin (https://host), ignored`);
    return undefined;
  }
}

export function userId(user: { id: string } | string | undefined): string | undefined {
  return typeof user === 'string' ? user : user?.id;
}

/** Resolves user options once; only the resolved form travels inward. */
export function resolveConfig(
  options: BrowserOptions,
  pageOrigin: string,
  warn: Warn,
): ResolvedConfig {
  const environment = options.environment ?? DEFAULTS.environment;
  const dev = environment === 'development';
  let level = options.level ?? (dev ? 'debug' : 'info');
  if (!LEVELS.includes(level)) {
    warn(`level "${String(level)}" is not one of ${LEVELS.join(', ')}, using info`);
    level = 'info';
  }
  const endpoint = options.endpoint?.replace(/\/+$/, '');
  const instrument = options.instrument ?? {};
  const transport = options.transport ?? {};
  const ratio = options.sampling?.traces;
  const { dropQuery, ...redaction } = options.redaction ?? {};
  const propagateTo = new Set([pageOrigin]);
  for (const entry of options.propagateTo ?? []) {
    const o = origin(entry, warn);
    if (o) propagateTo.add(o);
  }
  return {
    service: options.service,
    endpoint,
    version: options.version,
    environment,
    level,
    console: options.console ?? dev,
    remote: endpoint !== undefined && (options.remote ?? !dev),
    userId: userId(options.user),
    propagateTo,
    correlationHeader: (options.correlationHeader ?? DEFAULTS.correlationHeader).toLowerCase(),
    logRequests: options.logRequests ?? 'errors',
    idleTimeoutMs: positive(
      options.session?.idleTimeoutMs,
      DEFAULTS.idleTimeoutMs,
      'session.idleTimeoutMs',
      warn,
    ),
    maxDurationMs: positive(
      options.session?.maxDurationMs,
      DEFAULTS.maxDurationMs,
      'session.maxDurationMs',
      warn,
    ),
    traceRatio: typeof ratio === 'number' && ratio >= 0 && ratio <= 1 ? ratio : 1,
    debugEvery: Math.floor(positive(options.sampling?.debugEvery, 1, 'sampling.debugEvery', warn)),
    ignoreMessages: options.ignore?.messages ?? [],
    ignoreUrls: options.ignore?.urls ?? [],
    ignoreExtensionErrors: options.ignoreExtensionErrors ?? true,
    logLimit: limit(options.rateLimit?.logs, 'rateLimit.logs', warn),
    spanLimit: limit(options.rateLimit?.spans, 'rateLimit.spans', warn),
    dedupeWindowMs:
      options.dedupeWindowMs === false
        ? 0
        : positive(options.dedupeWindowMs, DEFAULTS.dedupeWindowMs, 'dedupeWindowMs', warn),
    redaction: { maxStringLength: DEFAULTS.maxStringLength, ...redaction },
    dropQuery: dropQuery ?? false,
    beforeSend: options.beforeSend,
    errors: instrument.errors ?? true,
    fetch: instrument.fetch ?? true,
    xhr: instrument.xhr ?? true,
    interactions: instrument.interactions ?? true,
    webVitals: instrument.webVitals ?? true,
    consoleCapture: instrument.console ?? [],
    route: options.route ?? (() => location.pathname),
    maxBatchBytes: Math.max(
      1024,
      positive(transport.maxBatchBytes, DEFAULTS.maxBatchBytes, 'transport.maxBatchBytes', warn),
    ),
    flushIntervalMs: positive(
      transport.flushIntervalMs,
      DEFAULTS.flushIntervalMs,
      'transport.flushIntervalMs',
      warn,
    ),
    maxQueueBytes: positive(
      transport.maxQueueBytes,
      DEFAULTS.maxQueueBytes,
      'transport.maxQueueBytes',
      warn,
    ),
    headers: transport.headers ?? {},
  };
}

/** True when `text` matches one of the patterns (substring for strings). */
export function matches(text: string, patterns: readonly (string | RegExp)[]): boolean {
  for (const p of patterns)
    if (typeof p === 'string' ? text.includes(p) : p.test(text)) return true;
  return false;
}
