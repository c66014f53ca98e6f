import { join } from 'node:path';
import {
  DEFAULT_BAGGAGE_KEYS,
  DEFAULT_QUIET_PATHS,
  LEVELS,
  parseBoolean,
  parseComponentLevels,
  parseDuration,
  parseKeyValueList,
  parseLevel,
  parseList,
  parseSize,
} from '@tracelog/core';
import type { Level, RedactionOptions } from '@tracelog/core';
import type { HttpOptions } from './instrumentations/http-server.js';
import { INSTRUMENTATION_NAMES } from './instrumentations/registry.js';
import type { InstrumentationSettings } from './instrumentations/registry.js';
import { resolvePropagators } from './propagation.js';
import type { PropagatorName } from './propagation.js';
import { resolveSampler } from './sampler.js';
import type { SamplerSetting } from './sampler.js';
import { findPackageIdentity } from './package-identity.js';
import type { InitOptions } from './types.js';

type Env = Record<string, string | undefined>;

/** Request headers recorded on `http.request` by default: useful, and never credentials. */
export const DEFAULT_HTTP_HEADERS = [
  'user-agent',
  'content-type',
  'content-length',
  'accept',
  'referer',
  'origin',
  'x-request-id',
  'x-forwarded-for',
] as const;

/** Only for configuration nothing sensible can be made of; everything else is a warning. */
export class TracelogConfigError extends Error {
  override name = 'TracelogConfigError';
}

export const DEFAULTS = {
  serviceName: 'unknown_service',
  environment: 'development',
  level: 'info' as Level,
  debugSampleEvery: 1,
  file: '.tracelog/telemetry.jsonl',
  spoolDirectory: '.tracelog/spool',
  spoolMaxBytes: 64 * 1024 * 1024,
  maxMemoryBytes: 16 * 1024 * 1024,
  shutdownDeadlineMs: 5000,
  metricsIntervalMs: 15_000,
  timeoutMs: 10_000,
} as const;

type Signal = 'logs' | 'traces' | 'metrics';
const SIGNALS: readonly Signal[] = ['logs', 'traces', 'metrics'];

/** Every TRACELOG_* variable the SDK reads; others are reported as likely typos. */
export const KNOWN_ENV = [
  'TRACELOG_LEVELS',
  'TRACELOG_ENVIRONMENT',
  'TRACELOG_REDACT',
  'TRACELOG_REDACT_KEYS',
  'TRACELOG_LOG_RATE',
  'TRACELOG_DEDUPE_WINDOW',
  'TRACELOG_DEBUG_SAMPLE_EVERY',
  'TRACELOG_CONSOLE',
  'TRACELOG_FILE',
  'TRACELOG_SPOOL',
  'TRACELOG_SPOOL_DIR',
  'TRACELOG_SPOOL_MAX_BYTES',
  'TRACELOG_MEMORY_MAX_BYTES',
  'TRACELOG_QUIET_PATHS',
  'TRACELOG_HTTP_HEADERS',
  'TRACELOG_CORRELATION_HEADER',
  'TRACELOG_BAGGAGE_KEYS',
  'TRACELOG_SHUTDOWN_DEADLINE',
] as const;

/**
 * The stack's own settings (collector, Loki, Elasticsearch, scripts) share the prefix; people
 * export them in the same shell as their services, so they are not reported as unknown.
 */
const STACK_ENV =
  /^TRACELOG_(ES|LOKI|COLLECTOR|OTLP|CORS)_|^TRACELOG_(CACHE|STACK_DIR|STORAGE_DIR|HEALTH_ENDPOINT|INGEST_TOKEN|MAX_BODY_BYTES|METRICS_EXPORTERS)$/;

export interface ResolvedConfig {
  serviceName: string;
  serviceVersion: string | undefined;
  serviceNamespace: string | undefined;
  environment: string;
  /** Other OTEL_RESOURCE_ATTRIBUTES entries. */
  resourceAttributes: Record<string, string>;
  level: Level;
  levels: Record<string, Level>;
  redaction: RedactionOptions & { enabled: boolean };
  rateLimit: { perSecond: number; burst: number } | undefined;
  dedupeWindowMs: number;
  debugSampleEvery: number;
  /** The collector's base URL; undefined means the embedded default (console and local file). */
  endpoint: string | undefined;
  signalEndpoints: Record<Signal, string>;
  /** How long one export request may take, per signal (`OTEL_EXPORTER_OTLP_*TIMEOUT`). */
  timeoutsMs: Record<Signal, number>;
  headers: Record<string, string>;
  protocol: 'http/protobuf' | 'http/json';
  console: 'pretty' | 'json' | false;
  color: boolean;
  file: string;
  spool: { directory: string; maxBytes: number } | false;
  maxMemoryBytes: number;
  http: HttpOptions;
  baggageKeys: string[];
  shutdownDeadlineMs: number;
  handleSignals: boolean;
  metricsIntervalMs: number;
  instrumentations: InstrumentationSettings;
  /** `OTEL_SDK_DISABLED=true`: nothing is patched, exported or written; console output stays. */
  disabled: boolean;
  sampler: SamplerSetting;
  propagators: PropagatorName[];
  /** `OTEL_LOG_LEVEL`: how much of OpenTelemetry's own diagnostics we pass on. */
  diagLevel: DiagLevel;
}

/**
 * Options win; the standard `OTEL_*` variables and our `TRACELOG_*` ones fill the rest (as in the
 * OpenTelemetry SDKs, where code configuration takes precedence); then the app's package.json
 * (found from `entry`, the script node was started with) and the defaults. Anything malformed is
 * reported (returned as warnings, printed once at start) with what was used instead; so is a
 * service name taken from package.json, since it decides where the telemetry is filed.
 */
export function resolveConfig(
  options: InitOptions,
  env: Env,
  entry: string | undefined = process.argv[1],
): { config: ResolvedConfig; warnings: string[] } {
  const { config: common, warnings } = resolveCommon(options, env, entry);
  const warn = (message: string) => warnings.push(message);

  const endpoint = trimSlash(options.endpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    // Nothing sensible can be sent anywhere: the one setting that stops init().
    throw new TracelogConfigError(
      `tracelog: the OTLP endpoint must be an http(s) URL such as http://127.0.0.1:4318, got ${JSON.stringify(endpoint)}`,
    );
  }
  // A per-signal endpoint is used as given; the others append /v1/<signal> to the base, which
  // defaults to the standard local collector once any endpoint is set (the spec's defaults).
  const signalEnv = (signal: Signal) => env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  const anySignalEndpoint = SIGNALS.some((signal) => signalEnv(signal));
  const base = endpoint ?? (anySignalEndpoint ? 'http://localhost:4318' : undefined);
  const signalEndpoint = (signal: Signal) => signalEnv(signal) ?? `${base ?? ''}/v1/${signal}`;

  const requested: string = options.protocol ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  let protocol: ResolvedConfig['protocol'] = 'http/protobuf';
  if (requested === 'http/json') protocol = requested;
  else if (requested !== 'http/protobuf') {
    warn(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${requested} is not supported (use http/protobuf or http/json); using http/protobuf`,
    );
  }

  let consoleFormat: ResolvedConfig['console'] =
    options.console ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const consoleEnv = env.TRACELOG_CONSOLE;
  if (options.console === undefined && consoleEnv !== undefined) {
    if (consoleEnv === 'pretty' || consoleEnv === 'json') consoleFormat = consoleEnv;
    else if (consoleEnv === 'off' || consoleEnv === 'false' || consoleEnv === 'none')
      consoleFormat = false;
    else warn(`TRACELOG_CONSOLE must be pretty, json or off; using ${String(consoleFormat)}`);
  }

  const size = (name: string, value: number | undefined, fallback: number) => {
    if (value !== undefined) return value > 0 ? value : invalid(name, fallback);
    const raw = env[name];
    if (raw === undefined) return fallback;
    const parsed = parseSize(raw);
    return parsed !== undefined && parsed > 0 ? parsed : invalid(name, fallback);
  };
  const duration = (name: string, value: number | undefined, fallback: number) => {
    if (value !== undefined) return value >= 0 ? value : invalid(name, fallback);
    const raw = env[name];
    if (raw === undefined) return fallback;
    const parsed = parseDuration(raw);
    return parsed !== undefined && parsed >= 0 ? parsed : invalid(name, fallback);
  };
  const invalid = (name: string, fallback: number) => {
    warn(`${name} is not valid; using ${fallback}`);
    return fallback;
  };

  const spoolOption = options.spool;
  const spool =
    spoolOption === false || env.TRACELOG_SPOOL === 'off'
      ? false
      : {
          directory:
            (spoolOption && spoolOption.directory) ??
            env.TRACELOG_SPOOL_DIR ??
            join(DEFAULTS.spoolDirectory, common.serviceName),
          maxBytes: size(
            'TRACELOG_SPOOL_MAX_BYTES',
            spoolOption ? spoolOption.maxBytes : undefined,
            DEFAULTS.spoolMaxBytes,
          ),
        };

  const timeout = duration('OTEL_EXPORTER_OTLP_TIMEOUT', options.timeoutMs, DEFAULTS.timeoutMs);
  const http = {
    quietPaths: new Set(
      options.http?.quietPaths ?? listEnv(env.TRACELOG_QUIET_PATHS) ?? DEFAULT_QUIET_PATHS,
    ),
    headers: (
      options.http?.headers ??
      listEnv(env.TRACELOG_HTTP_HEADERS) ?? [...DEFAULT_HTTP_HEADERS]
    ).map((h) => h.toLowerCase()),
    correlationHeader: options.http?.correlationHeader ?? env.TRACELOG_CORRELATION_HEADER,
  };
  const config: ResolvedConfig = {
    ...common,
    endpoint: base,
    signalEndpoints: {
      logs: signalEndpoint('logs'),
      traces: signalEndpoint('traces'),
      metrics: signalEndpoint('metrics'),
    },
    timeoutsMs: {
      logs: duration('OTEL_EXPORTER_OTLP_LOGS_TIMEOUT', undefined, timeout),
      traces: duration('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', undefined, timeout),
      metrics: duration('OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', undefined, timeout),
    },
    headers: options.headers ?? parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS ?? ''),
    protocol,
    console: consoleFormat,
    color: Boolean(process.stdout.isTTY) && env.NO_COLOR === undefined,
    file: options.file ?? env.TRACELOG_FILE ?? DEFAULTS.file,
    spool,
    maxMemoryBytes: size(
      'TRACELOG_MEMORY_MAX_BYTES',
      options.maxMemoryBytes,
      DEFAULTS.maxMemoryBytes,
    ),
    http,
    baggageKeys: options.baggageKeys ??
      listEnv(env.TRACELOG_BAGGAGE_KEYS) ?? [...DEFAULT_BAGGAGE_KEYS],
    shutdownDeadlineMs: duration(
      'TRACELOG_SHUTDOWN_DEADLINE',
      options.shutdownDeadlineMs,
      DEFAULTS.shutdownDeadlineMs,
    ),
    handleSignals: options.handleSignals ?? true,
    metricsIntervalMs: duration(
      'OTEL_METRIC_EXPORT_INTERVAL',
      options.metricsIntervalMs,
      DEFAULTS.metricsIntervalMs,
    ),
    instrumentations: instrumentationSettings(options.instrumentations ?? {}, http, warn),
    disabled: sdkDisabled(env, warn),
    sampler: resolveSampler(env, warn),
    propagators: resolvePropagators(env, warn),
    diagLevel: diagLevel(env, warn),
  };
  return { config, warnings };
}

type CommonConfig = Pick<
  ResolvedConfig,
  | 'serviceName'
  | 'serviceVersion'
  | 'serviceNamespace'
  | 'environment'
  | 'resourceAttributes'
  | 'level'
  | 'levels'
  | 'redaction'
  | 'rateLimit'
  | 'dedupeWindowMs'
  | 'debugSampleEvery'
>;

/** Identity, levels, redaction and the record filters. OTEL_SERVICE_NAME beats service.name in OTEL_RESOURCE_ATTRIBUTES. */
function resolveCommon(
  options: InitOptions,
  env: Env,
  entry: string | undefined,
): { config: CommonConfig; warnings: string[] } {
  const warnings: string[] = [];
  const resource = parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const take = (key: string) => {
    const value = resource[key];
    delete resource[key];
    return value;
  };
  const fromResource = {
    name: take('service.name'),
    version: take('service.version'),
    namespace: take('service.namespace'),
    environment: take('deployment.environment.name') ?? take('deployment.environment'),
  };

  let serviceName =
    options.serviceName ?? env.OTEL_SERVICE_NAME ?? fromResource.name ?? env.npm_package_name;
  let serviceVersion = options.serviceVersion ?? fromResource.version ?? env.npm_package_version;
  if (serviceName === undefined || serviceVersion === undefined) {
    const app = findPackageIdentity(entry);
    if (app && serviceName === undefined) {
      serviceName = app.name;
      warnings.push(`service.name ${JSON.stringify(app.name)} from ${app.path}`);
    }
    serviceVersion ??= app?.version;
  }

  let level = options.level ?? DEFAULTS.level;
  if (options.level === undefined && env.LOG_LEVEL !== undefined) {
    const parsed = parseLevel(env.LOG_LEVEL);
    if (parsed) level = parsed;
    else
      warnings.push(
        `LOG_LEVEL=${env.LOG_LEVEL} is not a level (${LEVELS.join(', ')}); using ${level}`,
      );
  }
  let levels = options.levels ?? {};
  if (options.levels === undefined && env.TRACELOG_LEVELS) {
    const parsed = parseComponentLevels(env.TRACELOG_LEVELS);
    levels = parsed.levels;
    if (parsed.invalid.length > 0) {
      warnings.push(
        `TRACELOG_LEVELS entries ignored (expected component=level): ${parsed.invalid.join(', ')}`,
      );
    }
  }

  const redactEnv =
    env.TRACELOG_REDACT === undefined ? undefined : parseBoolean(env.TRACELOG_REDACT);
  if (env.TRACELOG_REDACT !== undefined && redactEnv === undefined) {
    warnings.push(`TRACELOG_REDACT=${env.TRACELOG_REDACT} is not on/off; redaction stays on`);
  }
  const redaction = {
    ...options.redaction,
    enabled: options.redaction?.enabled ?? redactEnv ?? true,
    keys: [...(options.redaction?.keys ?? []), ...parseList(env.TRACELOG_REDACT_KEYS ?? '')],
  };

  let rateLimit: CommonConfig['rateLimit'];
  if (options.rateLimit) {
    rateLimit = {
      perSecond: options.rateLimit.perSecond,
      burst: options.rateLimit.burst ?? options.rateLimit.perSecond * 2,
    };
  } else if (options.rateLimit === undefined && env.TRACELOG_LOG_RATE) {
    const m = /^\s*(\d+)\s*\/\s*s(?:\s*:\s*burst\s*=\s*(\d+))?\s*$/i.exec(env.TRACELOG_LOG_RATE);
    if (m) rateLimit = { perSecond: Number(m[1]), burst: Number(m[2] ?? Number(m[1]) * 2) };
    else
      warnings.push(
        `TRACELOG_LOG_RATE=${env.TRACELOG_LOG_RATE} must look like 200/s or 200/s:burst=500; no rate limit`,
      );
  }

  let dedupeWindowMs = options.dedupe ? options.dedupe.windowMs : 0;
  if (options.dedupe === undefined && env.TRACELOG_DEDUPE_WINDOW) {
    const parsed = parseDuration(env.TRACELOG_DEDUPE_WINDOW);
    if (parsed !== undefined) dedupeWindowMs = parsed;
    else
      warnings.push(
        `TRACELOG_DEDUPE_WINDOW=${env.TRACELOG_DEDUPE_WINDOW} is not a duration; dedupe off`,
      );
  }

  let debugSampleEvery = options.sampling?.debugEvery ?? DEFAULTS.debugSampleEvery;
  if (options.sampling?.debugEvery === undefined && env.TRACELOG_DEBUG_SAMPLE_EVERY) {
    const parsed = Number(env.TRACELOG_DEBUG_SAMPLE_EVERY);
    if (Number.isInteger(parsed) && parsed >= 1) debugSampleEvery = parsed;
    else
      warnings.push(
        `TRACELOG_DEBUG_SAMPLE_EVERY must be a whole number ≥ 1; using ${debugSampleEvery}`,
      );
  }

  for (const key of Object.keys(env)) {
    if (
      key.startsWith('TRACELOG_') &&
      !(KNOWN_ENV as readonly string[]).includes(key) &&
      !STACK_ENV.test(key)
    ) {
      const hint = closest(key, KNOWN_ENV);
      warnings.push(
        `${key} is not a tracelog setting${hint ? ` (did you mean ${hint}?)` : ''}; ignored`,
      );
    }
  }

  return {
    config: {
      serviceName: serviceName ?? DEFAULTS.serviceName,
      serviceVersion,
      serviceNamespace: options.serviceNamespace ?? fromResource.namespace,
      environment:
        options.environment ??
        env.TRACELOG_ENVIRONMENT ??
        fromResource.environment ??
        env.NODE_ENV ??
        DEFAULTS.environment,
      resourceAttributes: resource,
      level,
      levels,
      redaction,
      rateLimit,
      dedupeWindowMs,
      debugSampleEvery,
    },
    warnings,
  };
}

/** The known name within `maxDistance` edits, for "did you mean" (the LogQL check uses it too). */
export function closest(
  name: string,
  known: Iterable<string>,
  maxDistance = 3,
): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = current;
    }
  }
  return row[b.length]!;
}

function sdkDisabled(env: Env, warn: (message: string) => void): boolean {
  const raw = env.OTEL_SDK_DISABLED;
  if (raw === undefined || raw.trim() === '') return false;
  const parsed = parseBoolean(raw);
  if (parsed === undefined) warn(`OTEL_SDK_DISABLED=${raw} is not true or false; the SDK stays on`);
  return parsed === true;
}

/** `OTEL_LOG_LEVEL` values, as the specification names them. */
export const DIAG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export type DiagLevel = (typeof DIAG_LEVELS)[number];

function diagLevel(env: Env, warn: (message: string) => void): DiagLevel {
  const raw = env.OTEL_LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'warn';
  if ((DIAG_LEVELS as readonly string[]).includes(raw)) return raw as DiagLevel;
  warn(`OTEL_LOG_LEVEL=${raw} is not one of ${DIAG_LEVELS.join(', ')}; using warn`);
  return 'warn';
}

function listEnv(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : parseList(value);
}

function trimSlash(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** `false` switches an instrumentation off; `true`, nothing or an options object switches it on. */
function instrumentationSettings(
  options: NonNullable<InitOptions['instrumentations']>,
  http: HttpOptions,
  warn: (message: string) => void,
): InstrumentationSettings {
  for (const name of Object.keys(options)) {
    if (!(INSTRUMENTATION_NAMES as readonly string[]).includes(name))
      warn(
        `instrumentations.${name} is not an instrumentation (known: ${INSTRUMENTATION_NAMES.join(', ')}); ignoring it`,
      );
  }
  const withOptions = <T extends object>(option: boolean | T | undefined): false | T =>
    option === false ? false : option === true || option === undefined ? ({} as T) : option;
  return {
    http: options.http === false ? false : http,
    undici: withOptions(options.undici),
    express: options.express !== false,
    fastify: options.fastify !== false,
    pg: options.pg !== false,
    redis: options.redis !== false,
    runtime: withOptions(options.runtime),
    bullmq: withOptions(options.bullmq),
  };
}
