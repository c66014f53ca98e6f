/**
 * `node --import @tracelog/node/register app.js`: instrumentation for ESM and CommonJS apps with
 * no code change, configured from `OTEL_*` and `TRACELOG_*` environment variables. The ESM loader
 * hook lets the instrumentations patch modules imported by ESM code; init() runs before the app's
 * first line.
 */
import { register } from 'node:module';
import { init } from './init.js';
import { PATCHED_PACKAGES } from './instrumentations/registry.js';

/**
 * What our instrumentations patch on import (node: forms are added by the hook). Global fetch and
 * Fastify publish diagnostics channels instead, and BullMQ's classes are patched by the queue
 * instrumentation, so they need no hook.
 */
const HOOKED_MODULES = [
  'http',
  'https',
  ...PATCHED_PACKAGES.express,
  ...PATCHED_PACKAGES.pg,
  ...PATCHED_PACKAGES.redis,
];

try {
  // Only the modules an instrumentation patches through the hook. Wrapping every ESM module costs
  // start-up time and prints a warning for packages the hook cannot wrap, such as BullMQ's ESM
  // build.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: HOOKED_MODULES },
  });
} catch (error) {
  process.stderr.write(
    `tracelog: ESM instrumentation hook unavailable (${String(error)}); CommonJS modules are still instrumented\n`,
  );
}
init();
