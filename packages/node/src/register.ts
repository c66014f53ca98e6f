/**
 * `node --import @tracelog/node/register app.js`: instrumentation for ESM and CommonJS apps with
 * no code change, configured from `OTEL_*` and `TRACELOG_*` environment variables. The ESM loader
 * hook lets the instrumentations patch modules imported by ESM code; init() runs before the app's
 * first line.
 */
import { register } from 'node:module';
import { init } from './init.js';
import { HOOKED_MODULES } from './instrumentations/registry.js';

try {
  // Only the modules an instrumentation patches through the hook (node: forms are added by the
  // hook; diagnostics channels and BullMQ's directly patched classes need none). Wrapping every
  // ESM module costs start-up time and prints a warning for packages the hook cannot wrap, such
  // as BullMQ's ESM build.
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, {
    data: { include: [...HOOKED_MODULES] },
  });
} catch (error) {
  process.stderr.write(
    `tracelog: ESM instrumentation hook unavailable (${String(error)}); CommonJS modules are still instrumented\n`,
  );
}
init();
