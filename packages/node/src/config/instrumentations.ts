import { http } from '../instrumentations/http.js';
import type { HttpOptions } from '../instrumentations/http.js';
import type { HttpServerSettings } from '../instrumentations/http-server.js';
import { INSTRUMENTATIONS, INSTRUMENTATION_NAMES } from '../instrumentations/registry.js';
import type { AnyDescriptor, InstrumentationSettings } from '../instrumentations/registry.js';
import { diagnostics } from '../internal/diag.js';
import type { InitOptions } from '../types.js';
import { listEnv } from './env.js';
import type { Env, Warn } from './env.js';

/**
 * The HTTP instrumentation's settings: `instrumentations.http`, then the deprecated top-level
 * `http`, key by key; then TRACELOG_* variables; then the defaults.
 */
export function resolveHttp(options: InitOptions, env: Env): HttpServerSettings {
  if (options.http !== undefined) reportDeprecatedHttp();
  const given = options.instrumentations?.http;
  const current: HttpOptions = typeof given === 'object' ? given : {};
  const legacy: HttpOptions = options.http ?? {};
  return http.settings({
    quietPaths: current.quietPaths ?? legacy.quietPaths ?? listEnv(env.TRACELOG_QUIET_PATHS),
    headers: current.headers ?? legacy.headers ?? listEnv(env.TRACELOG_HTTP_HEADERS),
    correlationHeader:
      current.correlationHeader ?? legacy.correlationHeader ?? env.TRACELOG_CORRELATION_HEADER,
  });
}

let deprecatedHttpReported = false;

/** Once per process: an app that calls init() in each test should not repeat it. */
function reportDeprecatedHttp(): void {
  if (deprecatedHttpReported) return;
  deprecatedHttpReported = true;
  diagnostics.warn(
    'deprecated:http',
    'init({ http }) is deprecated: pass the same options as init({ instrumentations: { http: { … } } })',
  );
}

/**
 * `false` switches an instrumentation off; `true`, nothing or an options object switches it on,
 * with its descriptor's defaults filled in. HTTP's settings come resolved (`resolveHttp`): they
 * also read the deprecated top-level option and the TRACELOG_* variables.
 */
export function resolveInstrumentations(
  options: NonNullable<InitOptions['instrumentations']>,
  httpSettings: HttpServerSettings,
  warn: Warn,
): InstrumentationSettings {
  for (const name of Object.keys(options)) {
    if (!(INSTRUMENTATION_NAMES as readonly string[]).includes(name))
      warn(
        `instrumentations.${name} is not an instrumentation (known: ${INSTRUMENTATION_NAMES.join(', ')}); ignoring it`,
      );
  }
  const resolved: Partial<InstrumentationSettings> = { http: httpSettings };
  const settings = (descriptor: AnyDescriptor) => {
    const option = options[descriptor.name];
    if (option === false) return false;
    return resolved[descriptor.name] ?? descriptor.settings(option === true ? undefined : option);
  };
  return Object.fromEntries(
    (INSTRUMENTATIONS as readonly AnyDescriptor[]).map((d) => [d.name, settings(d)]),
  ) as InstrumentationSettings;
}
