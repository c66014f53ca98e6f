import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { isOwnAgent } from '../internal/own-traffic.js';

/**
 * Client spans and trace-context injection for `node:http` and `node:https` requests, from the
 * upstream instrumentation; our own exports are left out. The server side is ours
 * (`http-server.ts`).
 */
export function createHttpClientInstrumentation(): HttpInstrumentation {
  return new HttpInstrumentation({
    disableIncomingRequestInstrumentation: true,
    ignoreOutgoingRequestHook: (req) => isOwnAgent(req.agent),
  });
}
