/**
 * `node --import @tracelog/node/register app.js`: instrumentation for ESM and CommonJS apps with
 * no code change, configured from `OTEL_*` and `TRACELOG_*` environment variables. The ESM loader
 * hook lets the instrumentations patch modules imported by ESM code; init() runs before the app's
 * first line.
 */
import { register } from 'node:module';
import { init } from './init.js';

try {
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
} catch (error) {
  process.stderr.write(
    `tracelog: ESM instrumentation hook unavailable (${String(error)}); CommonJS modules are still instrumented\n`,
  );
}
init();
