import { DEFAULT_BAGGAGE_KEYS } from '@tracelog/core';
import type { InstrumentationSettings } from '../instrumentations/registry.js';
import { resolvePropagators } from '../traces/propagation.js';
import type { PropagatorName } from '../traces/propagation.js';
import { resolveSampler } from '../traces/sampler.js';
import type { SamplerSetting } from '../traces/sampler.js';
import type { InitOptions } from '../types.js';
import { DEFAULTS } from './defaults.js';
import { resolveDestinations } from './destinations.js';
import type { Destinations } from './destinations.js';
import { diagLevel, listEnv, numberReader, sdkDisabled, warnUnknownEnv } from './env.js';
import type { DiagLevel, Env } from './env.js';
import { resolveIdentity } from './identity.js';
import type { ServiceIdentity } from './identity.js';
import { resolveHttp, resolveInstrumentations } from './instrumentations.js';
import { resolveRecords } from './records.js';
import type { RecordSettings } from './records.js';

/** The complete configuration `init()` resolves once; only this travels inward. */
export interface ResolvedConfig extends ServiceIdentity, RecordSettings, Destinations {
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
 * reported (returned as warnings, printed once at start) with what was used instead.
 */
export function resolveConfig(
  options: InitOptions,
  env: Env,
  entry: string | undefined = process.argv[1],
): { config: ResolvedConfig; warnings: string[] } {
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  const identity = resolveIdentity(options, env, entry, warn);
  const records = resolveRecords(options, env, warn);
  warnUnknownEnv(env, warn);
  const destinations = resolveDestinations(options, env, identity.serviceName, warn);
  const { duration } = numberReader(env, warn);
  const config: ResolvedConfig = {
    ...identity,
    ...records,
    ...destinations,
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
    instrumentations: resolveInstrumentations(
      options.instrumentations ?? {},
      resolveHttp(options, env),
      warn,
    ),
    disabled: sdkDisabled(env, warn),
    sampler: resolveSampler(env, warn),
    propagators: resolvePropagators(env, warn),
    diagLevel: diagLevel(env, warn),
  };
  return { config, warnings };
}
