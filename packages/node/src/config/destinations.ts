import { join } from 'node:path';
import { parseKeyValueList } from '@tracelog/core';
import type { InitOptions } from '../types.js';
import { DEFAULTS } from './defaults.js';
import { numberReader } from './env.js';
import type { Env, NumberReader, Warn } from './env.js';

export type Signal = 'logs' | 'traces' | 'metrics';
const SIGNALS: readonly Signal[] = ['logs', 'traces', 'metrics'];

/** Only for configuration nothing sensible can be made of; everything else is a warning. */
export class TracelogConfigError extends Error {
  override name = 'TracelogConfigError';
}

/** Where records go: the collector (endpoints, protocol, limits), the console, the local file. */
export interface Destinations {
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
}

export function resolveDestinations(
  options: InitOptions,
  env: Env,
  serviceName: string,
  warn: Warn,
): Destinations {
  const read = numberReader(env, warn);
  return {
    ...resolveEndpoints(options, env),
    timeoutsMs: resolveTimeouts(options, read),
    headers: options.headers ?? parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS ?? ''),
    protocol: resolveProtocol(options, env, warn),
    console: resolveConsole(options, env, warn),
    color: Boolean(process.stdout.isTTY) && env.NO_COLOR === undefined,
    file: options.file ?? env.TRACELOG_FILE ?? DEFAULTS.file,
    spool: resolveSpool(options, env, serviceName, read),
    maxMemoryBytes: read.size(
      'TRACELOG_MEMORY_MAX_BYTES',
      options.maxMemoryBytes,
      DEFAULTS.maxMemoryBytes,
    ),
  };
}

/**
 * A per-signal endpoint is used as given; the others append /v1/<signal> to the base, which
 * defaults to the standard local collector once any endpoint is set (the spec's defaults).
 */
function resolveEndpoints(
  options: InitOptions,
  env: Env,
): Pick<Destinations, 'endpoint' | 'signalEndpoints'> {
  const endpoint = trimSlash(options.endpoint ?? env.OTEL_EXPORTER_OTLP_ENDPOINT);
  if (endpoint !== undefined && !/^https?:\/\/[^/]/.test(endpoint)) {
    // Nothing sensible can be sent anywhere: the one setting that stops init().
    throw new TracelogConfigError(
      `tracelog: the OTLP endpoint must be an http(s) URL such as http://127.0.0.1:4318, got ${JSON.stringify(endpoint)}`,
    );
  }
  const signalEnv = (signal: Signal) => env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`];
  const anySignalEndpoint = SIGNALS.some((signal) => signalEnv(signal));
  const base = endpoint ?? (anySignalEndpoint ? 'http://localhost:4318' : undefined);
  const signalEndpoint = (signal: Signal) => signalEnv(signal) ?? `${base ?? ''}/v1/${signal}`;
  return {
    endpoint: base,
    signalEndpoints: {
      logs: signalEndpoint('logs'),
      traces: signalEndpoint('traces'),
      metrics: signalEndpoint('metrics'),
    },
  };
}

function resolveTimeouts(options: InitOptions, { duration }: NumberReader): Record<Signal, number> {
  const timeout = duration('OTEL_EXPORTER_OTLP_TIMEOUT', options.timeoutMs, DEFAULTS.timeoutMs);
  return {
    logs: duration('OTEL_EXPORTER_OTLP_LOGS_TIMEOUT', undefined, timeout),
    traces: duration('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', undefined, timeout),
    metrics: duration('OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', undefined, timeout),
  };
}

function resolveProtocol(options: InitOptions, env: Env, warn: Warn): Destinations['protocol'] {
  const requested: string = options.protocol ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  if (requested === 'http/json' || requested === 'http/protobuf') return requested;
  warn(
    `OTEL_EXPORTER_OTLP_PROTOCOL=${requested} is not supported (use http/protobuf or http/json); using http/protobuf`,
  );
  return 'http/protobuf';
}

function resolveConsole(options: InitOptions, env: Env, warn: Warn): Destinations['console'] {
  const format = options.console ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const consoleEnv = env.TRACELOG_CONSOLE;
  if (options.console !== undefined || consoleEnv === undefined) return format;
  if (consoleEnv === 'pretty' || consoleEnv === 'json') return consoleEnv;
  if (consoleEnv === 'off' || consoleEnv === 'false' || consoleEnv === 'none') return false;
  warn(`TRACELOG_CONSOLE must be pretty, json or off; using ${String(format)}`);
  return format;
}

function resolveSpool(
  options: InitOptions,
  env: Env,
  serviceName: string,
  { size }: NumberReader,
): Destinations['spool'] {
  const spool = options.spool;
  if (spool === false || env.TRACELOG_SPOOL === 'off') return false;
  return {
    directory:
      (spool && spool.directory) ??
      env.TRACELOG_SPOOL_DIR ??
      join(DEFAULTS.spoolDirectory, serviceName),
    maxBytes: size(
      'TRACELOG_SPOOL_MAX_BYTES',
      spool ? spool.maxBytes : undefined,
      DEFAULTS.spoolMaxBytes,
    ),
  };
}

function trimSlash(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
