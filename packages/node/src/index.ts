export { init } from './init.js';
export { getLogger } from './logs/logger.js';
export type { Logger } from './logs/logger.js';
export { withContext } from './context.js';
export { task, timed } from './traces/task.js';
export type { TaskContext, TaskOptions, TimedOptions } from './traces/task.js';
export { OpenTelemetryTransport } from './logs/winston-transport.js';
export type { OpenTelemetryTransportOptions } from './logs/winston-transport.js';
export type { HttpOptions } from './instrumentations/http.js';
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
