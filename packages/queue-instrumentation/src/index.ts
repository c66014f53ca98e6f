export { instrumentBullMQ } from './bullmq.js';
export { runJob } from './job.js';
export type { ControlFlow, JobInfo } from './job.js';
export { captureCarrier as injectJobContext } from './carrier.js';
export type { JobCarrier, QueueInstrumentationOptions } from './types.js';
