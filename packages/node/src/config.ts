import { join } from 'node:path';
import {
  parseBoolean,
  DEFAULT_BAGGAGE_KEYS,
  DEFAULT_QUIET_PATHS,
  parseDuration,
  parseKeyValueList,
  parseList,
  parseSize,
  TracelogConfigError,
  resolveCommonConfig,
} from '@tracelog/core';
import type { ResolvedCommonConfig } from '@tracelog/core';
import type { HttpOptions } from './instrumentations/http.js';
import { INSTRUMENTATION_NAMES } from './instrumentations/registry.js';
import type { InstrumentationSettings } from './instrumentations/registry.js';
import { resolvePropagators } from './propagation.js';
import type { PropagatorName } from './propagation.js';
import { resolveSampler } from './sampler.js';
import type { SamplerSetting } from './sampler.js';
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

export const DEFAULTS = {
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

export interface ResolvedConfig extends ResolvedCommonConfig {
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
 * Options win; the standard `OTEL_*` variables and our `TRACELOG_*` ones fill the rest; then
 * the defaults. Anything malformed is reported (returned as warnings) with what was used instead.
 */
export function resolveConfig(
  options: InitOptions,
  env: Env,
): { config: ResolvedConfig; warnings: string[] } {
  const { config: common, warnings } = resolveCommonConfig(options, env);
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
