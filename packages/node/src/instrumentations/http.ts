import { ServerResponse } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { logs } from '@opentelemetry/api';
import type { Attributes, HrTime, Span } from '@opentelemetry/api';
import { hrTime, hrTimeDuration, hrTimeToMilliseconds } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ATTR, EVENT, OWN_RECORD, SEVERITY_NUMBER } from '@tracelog/core';
import type { OwnRecord } from '@tracelog/core';
import { scopedAttributesOf } from '../context.js';
import { isOwnAgent } from '../internal/own-traffic.js';
import { SEVERITY_TEXT } from '../internal/record.js';

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
    // Called as the server span starts: the headers can still be set.
    responseHook: (span, response) => {
      if (response instanceof ServerResponse && !response.headersSent)
        correlate(span, response, opts);
    },
    // Called when the response closes, just before the span ends, in the request's context: the
    // record needs no listener of its own.
    applyCustomAttributesOnSpan: (span, request, response) => {
      if (response instanceof ServerResponse) {
        logger.emit(requestRecord(span, request as IncomingMessage, response, opts));
      }
    },
  });
}

function correlate(span: Span, res: ServerResponse, opts: HttpOptions): void {
  const { traceId, spanId, traceFlags } = span.spanContext();
  const flags = traceFlags < 16 ? `0${traceFlags.toString(16)}` : traceFlags.toString(16);
  res.setHeader('traceresponse', `00-${traceId}-${spanId}-${flags}`);
  if (opts.correlationHeader) res.setHeader(opts.correlationHeader, traceId);
}

function requestRecord(
  span: Span,
  req: IncomingMessage,
  res: ServerResponse,
  opts: HttpOptions,
): OwnRecord {
  const started = (span as unknown as { startTime?: HrTime }).startTime;
  const durationMs = started
    ? Math.round(hrTimeToMilliseconds(hrTimeDuration(started, hrTime())) * 1000) / 1000
    : 0;
  const status = res.statusCode;
  const attributes = requestAttributes(req, opts.headers);
  attributes[ATTR.HTTP_RESPONSE_STATUS_CODE] = status;
  attributes[ATTR.HTTP_DURATION_MS] = durationMs;
  const route = routeOf(req, span);
  if (route) attributes[ATTR.HTTP_ROUTE] = route;
  if (!res.writableFinished) attributes[ATTR.ERROR_TYPE] = 'aborted';
  const scoped = scopedAttributesOf(span);
  if (scoped) Object.assign(attributes, scoped);
  const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
  return {
    [OWN_RECORD]: true,
    eventName: EVENT.HTTP_REQUEST,
    severityNumber: SEVERITY_NUMBER[level],
    severityText: SEVERITY_TEXT[level],
    body: `${req.method ?? 'GET'} ${route ?? attributes[ATTR.URL_PATH]} ${status} ${durationMs} ms`,
    attributes,
  };
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
