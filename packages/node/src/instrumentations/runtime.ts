import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import type { InstrumentationDescriptor } from './descriptor.js';

/** Options of the runtime metrics. */
export interface RuntimeOptions {
  /** How often the event-loop delay is sampled, in milliseconds. @default 10 */
  monitoringPrecision?: number;
}

/**
 * Event-loop delay and utilisation, heap and garbage-collection metrics from the upstream
 * instrumentation (`nodejs.eventloop.*`, `v8js.*`), exported with the other metrics.
 */
function createRuntimeInstrumentation(options: RuntimeOptions): RuntimeNodeInstrumentation {
  return new RuntimeNodeInstrumentation({ monitoringPrecision: options.monitoringPrecision ?? 10 });
}

/** Event loop, heap and GC metrics, from Node's own performance APIs: nothing to hook. */
export const runtime: InstrumentationDescriptor<'runtime', RuntimeOptions> = {
  name: 'runtime',
  hooks: [],
  resolves: [],
  settings: (options) => options ?? {},
  enable: (options) => ({ instrumentations: [createRuntimeInstrumentation(options)] }),
};
