import type { RedactionOptions } from '@tracelog/core';
import { LEVELS } from './schema.js';
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

type NumericDefault = {
  [K in keyof typeof DEFAULTS]: (typeof DEFAULTS)[K] extends number ? K : never;
}[keyof typeof DEFAULTS];

/**
 * The option `key` of an options group, checked as `positive` does, with its default from
 * DEFAULTS; the warning names it `prefix` + `key`, so each name is written once.
 */
const setting = (
  group: Partial<Record<NumericDefault, number>> | undefined,
  key: NumericDefault,
  prefix: string,
  warn: Warn,
) => positive(group?.[key], DEFAULTS[key], prefix + key, warn);

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
  const endpoint = options.endpoint?.replace(/\/+$/, '');
  const ratio = options.sampling?.traces;
  const { dropQuery, ...redaction } = options.redaction ?? {};
  return {
    service: options.service,
    endpoint,
    version: options.version,
    environment,
    level: resolveLevel(options.level ?? (dev ? 'debug' : 'info'), warn),
    console: options.console ?? dev,
    remote: endpoint !== undefined && (options.remote ?? !dev),
    userId: userId(options.user),
    propagateTo: propagationOrigins(pageOrigin, options.propagateTo ?? [], warn),
    correlationHeader: (options.correlationHeader ?? DEFAULTS.correlationHeader).toLowerCase(),
    logRequests: options.logRequests ?? 'errors',
    idleTimeoutMs: setting(options.session, 'idleTimeoutMs', 'session.', warn),
    maxDurationMs: setting(options.session, 'maxDurationMs', 'session.', warn),
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
    ...instrumentations(options.instrument ?? {}),
    route: options.route ?? (() => location.pathname),
    ...transportSettings(options.transport ?? {}, warn),
  };
}

/** `level` when it is one of LEVELS, else info, with a warning. */
function resolveLevel(level: Level, warn: Warn): Level {
  if (LEVELS.includes(level)) return level;
  warn(`level "${String(level)}" is not one of ${LEVELS.join(', ')}, using info`);
  return 'info';
}

/** The page's own origin plus each valid `propagateTo` entry's. */
function propagationOrigins(pageOrigin: string, entries: string[], warn: Warn): Set<string> {
  const origins = new Set([pageOrigin]);
  for (const entry of entries) {
    const o = origin(entry, warn);
    if (o) origins.add(o);
  }
  return origins;
}

/** Every instrumentation is on unless turned off, console capture off unless methods are named. */
function instrumentations(instrument: NonNullable<BrowserOptions['instrument']>) {
  return {
    errors: instrument.errors ?? true,
    fetch: instrument.fetch ?? true,
    xhr: instrument.xhr ?? true,
    interactions: instrument.interactions ?? true,
    webVitals: instrument.webVitals ?? true,
    consoleCapture: instrument.console ?? [],
  };
}

/** Request size, flush interval and offline queue bound, each checked, and extra headers. */
function transportSettings(transport: NonNullable<BrowserOptions['transport']>, warn: Warn) {
  return {
    maxBatchBytes: Math.max(1024, setting(transport, 'maxBatchBytes', 'transport.', warn)),
    flushIntervalMs: setting(transport, 'flushIntervalMs', 'transport.', warn),
    maxQueueBytes: setting(transport, 'maxQueueBytes', 'transport.', warn),
    headers: transport.headers ?? {},
  };
}

/** True when `text` matches one of the patterns (substring for strings). */
export function matches(text: string, patterns: readonly (string | RegExp)[]): boolean {
  for (const p of patterns)
    if (typeof p === 'string' ? text.includes(p) : p.test(text)) return true;
  return false;
}
