import {
  LEVELS,
  parseBoolean,
  parseComponentLevels,
  parseDuration,
  parseLevel,
  parseList,
} from '@tracelog/core';
import type { Level, RedactionOptions } from '@tracelog/core';
import type { InitOptions } from '../types.js';
import { DEFAULTS } from './defaults.js';
import type { Env, Warn } from './env.js';

/** What decides whether a record is kept and what it may carry. */
export interface RecordSettings {
  level: Level;
  levels: Record<string, Level>;
  redaction: RedactionOptions & { enabled: boolean };
  rateLimit: { perSecond: number; burst: number } | undefined;
  dedupeWindowMs: number;
  debugSampleEvery: number;
}

/** Levels, redaction and the record filters (rate limit, dedupe, debug sampling). */
export function resolveRecords(options: InitOptions, env: Env, warn: Warn): RecordSettings {
  return {
    ...resolveLevels(options, env, warn),
    redaction: resolveRedaction(options, env, warn),
    rateLimit: resolveRateLimit(options, env, warn),
    dedupeWindowMs: resolveDedupe(options, env, warn),
    debugSampleEvery: resolveDebugSampling(options, env, warn),
  };
}

function resolveLevels(
  options: InitOptions,
  env: Env,
  warn: Warn,
): Pick<RecordSettings, 'level' | 'levels'> {
  let level = options.level ?? DEFAULTS.level;
  if (options.level === undefined && env.LOG_LEVEL !== undefined) {
    const parsed = parseLevel(env.LOG_LEVEL);
    if (parsed) level = parsed;
    else warn(`LOG_LEVEL=${env.LOG_LEVEL} is not a level (${LEVELS.join(', ')}); using ${level}`);
  }
  let levels = options.levels ?? {};
  if (options.levels === undefined && env.TRACELOG_LEVELS) {
    const parsed = parseComponentLevels(env.TRACELOG_LEVELS);
    levels = parsed.levels;
    if (parsed.invalid.length > 0) {
      warn(
        `TRACELOG_LEVELS entries ignored (expected component=level): ${parsed.invalid.join(', ')}`,
      );
    }
  }
  return { level, levels };
}

function resolveRedaction(options: InitOptions, env: Env, warn: Warn): RecordSettings['redaction'] {
  const redactEnv =
    env.TRACELOG_REDACT === undefined ? undefined : parseBoolean(env.TRACELOG_REDACT);
  if (env.TRACELOG_REDACT !== undefined && redactEnv === undefined) {
    warn(`TRACELOG_REDACT=${env.TRACELOG_REDACT} is not on/off; redaction stays on`);
  }
  return {
    ...options.redaction,
    enabled: options.redaction?.enabled ?? redactEnv ?? true,
    keys: [...(options.redaction?.keys ?? []), ...parseList(env.TRACELOG_REDACT_KEYS ?? '')],
  };
}

function resolveRateLimit(options: InitOptions, env: Env, warn: Warn): RecordSettings['rateLimit'] {
  if (options.rateLimit) {
    return {
      perSecond: options.rateLimit.perSecond,
      burst: options.rateLimit.burst ?? options.rateLimit.perSecond * 2,
    };
  }
  if (options.rateLimit !== undefined || !env.TRACELOG_LOG_RATE) return undefined;
  const m = /^\s*(\d+)\s*\/\s*s(?:\s*:\s*burst\s*=\s*(\d+))?\s*$/i.exec(env.TRACELOG_LOG_RATE);
  if (m) return { perSecond: Number(m[1]), burst: Number(m[2] ?? Number(m[1]) * 2) };
  warn(
    `TRACELOG_LOG_RATE=${env.TRACELOG_LOG_RATE} must look like 200/s or 200/s:burst=500; no rate limit`,
  );
  return undefined;
}

function resolveDedupe(options: InitOptions, env: Env, warn: Warn): number {
  if (options.dedupe !== undefined || !env.TRACELOG_DEDUPE_WINDOW) {
    return options.dedupe ? options.dedupe.windowMs : 0;
  }
  const parsed = parseDuration(env.TRACELOG_DEDUPE_WINDOW);
  if (parsed !== undefined) return parsed;
  warn(`TRACELOG_DEDUPE_WINDOW=${env.TRACELOG_DEDUPE_WINDOW} is not a duration; dedupe off`);
  return 0;
}

function resolveDebugSampling(options: InitOptions, env: Env, warn: Warn): number {
  const every = options.sampling?.debugEvery ?? DEFAULTS.debugSampleEvery;
  if (options.sampling?.debugEvery !== undefined || !env.TRACELOG_DEBUG_SAMPLE_EVERY) return every;
  const parsed = Number(env.TRACELOG_DEBUG_SAMPLE_EVERY);
  if (Number.isInteger(parsed) && parsed >= 1) return parsed;
  warn(`TRACELOG_DEBUG_SAMPLE_EVERY must be a whole number ≥ 1; using ${every}`);
  return every;
}
