// ESM with its own @opentelemetry/api dependency: the app's spans and log records must reach
// tracelog's providers, resource and traces.
import * as api from '@opentelemetry/api';
import { getLogger, init } from '@tracelog/node';
import scenario from './scenario.cjs';

init();
await scenario.run({ getLogger, api });
