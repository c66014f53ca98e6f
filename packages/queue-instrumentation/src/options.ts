import { diag } from '@opentelemetry/api';
import type { QueueInstrumentationOptions } from './types.js';

export const DEFAULTS = {
  consumerParent: 'auto',
  fanOutThreshold: 20,
  statsEveryJobs: 100,
  statsEveryMs: 60_000,
  recordJobData: true,
} as const;

export interface ResolvedOptions {
  consumerParent: 'parent' | 'link' | 'auto';
  fanOutThreshold: number;
  statsEveryJobs: number;
  statsEveryMs: number;
  recordJobData: boolean;
}

/** Options with every default filled in; an invalid value is reported once and the default used. */
export function resolveOptions(options: QueueInstrumentationOptions = {}): ResolvedOptions {
  const count = (key: 'fanOutThreshold' | 'statsEveryJobs' | 'statsEveryMs', min: number) => {
    const value = options[key];
    if (value === undefined) return DEFAULTS[key];
    if (typeof value === 'number' && Number.isFinite(value) && value >= min) return value;
    diag.warn(
      `queue instrumentation: option ${key} must be a number ≥ ${min}, using ${DEFAULTS[key]}`,
    );
    return DEFAULTS[key];
  };
  const parent = options.consumerParent;
  if (parent !== undefined && parent !== 'parent' && parent !== 'link' && parent !== 'auto')
    diag.warn(
      `queue instrumentation: option consumerParent must be parent, link or auto, using ${DEFAULTS.consumerParent}`,
    );
  return {
    consumerParent:
      parent === 'parent' || parent === 'link' || parent === 'auto'
        ? parent
        : DEFAULTS.consumerParent,
    fanOutThreshold: count('fanOutThreshold', 0),
    statsEveryJobs: count('statsEveryJobs', 1),
    statsEveryMs: count('statsEveryMs', 0),
    recordJobData: options.recordJobData ?? DEFAULTS.recordJobData,
  };
}
