import { syncBuiltinESMExports } from 'node:module';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { DEFAULT_QUIET_PATHS } from '@tracelog/core';
import { DEFAULT_HTTP_HEADERS } from '../config/defaults.js';
import { builtinRequire } from '../internal/bundle.js';
import { isOwnAgent } from '../internal/own-traffic.js';
import type { InstrumentationDescriptor } from './descriptor.js';
import { instrumentHttpServer } from './http-server.js';
import type { HttpServerSettings } from './http-server.js';

/** Options of the HTTP instrumentation: `init({ instrumentations: { http: { … } } })`. */
export interface HttpOptions {
  /**
   * Paths neither traced nor logged (exact match, query string ignored).
   * @default TRACELOG_QUIET_PATHS, else ['/health', '/healthz', '/ready', '/live', '/metrics']
   */
  quietPaths?: string[];
  /**
   * Request headers recorded on `http.request` (values redacted).
   * @default TRACELOG_HTTP_HEADERS, else see the README
   */
  headers?: string[];
  /**
   * Response header that also carries the trace id, e.g. 'x-correlation-id'.
   * @default TRACELOG_CORRELATION_HEADER, else none
   */
  correlationHeader?: string;
}

/**
 * Client spans and trace-context injection for `node:http` and `node:https` requests, from the
 * upstream instrumentation; our own exports are left out. The server side is ours
 * (`http-server.ts`).
 */
function createHttpClientInstrumentation(): HttpInstrumentation {
  return new HttpInstrumentation({
    disableIncomingRequestInstrumentation: true,
    ignoreOutgoingRequestHook: (req) => isOwnAgent(req.agent),
  });
}

/** node:http and node:https servers and clients, and the `http.request` record. */
export const http: InstrumentationDescriptor<'http', HttpOptions, HttpServerSettings> = {
  name: 'http',
  hooks: ['http', 'https'],
  resolves: [],
  settings: (options) => ({
    quietPaths: new Set(options?.quietPaths ?? DEFAULT_QUIET_PATHS),
    headers: (options?.headers ?? DEFAULT_HTTP_HEADERS).map((h) => h.toLowerCase()),
    correlationHeader: options?.correlationHeader,
  }),
  enable(settings, providers) {
    const client = createHttpClientInstrumentation();
    const dispose = instrumentHttpServer(settings, providers);
    // node:http may already be loaded (an ESM app, a test runner): requiring it again lets the
    // client instrumentation, hooked from its construction, patch the shared module object now.
    builtinRequire('node:http');
    builtinRequire('node:https');
    // ESM named imports of builtins (`import { request } from 'node:http'`) see the patched
    // functions only after this.
    syncBuiltinESMExports();
    return { instrumentations: [client], dispose };
  },
};
