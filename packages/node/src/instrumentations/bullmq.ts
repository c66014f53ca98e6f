import { requireFromApp } from '../internal/app-location.js';
import type { BullMQOptions } from '../types.js';
import type { InstrumentationDescriptor } from './descriptor.js';

const QUEUE_PACKAGE = '@tracelog/queue-instrumentation';

/** What this module uses of the optional queue package (not a dependency, so not imported). */
interface QueuePackage {
  instrumentBullMQ(options: BullMQOptions & { modules: unknown[] }): { disable(): void };
}

/**
 * BullMQ, through `@tracelog/queue-instrumentation` when the app has it installed. Both are
 * loaded as the application would load them, and the queue package patches the classes of that
 * bullmq. It is the CommonJS build: bullmq declares no `exports`, so Node gives it to `import`
 * as well as to `require`, and its `dist/esm` build (for bundlers) cannot be loaded by Node.
 */
export const bullmq: InstrumentationDescriptor<'bullmq', BullMQOptions> = {
  name: 'bullmq',
  hooks: [],
  resolves: ['bullmq'],
  settings: (options) => options ?? {},
  enable(options) {
    const queue = requireFromApp(QUEUE_PACKAGE) as Partial<QueuePackage> | undefined;
    const instrumentBullMQ = queue?.instrumentBullMQ;
    if (typeof instrumentBullMQ !== 'function') return undefined;
    const module = requireFromApp('bullmq');
    try {
      const handle = instrumentBullMQ({ ...options, modules: module ? [module] : [] });
      return { dispose: () => handle.disable() };
    } catch {
      // a queue package that cannot instrument: the app runs uninstrumented, never stopped
      return undefined;
    }
  },
};
