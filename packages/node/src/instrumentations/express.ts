import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import type { InstrumentationDescriptor } from './descriptor.js';

/**
 * Route names for Express 4 and 5 from the upstream instrumentation: it records the matched route
 * template on the request's context, and the HTTP instrumentation then names the server span
 * `GET /orders/:id`, sets `http.route` on it and on `http.server.request.duration`, and our
 * `http.request` record carries the same route. Middleware and handler spans are left out: one
 * span per middleware costs more than it tells (the server span already times the request), and
 * routers are kept so nested routes still show.
 */
function createExpressInstrumentation(): ExpressInstrumentation {
  return new ExpressInstrumentation({
    ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.REQUEST_HANDLER],
  });
}

/** Express 4 and 5 route names. */
export const express: InstrumentationDescriptor<'express'> = {
  name: 'express',
  hooks: ['express'],
  resolves: [],
  settings: () => true,
  enable: () => ({ instrumentations: [createExpressInstrumentation()] }),
};
