import { DEFAULT_QUIET_PATHS } from '@tracelog/core';
import type { HttpOptions } from '../instrumentations/http-server.js';
import { INSTRUMENTATION_NAMES } from '../instrumentations/registry.js';
import type { InstrumentationSettings } from '../instrumentations/registry.js';
import type { InitOptions } from '../types.js';
import { DEFAULT_HTTP_HEADERS } from './defaults.js';
import { listEnv } from './env.js';
import type { Env, Warn } from './env.js';

/** The HTTP server instrumentation's options: given ones, then TRACELOG_* variables, then defaults. */
export function resolveHttp(options: InitOptions, env: Env): HttpOptions {
  return {
    quietPaths: new Set(
      options.http?.quietPaths ?? listEnv(env.TRACELOG_QUIET_PATHS) ?? DEFAULT_QUIET_PATHS,
    ),
    headers: (
      options.http?.headers ??
      listEnv(env.TRACELOG_HTTP_HEADERS) ?? [...DEFAULT_HTTP_HEADERS]
    ).map((h) => h.toLowerCase()),
    correlationHeader: options.http?.correlationHeader ?? env.TRACELOG_CORRELATION_HEADER,
  };
}

/** `false` switches an instrumentation off; `true`, nothing or an options object switches it on. */
export function resolveInstrumentations(
  options: NonNullable<InitOptions['instrumentations']>,
  http: HttpOptions,
  warn: Warn,
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
