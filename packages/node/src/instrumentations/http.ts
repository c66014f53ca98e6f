import { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { context, logs, trace } from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ATTR, EVENT, SEVERITY_NUMBER } from '@tracelog/core';
import { scopedAttributesOf } from '../context.js';
import { isOwnAgent } from '../internal/own-traffic.js';
import { OWN_RECORD } from '../log-provider.js';
import type { OwnRecord } from '../log-provider.js';

export interface HttpOptions {
  /** Paths neither traced nor logged (exact match, query string ignored). */
  quietPaths: ReadonlySet<string>;
  /** Request headers copied onto the `http.request` record (lower-case names). */
  headers: readonly string[];
  /** Also answer with this header holding the trace id (e.g. `x-correlation-id`). */
  correlationHeader: string | undefined;
}

/**
 * HTTP server and client spans from the upstream instrumentation, plus what it doesn't do: one
 * `http.request` record per server request, quiet health checks, and the correlation id on every
 * response (W3C `traceresponse`, optionally a named header) so callers can quote it.
 */
export function createHttpInstrumentation(opts: HttpOptions): HttpInstrumentation {
  const logger = logs.getLogger('http');
  return new HttpInstrumentation({
    ignoreIncomingRequestHook: (req) => opts.quietPaths.has(pathOf(req.url)),
    ignoreOutgoingRequestHook: (req) => isOwnAgent(req.agent),
    responseHook: (span, response) => {
      if (response instanceof ServerResponse) onServerResponse(span, response, opts, logger);
    },
  });
}

function onServerResponse(
  span: Span,
  res: ServerResponse,
  opts: HttpOptions,
  logger: ReturnType<typeof logs.getLogger>,
): void {
  const spanContext = span.spanContext();
  if (!res.headersSent) {
    const flags = spanContext.traceFlags.toString(16).padStart(2, '0');
    res.setHeader('traceresponse', `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`);
    if (opts.correlationHeader) res.setHeader(opts.correlationHeader, spanContext.traceId);
  }
  const req = res.req;
  const ctx = context.active();
  const start = performance.now();
  res.once('close', () => {
    const durationMs = Math.round((performance.now() - start) * 1000) / 1000;
    const status = res.statusCode;
    const attributes = requestAttributes(req, opts.headers);
    attributes[ATTR.HTTP_RESPONSE_STATUS_CODE] = status;
    attributes[ATTR.HTTP_DURATION_MS] = durationMs;
    const route = routeOf(req, span);
    if (route) attributes[ATTR.HTTP_ROUTE] = route;
    if (!res.writableFinished) attributes[ATTR.ERROR_TYPE] = 'aborted';
    Object.assign(attributes, scopedAttributesOf(span));
    const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
    const record: OwnRecord = {
      [OWN_RECORD]: true,
      eventName: EVENT.HTTP_REQUEST,
      severityNumber: SEVERITY_NUMBER[level],
      severityText: level.toUpperCase(),
      body: `${req.method ?? 'GET'} ${route ?? pathOf(req.url)} ${status} ${durationMs} ms`,
      attributes,
      context: trace.setSpan(ctx, span),
    };
    logger.emit(record);
  });
}

function requestAttributes(req: IncomingMessage, headers: readonly string[]): Attributes {
  const url = req.url ?? '/';
  const query = url.indexOf('?');
  const attributes: Attributes = {
    [ATTR.HTTP_REQUEST_METHOD]: req.method ?? 'GET',
    [ATTR.URL_PATH]: query < 0 ? url : url.slice(0, query),
  };
  if (query >= 0) attributes[ATTR.URL_QUERY] = url.slice(query + 1);
  const forwarded = req.headers['x-forwarded-for'];
  const client =
    (typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined) ??
    req.socket?.remoteAddress;
  if (client) attributes[ATTR.CLIENT_ADDRESS] = client;
  for (const name of headers) {
    const value = req.headers[name];
    if (value !== undefined) {
      attributes[`${ATTR.HTTP_REQUEST_HEADER_PREFIX}${name}`] = Array.isArray(value)
        ? value.join(', ')
        : value;
    }
  }
  return attributes;
}

/** The matched route template: from a framework's instrumentation, or Express's `req.route`. */
function routeOf(req: IncomingMessage, span: Span): string | undefined {
  const fromSpan = (span as unknown as { attributes?: Attributes }).attributes?.[ATTR.HTTP_ROUTE];
  if (typeof fromSpan === 'string') return fromSpan;
  const express = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  if (typeof express.route?.path === 'string')
    return `${express.baseUrl ?? ''}${express.route.path}`;
  return undefined;
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
}
