import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { context, trace } from '@opentelemetry/api';
import { RPCType, getRPCMetadata } from '@opentelemetry/core';
import { ATTR } from '@tracelog/core';
import type { InstrumentationDescriptor } from './descriptor.js';

/** What Fastify 5 publishes on `tracing:fastify.request.handler:start`. */
interface HandlerStart {
  route?: { url?: string; method?: string };
}

const CHANNEL = 'tracing:fastify.request.handler:start';

/**
 * Route names for Fastify 5 from the tracing channel Fastify itself publishes before each route
 * handler: the route template goes where the HTTP instrumentation looks for it, so the server span
 * is named `GET /orders/:id` and carries `http.route`, as do `http.server.request.duration` and
 * the `http.request` record. Written here rather than taken from `@fastify/otel`, which depends on
 * the previous OpenTelemetry release line (a second copy of the SDK core in every install) and
 * adds a span per hook that the server span already covers.
 */
function enableFastifyRoutes(): () => void {
  const onStart = (message: unknown) => {
    const url = (message as HandlerStart).route?.url;
    if (!url) return;
    const active = context.active();
    const metadata = getRPCMetadata(active);
    if (metadata?.type === RPCType.HTTP) metadata.route = url;
    trace.getSpan(active)?.setAttribute(ATTR.HTTP_ROUTE, url);
  };
  subscribe(CHANNEL, onStart);
  return () => unsubscribe(CHANNEL, onStart);
}

/** Fastify 5 route names, from the channel Fastify publishes: nothing to hook. */
export const fastify: InstrumentationDescriptor<'fastify'> = {
  name: 'fastify',
  hooks: [],
  resolves: [],
  settings: () => true,
  enable: () => ({ dispose: enableFastifyRoutes() }),
};
