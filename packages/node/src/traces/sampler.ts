import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';

/** The samplers `OTEL_TRACES_SAMPLER` names, as the OpenTelemetry specification lists them. */
export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export interface SamplerSetting {
  name: SamplerName;
  /** For the ratio samplers: the share of traces kept, 0 to 1. */
  ratio: number;
}

/**
 * `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` as the specification reads them: the
 * default is parentbased_always_on; a ratio outside 0..1 or unparseable falls back to 1.0. An
 * unknown sampler (jaeger_remote, xray, …) is reported and the default used.
 */
export function resolveSampler(
  env: Record<string, string | undefined>,
  warn: (message: string) => void,
): SamplerSetting {
  const raw = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  let name: SamplerName = 'parentbased_always_on';
  if (raw) {
    if ((SAMPLERS as readonly string[]).includes(raw)) name = raw as SamplerName;
    else
      warn(`OTEL_TRACES_SAMPLER=${raw} is not supported (${SAMPLERS.join(', ')}); using ${name}`);
  }
  let ratio = 1;
  const arg = env.OTEL_TRACES_SAMPLER_ARG;
  if (name.endsWith('traceidratio') && arg !== undefined) {
    const parsed = Number(arg);
    if (arg.trim() !== '' && Number.isFinite(parsed) && parsed >= 0 && parsed <= 1) ratio = parsed;
    else warn(`OTEL_TRACES_SAMPLER_ARG=${arg} must be a ratio from 0 to 1; using 1`);
  }
  return { name, ratio };
}

export function createSampler({ name, ratio }: SamplerSetting): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
