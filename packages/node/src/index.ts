export { init } from './init.js';
export { getLogger } from './logger.js';
export type { Logger } from './logger.js';
export { withContext } from './context.js';
export { task, timed } from './task.js';
export type { TaskContext, TaskOptions, TimedOptions } from './task.js';
export { OpenTelemetryTransport } from './transport.js';
export type { OpenTelemetryTransportOptions } from './transport.js';
export type { UndiciOptions } from './instrumentations/undici.js';
export type { RuntimeOptions } from './instrumentations/runtime.js';
export type {
  BullMQOptions,
  ExportStats,
  InitOptions,
  ShutdownOptions,
  TracelogHandle,
} from './types.js';
export { createRelay } from './relay/relay.js';
export type { FastifyLike, NextFunction, Relay, RelayOptions, RelayStats } from './relay/types.js';
