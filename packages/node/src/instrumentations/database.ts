import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import type { InstrumentationDescriptor } from './descriptor.js';

/**
 * PostgreSQL client spans (`pg` and `pg-pool`) from the upstream instrumentation. Statements are
 * recorded as the app wrote them, never their parameter values (`enhancedDatabaseReporting` stays
 * off); literals written into a statement pass through redaction like every span attribute.
 * Only calls made inside a trace are recorded, so connection pools warming up stay quiet.
 */
function createPgInstrumentation(): PgInstrumentation {
  return new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true });
}

/**
 * Redis client spans for `ioredis` and `redis` (node-redis 4 and 5) from the upstream
 * instrumentations. Their statement serializer keeps the command and key, not the values. Only
 * commands issued inside a trace are recorded: a queue library polling Redis in the background
 * would otherwise start a trace per command. (node-redis's connect is still recorded as a span of
 * its own: upstream applies the option to commands only.)
 */
function createRedisInstrumentations(): [IORedisInstrumentation, RedisInstrumentation] {
  return [
    new IORedisInstrumentation({ requireParentSpan: true }),
    new RedisInstrumentation({ requireParentSpan: true }),
  ];
}

/** PostgreSQL client spans (`pg`). */
export const pg: InstrumentationDescriptor<'pg'> = {
  name: 'pg',
  hooks: ['pg', 'pg-pool'],
  resolves: [],
  settings: () => true,
  enable: () => ({ instrumentations: [createPgInstrumentation()] }),
};

/** Redis client spans (`ioredis`, `redis`). */
export const redis: InstrumentationDescriptor<'redis'> = {
  name: 'redis',
  hooks: ['ioredis', 'redis', '@redis/client'],
  resolves: [],
  settings: () => true,
  enable: () => ({ instrumentations: createRedisInstrumentations() }),
};
