import { CompositePropagator, W3CBaggagePropagator } from '@opentelemetry/core';
import type { TextMapPropagator } from '@opentelemetry/api';
import { TraceContextPropagator } from '@tracelog/core';

/** The propagators `OTEL_PROPAGATORS` may name here. */
export const PROPAGATORS = ['tracecontext', 'baggage', 'none'] as const;
export type PropagatorName = Exclude<(typeof PROPAGATORS)[number], 'none'>;

/**
 * `OTEL_PROPAGATORS`: a comma-separated list, default `tracecontext,baggage`; `none` turns
 * propagation off. Names of propagators we do not ship (b3, jaeger, xray, …) are reported and
 * skipped, never silently ignored.
 */
export function resolvePropagators(
  env: Record<string, string | undefined>,
  warn: (message: string) => void,
): PropagatorName[] {
  const raw = env.OTEL_PROPAGATORS;
  if (raw === undefined || raw.trim() === '') return ['tracecontext', 'baggage'];
  const names = raw
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (names.includes('none')) return [];
  const chosen: PropagatorName[] = [];
  for (const name of names) {
    if (name === 'tracecontext' || name === 'baggage') {
      if (!chosen.includes(name)) chosen.push(name);
    } else {
      warn(`OTEL_PROPAGATORS: ${name} is not supported (tracecontext, baggage, none); skipped`);
    }
  }
  return chosen;
}

/** Our strict W3C trace-context propagator (see @tracelog/core) and W3C baggage. */
export function createPropagator(names: readonly PropagatorName[]): TextMapPropagator {
  return new CompositePropagator({
    propagators: names.map((name) =>
      name === 'tracecontext' ? new TraceContextPropagator() : new W3CBaggagePropagator(),
    ),
  });
}
