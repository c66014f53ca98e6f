import { LEVELS } from './schema.js';
import type { Level } from './schema.js';
import type { RedactionOptions } from './redact.js';

/** Only for configuration nothing sensible can be made of; everything else is a warning. */
export class TracelogConfigError extends Error {
  override name = 'TracelogConfigError';
}

/** Options every tracelog SDK shares. */
export interface CommonOptions {
  /** `service.name`. @default OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, npm_package_name, 'unknown_service' */
  serviceName?: string;
  /** `service.version`. @default from OTEL_RESOURCE_ATTRIBUTES, npm_package_version */
  serviceVersion?: string;
  /** `service.namespace`. @default from OTEL_RESOURCE_ATTRIBUTES */
  serviceNamespace?: string;
  /** `deployment.environment.name`. @default TRACELOG_ENVIRONMENT, NODE_ENV, 'development' */
  environment?: string;
  /** Default log level. @default LOG_LEVEL, 'info' */
  level?: Level;
  /** Per-component levels, e.g. `{ orders: 'debug', 'orders.db': 'warn' }`. @default TRACELOG_LEVELS */
  levels?: Record<string, Level>;
  /** @default on, with TRACELOG_REDACT_KEYS added to the sensitive keys */
  redaction?: RedactionOptions;
  /** Rate limit for warn-and-below records. @default TRACELOG_LOG_RATE, off */
  rateLimit?: { perSecond: number; burst?: number } | false;
  /** Collapse identical records within a window. @default TRACELOG_DEDUPE_WINDOW, off */
  dedupe?: { windowMs: number } | false;
  /** Keep 1 in `debugEvery` debug/trace records per message. @default TRACELOG_DEBUG_SAMPLE_EVERY, 1 */
  sampling?: { debugEvery?: number };
}

export interface ResolvedCommonConfig {
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
}

export const DEFAULTS = {
  serviceName: 'unknown_service',
  environment: 'development',
  level: 'info' as Level,
  debugSampleEvery: 1,
} as const;

/** Every TRACELOG_* variable any SDK reads; others are reported as likely typos. */
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

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/** `'64MiB'`, `'512kb'`, `'1048576'` → bytes; undefined when malformed. */
export function parseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  return unit === undefined ? undefined : Math.round(Number(m[1]) * unit);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `'30s'`, `'500ms'`, `'2m'`, `'1500'` (ms) → milliseconds; undefined when malformed. */
export function parseDuration(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[(m[2] ?? 'ms').toLowerCase()]!;
}

export function parseBoolean(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(value)) return true;
  if (['0', 'false', 'off', 'no'].includes(value)) return false;
  return undefined;
}

const LEVEL_ALIASES: Record<string, Level> = {
  warning: 'warn',
  critical: 'fatal',
  crit: 'fatal',
  verbose: 'debug',
  silly: 'trace',
};

export function parseLevel(text: string): Level | undefined {
  const value = text.trim().toLowerCase();
  return (LEVELS as readonly string[]).includes(value) ? (value as Level) : LEVEL_ALIASES[value];
}

/** `'a,b, c'` → `['a', 'b', 'c']`. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** The OTEL_RESOURCE_ATTRIBUTES / OTEL_EXPORTER_OTLP_HEADERS format: `k=v,k2=v2`, percent-encoded. */
export function parseKeyValueList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of parseList(text)) {
    const eq = item.indexOf('=');
    if (eq <= 0) continue;
    out[decode(item.slice(0, eq).trim())] = decode(item.slice(eq + 1).trim());
  }
  return out;
}

/** `'orders=debug,orders.db=warn'` → levels; malformed entries are reported in `invalid`. */
export function parseComponentLevels(text: string): {
  levels: Record<string, Level>;
  invalid: string[];
} {
  const levels: Record<string, Level> = {};
  const invalid: string[] = [];
  for (const item of parseList(text)) {
    const eq = item.indexOf('=');
    const level = eq > 0 ? parseLevel(item.slice(eq + 1)) : undefined;
    if (level) levels[item.slice(0, eq).trim()] = level;
    else invalid.push(item);
  }
  return { levels, invalid };
}

/**
 * The level of a hierarchical component: `orders.api.validation` takes the most specific of
 * `orders.api.validation`, `orders.api`, `orders`, then the default. Cached per component.
 */
export function createLevelResolver(
  defaultLevel: Level,
  overrides: Record<string, Level>,
): (component: string) => Level {
  const cache = new Map<string, Level>();
  return (component) => {
    let level = cache.get(component);
    if (level) return level;
    let name = component;
    for (;;) {
      level = overrides[name];
      if (level) break;
      const dot = name.lastIndexOf('.');
      if (dot < 0) break;
      name = name.slice(0, dot);
    }
    level ??= defaultLevel;
    if (cache.size < 10_000) cache.set(component, level);
    return level;
  };
}

type Env = Record<string, string | undefined>;

/**
 * Options win; the standard OTEL_* variables and our TRACELOG_* ones fill the rest (as in the
 * OpenTelemetry SDKs, where code configuration takes precedence); then DEFAULTS.
 * OTEL_SERVICE_NAME beats service.name in OTEL_RESOURCE_ATTRIBUTES. Malformed values come back
 * as warnings naming the setting and what was used instead.
 */
export function resolveCommonConfig(
  options: CommonOptions,
  env: Env,
): { config: ResolvedCommonConfig; warnings: string[] } {
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

  let rateLimit: ResolvedCommonConfig['rateLimit'];
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
      serviceName:
        options.serviceName ??
        env.OTEL_SERVICE_NAME ??
        fromResource.name ??
        env.npm_package_name ??
        DEFAULTS.serviceName,
      serviceVersion: options.serviceVersion ?? fromResource.version ?? env.npm_package_version,
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

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The known name within edit distance 3, for "did you mean". */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
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
