import { closest, parseBoolean, parseDuration, parseList, parseSize } from '@tracelog/core';

export type Env = Record<string, string | undefined>;
export type Warn = (message: string) => void;

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

/** A warning for each TRACELOG_* variable the SDK does not read, with the likely intended one. */
export function warnUnknownEnv(env: Env, warn: Warn): void {
  for (const key of Object.keys(env)) {
    if (
      key.startsWith('TRACELOG_') &&
      !(KNOWN_ENV as readonly string[]).includes(key) &&
      !STACK_ENV.test(key)
    ) {
      const hint = closest(key, KNOWN_ENV);
      warn(`${key} is not a tracelog setting${hint ? ` (did you mean ${hint}?)` : ''}; ignored`);
    }
  }
}

/**
 * Reads sizes and durations: an option wins, then the variable; a value that is not valid is
 * reported with the fallback used instead.
 */
export type NumberReader = ReturnType<typeof numberReader>;

export function numberReader(env: Env, warn: Warn) {
  const invalid = (name: string, fallback: number) => {
    warn(`${name} is not valid; using ${fallback}`);
    return fallback;
  };
  const read =
    (parse: (raw: string) => number | undefined, ok: (value: number) => boolean) =>
    (name: string, value: number | undefined, fallback: number): number => {
      if (value !== undefined) return ok(value) ? value : invalid(name, fallback);
      const raw = env[name];
      if (raw === undefined) return fallback;
      const parsed = parse(raw);
      return parsed !== undefined && ok(parsed) ? parsed : invalid(name, fallback);
    };
  return {
    size: read(parseSize, (v) => v > 0),
    duration: read(parseDuration, (v) => v >= 0),
  };
}

export function sdkDisabled(env: Env, warn: Warn): boolean {
  const raw = env.OTEL_SDK_DISABLED;
  if (raw === undefined || raw.trim() === '') return false;
  const parsed = parseBoolean(raw);
  if (parsed === undefined) warn(`OTEL_SDK_DISABLED=${raw} is not true or false; the SDK stays on`);
  return parsed === true;
}

/** `OTEL_LOG_LEVEL` values, as the specification names them. */
export const DIAG_LEVELS = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export type DiagLevel = (typeof DIAG_LEVELS)[number];

export function diagLevel(env: Env, warn: Warn): DiagLevel {
  const raw = env.OTEL_LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'warn';
  if ((DIAG_LEVELS as readonly string[]).includes(raw)) return raw as DiagLevel;
  warn(`OTEL_LOG_LEVEL=${raw} is not one of ${DIAG_LEVELS.join(', ')}; using warn`);
  return 'warn';
}

export function listEnv(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : parseList(value);
}
