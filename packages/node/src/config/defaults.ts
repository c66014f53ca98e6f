import type { Level } from '@tracelog/core';

/** Every default `init()` falls back to, in one place. */
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
