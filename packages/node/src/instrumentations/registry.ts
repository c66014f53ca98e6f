import { syncBuiltinESMExports } from 'node:module';
import type { TracerProvider } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { requireFromApp } from '../internal/app-location.js';
import { builtinRequire } from '../internal/bundle.js';
import type { BullMQOptions } from '../types.js';
import { createPgInstrumentation, createRedisInstrumentations } from './database.js';
import { createExpressInstrumentation } from './express.js';
import { enableFastifyRoutes } from './fastify.js';
import { createHttpClientInstrumentation } from './http.js';
import { instrumentHttpServer } from './http-server.js';
import type { HttpOptions } from './http-server.js';
import { createRuntimeInstrumentation } from './runtime.js';
import type { RuntimeOptions } from './runtime.js';
import { FetchInstrumentation } from './undici.js';
import type { UndiciOptions } from './undici.js';

/** Each instrumentation: `false` (off) or its options. Resolved from `init({ instrumentations })`. */
export interface InstrumentationSettings {
  http: false | HttpOptions;
  undici: false | UndiciOptions;
  express: boolean;
  fastify: boolean;
  pg: boolean;
  redis: boolean;
  runtime: false | RuntimeOptions;
  bullmq: false | BullMQOptions;
}

/** The names `init({ instrumentations })` takes, in the order they are enabled. */
export const INSTRUMENTATION_NAMES = [
  'http',
  'undici',
  'express',
  'fastify',
  'pg',
  'redis',
  'runtime',
  'bullmq',
] as const satisfies ReadonlyArray<keyof InstrumentationSettings>;

/**
 * The packages each instrumentation patches when the application loads them from node_modules
 * (through `require` and the ESM loader hook, or, for BullMQ, by resolving it as the app would).
 * A copy inlined into a bundle is never loaded that way, so it is never patched. The rest work
 * from Node's builtins (http) or from diagnostics channels (fetch, Fastify, runtime metrics).
 */
export const PATCHED_PACKAGES = {
  express: ['express'],
  pg: ['pg', 'pg-pool'],
  redis: ['ioredis', 'redis', '@redis/client'],
  bullmq: ['bullmq'],
} as const satisfies Partial<Record<keyof InstrumentationSettings, readonly string[]>>;

export interface EnabledInstrumentations {
  /** The names that were switched on. */
  readonly names: string[];
  disable(): void;
}

/**
 * The one home of automatic instrumentation. Each entry is switched on unless its setting is
 * `false`; a library's instrumentation patches it when the app loads it (until then it costs
 * nothing), so an app without Express or PostgreSQL is unaffected.
 */
export function enableInstrumentations(
  settings: InstrumentationSettings,
  providers: { tracerProvider: TracerProvider; meterProvider: MeterProvider },
): EnabledInstrumentations {
  const names: string[] = [];
  const instrumentations: Instrumentation[] = [];
  const disposers: Array<() => void> = [];
  const use = (name: string, ...created: Instrumentation[]) => {
    names.push(name);
    instrumentations.push(...created);
  };

  if (settings.http) use('http', createHttpClientInstrumentation());
  if (settings.undici) use('undici', new FetchInstrumentation(settings.undici));
  if (settings.express) use('express', createExpressInstrumentation());
  if (settings.pg) use('pg', createPgInstrumentation());
  if (settings.redis) use('redis', ...createRedisInstrumentations());
  if (settings.runtime) use('runtime', createRuntimeInstrumentation(settings.runtime));
  disposers.push(registerInstrumentations({ instrumentations, ...providers }));

  if (settings.http) {
    disposers.push(instrumentHttpServer(settings.http, providers));
    // node:http may already be loaded (an ESM app, a test runner): requiring it again lets the
    // instrumentation patch the shared module object and Server.prototype now.
    builtinRequire('node:http');
    builtinRequire('node:https');
    // ESM named imports of builtins (`import { request } from 'node:http'`) see the patched
    // functions only after this.
    syncBuiltinESMExports();
  }
  if (settings.fastify) {
    names.push('fastify');
    disposers.push(enableFastifyRoutes());
  }
  if (settings.bullmq) {
    const disable = enableQueueInstrumentation(settings.bullmq);
    if (disable) {
      names.push('bullmq');
      disposers.push(disable);
    }
  }
  return {
    names,
    disable: () => {
      for (const dispose of disposers.splice(0)) dispose();
    },
  };
}

/**
 * Turns on BullMQ instrumentation when `@tracelog/queue-instrumentation` is installed, resolved
 * as the application would resolve it.
 */
function enableQueueInstrumentation(options: BullMQOptions): (() => void) | undefined {
  const queue = requireFromApp('@tracelog/queue-instrumentation') as
    { instrumentBullMQ?: (options: BullMQOptions) => { disable(): void } } | undefined;
  try {
    const handle = queue?.instrumentBullMQ?.(options);
    return handle ? () => handle.disable() : undefined;
  } catch {
    return undefined;
  }
}
