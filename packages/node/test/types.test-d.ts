// The public types of @tracelog/node, pinned: checked by `tsc -p tsconfig.tests.json` (part of
// `npm test`), never run. A change here is a change users see in their editor and build.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { expectTypeOf } from 'vitest';
import type { QueueInstrumentationOptions } from '@tracelog/core';
import { createRelay, getLogger, init, task, timed, withContext } from '@tracelog/node';
import type {
  BullMQOptions,
  ExportStats,
  HttpOptions,
  InitOptions,
  Logger,
  Relay,
  RelayOptions,
  RelayStats,
  RuntimeOptions,
  ShutdownOptions,
  TaskContext,
  TaskOptions,
  TimedOptions,
  TracelogHandle,
  UndiciOptions,
} from '@tracelog/node';

// init(): optional options in, a handle out.
expectTypeOf(init).parameters.toEqualTypeOf<[options?: InitOptions]>();
expectTypeOf(init).returns.toEqualTypeOf<TracelogHandle>();
expectTypeOf<InitOptions>().toHaveProperty('serviceName').toEqualTypeOf<string | undefined>();
expectTypeOf<InitOptions>()
  .toHaveProperty('level')
  .toEqualTypeOf<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | undefined>();
expectTypeOf<InitOptions>()
  .toHaveProperty('levels')
  .toEqualTypeOf<
    Record<string, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'> | undefined
  >();
expectTypeOf<InitOptions>().toHaveProperty('baggageKeys').toEqualTypeOf<string[] | undefined>();
expectTypeOf<InitOptions>()
  .toHaveProperty('dedupe')
  .toEqualTypeOf<{ windowMs: number } | false | undefined>();
expectTypeOf<InitOptions>()
  .toHaveProperty('rateLimit')
  .toEqualTypeOf<{ perSecond: number; burst?: number } | false | undefined>();
expectTypeOf({ serviceName: 'orders-api', level: 'debug' as const }).toExtend<InitOptions>();
// @ts-expect-error: only the known levels
expectTypeOf({ level: 'verbose' }).toExtend<InitOptions>();

// The queue options come from @tracelog/core, so these types compile without the optional
// @tracelog/queue-instrumentation installed.
expectTypeOf<BullMQOptions>().toEqualTypeOf<Omit<QueueInstrumentationOptions, 'modules'>>();
expectTypeOf<InitOptions['instrumentations']>()
  .exclude<undefined>()
  .toHaveProperty('bullmq')
  .toEqualTypeOf<boolean | BullMQOptions | undefined>();

// Each instrumentation: a boolean, or its options object for those that take one.
type Instrumentations = NonNullable<InitOptions['instrumentations']>;
expectTypeOf<Instrumentations>()
  .toHaveProperty('http')
  .toEqualTypeOf<boolean | HttpOptions | undefined>();
expectTypeOf<Instrumentations>()
  .toHaveProperty('undici')
  .toEqualTypeOf<boolean | UndiciOptions | undefined>();
expectTypeOf<Instrumentations>()
  .toHaveProperty('runtime')
  .toEqualTypeOf<boolean | RuntimeOptions | undefined>();
expectTypeOf<Instrumentations>().toHaveProperty('express').toEqualTypeOf<boolean | undefined>();
expectTypeOf<keyof Instrumentations>().toEqualTypeOf<
  'http' | 'undici' | 'express' | 'fastify' | 'pg' | 'redis' | 'runtime' | 'bullmq'
>();
expectTypeOf<HttpOptions>().toEqualTypeOf<{
  quietPaths?: string[];
  headers?: string[];
  correlationHeader?: string;
}>();
// @ts-expect-error: no options object for an instrumentation that takes none
expectTypeOf({ instrumentations: { express: { routes: true } } }).toExtend<InitOptions>();
// The top-level `http` option is deprecated, and takes the same options.
expectTypeOf<InitOptions>().toHaveProperty('http').toEqualTypeOf<HttpOptions | undefined>();

// The handle: flush and shutdown take a deadline and never reject; stats are read-only.
expectTypeOf<TracelogHandle['flush']>().toEqualTypeOf<
  (options?: ShutdownOptions) => Promise<void>
>();
expectTypeOf<TracelogHandle['shutdown']>().toEqualTypeOf<
  (options?: ShutdownOptions) => Promise<void>
>();
expectTypeOf<TracelogHandle['stats']>().returns.toEqualTypeOf<Readonly<ExportStats>>();
expectTypeOf<TracelogHandle['destination']>().toEqualTypeOf<string>();
expectTypeOf<ExportStats>().toHaveProperty('memoryBytes').toEqualTypeOf<number>();
expectTypeOf<ExportStats>().toHaveProperty('spoolBytes').toEqualTypeOf<number>();
expectTypeOf<ExportStats>().toHaveProperty('dropped').toEqualTypeOf<number>();

// getLogger(): an optional component name, a winston logger with our levels.
expectTypeOf(getLogger).parameters.toEqualTypeOf<[component?: string]>();
expectTypeOf(getLogger).returns.toEqualTypeOf<Logger>();
expectTypeOf<Logger>().toHaveProperty('info').toBeFunction();
expectTypeOf<Logger>().toHaveProperty('fatal').toBeFunction();
expectTypeOf<Logger>().toHaveProperty('child').toBeFunction();

// withContext(): attributes and a function; returns what the function returns.
expectTypeOf(withContext<number>).toEqualTypeOf<
  (attributes: Record<string, unknown>, fn: () => number) => number
>();
expectTypeOf(withContext({ 'user.id': 'u-1' }, () => Promise.resolve('x'))).toEqualTypeOf<
  Promise<string>
>();

// task(): name, options, a function of the task context; resolves what the function resolves.
expectTypeOf(task<number>).toEqualTypeOf<
  (
    name: string,
    options: TaskOptions,
    fn: (task: TaskContext) => number | Promise<number>,
  ) => Promise<number>
>();
expectTypeOf<TaskOptions>().toHaveProperty('category').toEqualTypeOf<string | undefined>();
expectTypeOf<TaskContext>().toHaveProperty('id').toEqualTypeOf<string>();
expectTypeOf<TaskContext>().toHaveProperty('span').toEqualTypeOf<Span>();
expectTypeOf<TaskContext['step']>().toEqualTypeOf<
  (name: string, attributes?: Record<string, unknown>) => void
>();

// timed(): keeps the wrapped function's signature, sync or async.
expectTypeOf(timed('price', (a: number, b: string) => `${a}${b}`)).toEqualTypeOf<
  (a: number, b: string) => string
>();
expectTypeOf(timed('load', async (id: string) => id.length)).toEqualTypeOf<
  (id: string) => Promise<number>
>();
expectTypeOf<TimedOptions>().toHaveProperty('level').toEqualTypeOf<'debug' | 'info' | undefined>();

// The browser relay.
expectTypeOf(createRelay).parameters.toEqualTypeOf<[options: RelayOptions]>();
expectTypeOf(createRelay).returns.toEqualTypeOf<Relay>();
expectTypeOf<RelayOptions>().toHaveProperty('collectorEndpoint').toEqualTypeOf<string>();
expectTypeOf<RelayOptions>().toHaveProperty('services').toEqualTypeOf<string[]>();
expectTypeOf<RelayOptions>()
  .toHaveProperty('authenticate')
  .toEqualTypeOf<
    ((req: IncomingMessage) => boolean | 'forbidden' | Promise<boolean | 'forbidden'>) | undefined
  >();
// @ts-expect-error: collectorEndpoint and services are required
expectTypeOf({ path: '/otlp' }).toExtend<RelayOptions>();
expectTypeOf<Relay['handler']>().toEqualTypeOf<
  (req: IncomingMessage, res: ServerResponse) => Promise<void>
>();
expectTypeOf<Relay['stats']>().toEqualTypeOf<RelayStats>();
expectTypeOf<Relay>().toHaveProperty('express').toBeFunction();
expectTypeOf<Relay>().toHaveProperty('fastify').toBeFunction();
