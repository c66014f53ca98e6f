import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';

/** Options of the runtime metrics. */
export interface RuntimeOptions {
  /** How often the event-loop delay is sampled, in milliseconds. @default 10 */
  monitoringPrecision?: number;
}

/**
 * Event-loop delay and utilisation, heap and garbage-collection metrics from the upstream
 * instrumentation (`nodejs.eventloop.*`, `v8js.*`), exported with the other metrics.
 */
export function createRuntimeInstrumentation(
  options: RuntimeOptions = {},
): RuntimeNodeInstrumentation {
  return new RuntimeNodeInstrumentation({ monitoringPrecision: options.monitoringPrecision ?? 10 });
}
