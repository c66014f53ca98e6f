import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';

/**
 * PostgreSQL client spans (`pg` and `pg-pool`) from the upstream instrumentation. Statements are
 * recorded as the app wrote them, never their parameter values (`enhancedDatabaseReporting` stays
 * off); literals written into a statement pass through redaction like every span attribute.
 * Only calls made inside a trace are recorded, so connection pools warming up stay quiet.
 */
export function createPgInstrumentation(): PgInstrumentation {
  return new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true });
}

/**
 * Redis client spans for `ioredis` and `redis` (node-redis 4 and 5) from the upstream
 * instrumentations. Their statement serializer keeps the command and key, not the values. Only
 * commands issued inside a trace are recorded: a queue library polling Redis in the background
 * would otherwise start a trace per command. (node-redis's connect is still recorded as a span of
 * its own: upstream applies the option to commands only.)
 */
export function createRedisInstrumentations(): [IORedisInstrumentation, RedisInstrumentation] {
  return [
    new IORedisInstrumentation({ requireParentSpan: true }),
    new RedisInstrumentation({ requireParentSpan: true }),
  ];
}
