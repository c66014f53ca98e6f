import { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import type { EventEmitter } from 'node:events';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  logs,
  propagation,
  trace,
} from '@opentelemetry/api';
import type {
  AttributeValue,
  Attributes,
  Context,
  MeterProvider,
  Span,
  SpanOptions,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { RPCType, setRPCMetadata, suppressTracing } from '@opentelemetry/core';
import type { RPCMetadata } from '@opentelemetry/core';
import {
  ATTR,
  EVENT,
  HTTP_SERVER_PATCHED,
  METRIC,
  OWN_RECORD,
  REDACTED_BY,
  SEVERITY_NUMBER,
  histogramSeries,
  internedKeys,
  layered,
  ownRecordSink,
  pipelineRedactor,
} from '@tracelog/core';
import type { HistogramSeries, OwnRecord, OwnRecordWriter, Redactor } from '@tracelog/core';
import { scopedAttributesOf } from '../context.js';
import { SEVERITY_TEXT } from '../logs/record.js';
import { VERSION } from '../version.js';

/** The HTTP server's options, resolved: what `instrumentHttpServer` receives. */
export interface HttpServerSettings {
  /** Paths neither traced nor logged (exact match, query string ignored). */
  quietPaths: ReadonlySet<string>;
  /** Request headers copied onto the `http.request` record (lower-case names). */
  headers: readonly string[];
  /** Also answer with this header holding the trace id (e.g. `x-correlation-id`). */
  correlationHeader: string | undefined;
}

type Emit = (this: EventEmitter, event: string | symbol, ...args: unknown[]) => boolean;

/** Semantic-convention names the schema in core does not hold (they never reach a record). */
const URL_SCHEME = 'url.scheme';
const SERVER_PORT = 'server.port';
const NETWORK_PEER_ADDRESS = 'network.peer.address';
const NETWORK_PEER_PORT = 'network.peer.port';
const NETWORK_PROTOCOL_VERSION = 'network.protocol.version';

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/** Query parameters that carry signatures (cloud pre-signed URLs): never recorded, as upstream. */
const SIGNED_QUERY = /(?:^|&)(?:AWSAccessKeyId|Signature|sig|X-Goog-Signature)=/;

/** Buckets of `http.server.request.duration`, as the semantic conventions advise (seconds). */
const DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];

/** What ends a request: the same for every request of one instrumentation. */
interface Ends {
  opts: HttpServerSettings;
  duration: DurationSeries;
  logger: ReturnType<typeof logs.getLogger>;
}

/** One request in flight: what its end needs. */
interface Exchange {
  ends: Ends;
  req: IncomingMessage;
  res: ServerResponse;
  span: Span;
  ctx: Context;
  rpc: RPCMetadata & { route?: string };
  scheme: string;
  /** The redactor the span's attributes were redacted with; the record's values share them. */
  redactor: Redactor | undefined;
  /** `url.path`, and `client.address` when it came from a header, redacted once for both. */
  path: string;
  clientAddress: string | undefined;
  started: number;
  error: string | undefined;
  ended: boolean;
  /** Set by `finish` for the record. */
  status: number;
  durationMs: number;
  route: string | undefined;
  aborted: boolean;
}

/**
 * The server side of HTTP: one SERVER span per request (W3C trace context continued from the
 * caller), `http.server.request.duration`, one `http.request` record, and the correlation id on
 * every response (W3C `traceresponse`, optionally a named header) so callers can quote it. Quiet
 * paths (health checks) are neither traced nor logged.
 *
 * Written here rather than taken from the upstream HTTP instrumentation (which still does the
 * client side): that one parses every URL with `new URL()`, records old and new attribute sets,
 * wraps each emitter method of the request and the response, and adds listeners of its own; this
 * does the same job with the prototypes' `emit` wrapped once and no listener. Frameworks set the
 * route as upstream expects (RPC metadata on the request's context), so Express and Fastify
 * routes name the span, the metric and the record.
 */
export function instrumentHttpServer(
  opts: HttpServerSettings,
  providers: { tracerProvider: TracerProvider; meterProvider: MeterProvider },
): () => void {
  const tracer = providers.tracerProvider.getTracer('@tracelog/node/http', VERSION);
  const ends: Ends = {
    opts,
    duration: durationSeries(providers.meterProvider),
    logger: logs.getLogger('http'),
  };
  const restore = [
    patchEmit(HttpServer.prototype as unknown as { emit: Emit }, 'http', ends, tracer),
    patchEmit(HttpsServer.prototype as unknown as { emit: Emit }, 'https', ends, tracer),
    bindListeners(IncomingMessage.prototype as unknown as { emit: Emit }),
    bindListeners(ServerResponse.prototype as unknown as { emit: Emit }, (res, event) => {
      const exchange = res[EXCHANGE];
      if (exchange === undefined) return;
      if (event === 'close') finish(exchange);
      else if (event === 'error') exchange.error ??= 'Error';
    }),
  ];
  return () => {
    for (const undo of restore) undo();
  };
}

/** The duration histogram's series for one request's attribute values. */
type DurationSeries = (
  method: string,
  scheme: string,
  version: string,
  status: number,
  route: string | undefined,
  errorType: string | undefined,
) => HistogramSeries;

/** Distinct attribute sets kept bound; past this, each record looks its series up again. */
const BOUND_SERIES_MAX = 2000;

/**
 * `http.server.request.duration` by attribute set, each set's series bound once: a request then
 * costs a string key and a map lookup instead of the SDK's attribute hashing per record.
 */
function durationSeries(meterProvider: MeterProvider): DurationSeries {
  const bound = new Map<string, HistogramSeries>();
  const scope = { name: '@tracelog/node/http', version: VERSION };
  const options = {
    description: 'Duration of HTTP server requests.',
    unit: 's',
    boundaries: DURATION_BUCKETS,
  };
  // The last request's values and series: steady traffic repeats them, and six comparisons cost
  // less than the key string and its lookup, which showed in profiles at a microsecond a request.
  let last: Parameters<DurationSeries> | undefined;
  let lastSeries: HistogramSeries | undefined;
  return (method, scheme, version, status, route, errorType) => {
    if (
      last !== undefined &&
      last[0] === method &&
      last[1] === scheme &&
      last[2] === version &&
      last[3] === status &&
      last[4] === route &&
      last[5] === errorType
    )
      return lastSeries!;
    const key = `${method}\u0000${scheme}\u0000${version}\u0000${status}\u0000${route ?? ''}\u0000${errorType ?? ''}`;
    let series = bound.get(key);
    if (!series) {
      const attributes: Attributes = {
        [ATTR.HTTP_REQUEST_METHOD]: method,
        [URL_SCHEME]: scheme,
        [NETWORK_PROTOCOL_VERSION]: version,
        [ATTR.HTTP_RESPONSE_STATUS_CODE]: status,
      };
      if (route) attributes[ATTR.HTTP_ROUTE] = route;
      if (errorType) attributes[ATTR.ERROR_TYPE] = errorType;
      series = histogramSeries(
        scope,
        METRIC.HTTP_SERVER_REQUEST_DURATION,
        options,
        attributes,
        meterProvider,
      );
      if (bound.size < BOUND_SERIES_MAX) bound.set(key, series);
    }
    last = [method, scheme, version, status, route, errorType];
    lastSeries = series;
    return series;
  };
}

/** Whether `emit` is this instrumentation's (for the start-up self-check). */
export function isHttpServerPatched(emit: unknown): boolean {
  return (
    typeof emit === 'function' &&
    (emit as { [HTTP_SERVER_PATCHED]?: boolean })[HTTP_SERVER_PATCHED] === true
  );
}

function patchEmit(proto: { emit: Emit }, scheme: string, ends: Ends, tracer: Tracer): () => void {
  const opts = ends.opts;
  const original = proto.emit;
  if ((original as { [HTTP_SERVER_PATCHED]?: boolean })[HTTP_SERVER_PATCHED])
    return () => undefined;
  const emit: Emit & { [HTTP_SERVER_PATCHED]?: boolean } = function (
    this: EventEmitter,
    event,
    ...args
  ) {
    if (event !== 'request') return original.apply(this, [event, ...args]);
    const req = args[0] as IncomingMessage;
    const res = args[1] as ServerResponse;
    let exchange: Exchange | undefined;
    try {
      if (opts.quietPaths.has(pathOf(req.url))) {
        const quiet = suppressTracing(context.active());
        (req as Bound)[CONTEXT] = quiet;
        (res as Bound)[CONTEXT] = quiet;
        return context.with(quiet, () => original.apply(this, [event, ...args]));
      }
      exchange = begin(req, res, scheme, ends, tracer);
      (req as Bound)[CONTEXT] = exchange.ctx;
      (res as Bound)[CONTEXT] = exchange.ctx;
      (res as Bound)[EXCHANGE] = exchange;
    } catch {
      // Instrumentation never stands between the app and its request.
      if (!exchange) return original.apply(this, [event, ...args]);
    }
    const running = exchange;
    try {
      return context.with(running.ctx, () => original.apply(this, [event, ...args]));
    } catch (error) {
      running.error = error instanceof Error ? error.name : 'Error';
      running.span.recordException(error as Error);
      finish(running);
      throw error;
    }
  };
  emit[HTTP_SERVER_PATCHED] = true;
  proto.emit = emit;
  return () => {
    if (proto.emit === emit) proto.emit = original;
  };
}

function begin(
  req: IncomingMessage,
  res: ServerResponse,
  scheme: string,
  ends: Ends,
  tracer: Tracer,
): Exchange {
  const method = normalizeMethod(req.method);
  // Redacted here, once per key, for the span and the record alike; the span says so, and the
  // pipeline does not redact them again.
  const redactor = pipelineRedactor() ?? undefined;
  const made = spanAttributes(req, scheme, method, redactor);
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const options: SpanOptions = { kind: SpanKind.SERVER, attributes: made.attributes };
  if (redactor) (options as { [REDACTED_BY]?: Redactor })[REDACTED_BY] = redactor;
  const span = tracer.startSpan(method, options, parent);
  const rpc: Exchange['rpc'] = { type: RPCType.HTTP, span };
  const ctx = setRPCMetadata(trace.setSpan(layered(parent), span), rpc);
  correlate(span, res, ends.opts);
  return {
    ends,
    req,
    res,
    span,
    ctx,
    rpc,
    scheme,
    redactor,
    path: made.path,
    clientAddress: made.clientAddress,
    started: performance.now(),
    error: undefined,
    ended: false,
    status: 0,
    durationMs: 0,
    route: undefined,
    aborted: false,
  };
}

/**
 * The server span's attributes, each redacted by what it can hold: the method, scheme, protocol
 * version, ports and the socket's peer address come from Node or from a fixed list and are not
 * scanned; what the client wrote (path, query, host, user agent, a forwarded address) is.
 */
function spanAttributes(
  req: IncomingMessage,
  scheme: string,
  method: string,
  r: Redactor | undefined,
): { attributes: Attributes; path: string; clientAddress: string | undefined } {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const socket = req.socket;
  const headers = req.headers;
  const path = redacted(r, ATTR.URL_PATH, q < 0 ? url : url.slice(0, q));
  const attributes: Attributes = {
    [ATTR.HTTP_REQUEST_METHOD]: method,
    [URL_SCHEME]: scheme,
    [ATTR.URL_PATH]: path,
    [NETWORK_PROTOCOL_VERSION]: req.httpVersion,
  };
  if (q >= 0) attributes[ATTR.URL_QUERY] = redacted(r, ATTR.URL_QUERY, query(url.slice(q + 1)));
  const host = headers.host;
  if (host) {
    const colon = host.lastIndexOf(':');
    const bracket = host.lastIndexOf(']');
    const name = colon > bracket ? host.slice(0, colon) : host;
    attributes[ATTR.SERVER_ADDRESS] = redacted(r, ATTR.SERVER_ADDRESS, name);
    attributes[SERVER_PORT] =
      colon > bracket ? Number(host.slice(colon + 1)) : scheme === 'https' ? 443 : 80;
  }
  if (socket?.remoteAddress) {
    attributes[NETWORK_PEER_ADDRESS] = socket.remoteAddress;
    attributes[NETWORK_PEER_PORT] = socket.remotePort;
  }
  const forwarded = forwardedFor(req);
  const client = forwarded ? redacted(r, ATTR.CLIENT_ADDRESS, forwarded) : socket?.remoteAddress;
  attributes[ATTR.CLIENT_ADDRESS] = client;
  const agent = headers['user-agent'];
  if (agent) attributes[ATTR.USER_AGENT_ORIGINAL] = redacted(r, ATTR.USER_AGENT_ORIGINAL, agent);
  if (req.method && req.method !== method)
    attributes[METHOD_ORIGINAL] = redacted(r, METHOD_ORIGINAL, req.method);
  return { attributes, path, clientAddress: client };
}

const METHOD_ORIGINAL = 'http.request.method_original';

/** `value` as the pipeline would redact it under `key`. */
function redacted(r: Redactor | undefined, key: string, value: string): string {
  return r ? (r.redactValue(value, key) as string) : value;
}

/** Ends the span, records the duration and writes the `http.request` record; once per request. */
function finish(exchange: Exchange): void {
  if (exchange.ended) return;
  const { duration, logger } = exchange.ends;
  exchange.ended = true;
  try {
    const { req, res, span } = exchange;
    const ms = performance.now() - exchange.started;
    const status = res.statusCode;
    const method = normalizeMethod(req.method);
    // The route a framework's instrumentation found; the record also takes Express's own.
    const route = exchange.rpc.route;
    const errorType = exchange.error ?? (status >= 500 ? String(status) : undefined);
    span.setAttribute(ATTR.HTTP_RESPONSE_STATUS_CODE, status);
    if (route) {
      span.setAttribute(ATTR.HTTP_ROUTE, route);
      span.updateName(`${method} ${route}`);
    }
    if (errorType) {
      span.setAttribute(ATTR.ERROR_TYPE, errorType);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();

    duration(method, exchange.scheme, req.httpVersion, status, route, errorType).record(ms / 1000);

    exchange.status = status;
    exchange.durationMs = Math.round(ms * 1000) / 1000;
    const recordRoute = route ?? expressRoute(req);
    exchange.route = recordRoute && redacted(exchange.redactor, ATTR.HTTP_ROUTE, recordRoute);
    exchange.aborted = !res.writableFinished;
    const direct = ownRecordSink();
    if (direct && direct.redactor === exchange.redactor) {
      direct.emit('http', undefined, writeRequestRecord, exchange);
    } else {
      logger.emit(requestRecord(exchange));
    }
  } catch {
    // A broken record must not break the response; the span and metric are already out.
  }
}

/** The `http.request` record for the logs API: the general path, where there is no direct one. */
function requestRecord(exchange: Exchange): OwnRecord {
  const level = levelOf(exchange.status);
  return {
    eventName: EVENT.HTTP_REQUEST,
    severityNumber: SEVERITY_NUMBER[level],
    severityText: SEVERITY_TEXT[level],
    body: requestBody(exchange),
    attributes: requestAttributeMap(exchange),
    context: exchange.ctx,
    redactedBy: exchange.redactor,
    [OWN_RECORD]: true,
  };
}

/** The same record written straight into the logs export request (`OwnRecordSink`). */
function writeRequestRecord(w: OwnRecordWriter, exchange: Exchange): void {
  const level = levelOf(exchange.status);
  w.head(EVENT.HTTP_REQUEST, SEVERITY_NUMBER[level], SEVERITY_TEXT[level], requestBody(exchange));
  w.span(exchange.span.spanContext());
  if (scopedAttributesOf(exchange.span)) {
    // Attributes the handler scoped replace the record's own of the same key, in place: rare
    // enough to take the map the general path builds.
    const attributes = requestAttributeMap(exchange);
    for (const key in attributes) w.plain(key, attributes[key]!);
  } else {
    writeRequestAttributes(w, exchange);
  }
  w.context(exchange.ctx);
}

function levelOf(status: number): 'error' | 'warn' | 'info' {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/** Made of redacted values and our own words: redacted as a whole. */
function requestBody({ req, status, durationMs, route, path, redactor }: Exchange): string {
  return `${recordMethod(req, redactor)} ${route ?? path} ${status} ${durationMs} ms`;
}

/** The method as the client sent it: known methods need no redaction. */
function recordMethod(req: IncomingMessage, r: Redactor | undefined): string {
  const method = req.method ?? 'GET';
  return KNOWN_METHODS.has(method) ? method : redacted(r, ATTR.HTTP_REQUEST_METHOD, method);
}

/** Where a record's attributes go, one after another: the direct writer, or a map. */
interface AttributeSink {
  plain(key: string, value: AttributeValue): void;
}

/**
 * The record's own attributes, in order. Numbers and the values redacted for the span are not
 * redacted again; the query (kept whole here, unlike the span's) and headers are.
 */
function writeRequestAttributes(out: AttributeSink, exchange: Exchange): void {
  const { req, redactor: r } = exchange;
  out.plain(ATTR.HTTP_REQUEST_METHOD, recordMethod(req, r));
  out.plain(ATTR.URL_PATH, exchange.path);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  if (q >= 0) out.plain(ATTR.URL_QUERY, redacted(r, ATTR.URL_QUERY, url.slice(q + 1)));
  if (exchange.clientAddress !== undefined) out.plain(ATTR.CLIENT_ADDRESS, exchange.clientAddress);
  for (const name of exchange.ends.opts.headers) {
    const value = req.headers[name];
    if (value === undefined) continue;
    const key = headerKey(name);
    out.plain(key, redacted(r, key, Array.isArray(value) ? value.join(', ') : value));
  }
  out.plain(ATTR.HTTP_RESPONSE_STATUS_CODE, exchange.status);
  out.plain(ATTR.HTTP_DURATION_MS, exchange.durationMs);
  if (exchange.route) out.plain(ATTR.HTTP_ROUTE, exchange.route);
  if (exchange.aborted) out.plain(ATTR.ERROR_TYPE, 'aborted');
}

/** The record's attributes as a map, with what the handler scoped (redacted) over them. */
function requestAttributeMap(exchange: Exchange): Attributes {
  const attributes: Attributes = {};
  writeRequestAttributes(
    {
      plain(key: string, value: AttributeValue) {
        attributes[key] = value;
      },
    },
    exchange,
  );
  const scoped = scopedAttributesOf(exchange.span);
  const r = exchange.redactor;
  for (const key in scoped) {
    const value = scoped[key];
    attributes[key] = r ? (r.redactValue(value, key) as AttributeValue) : value;
  }
  return attributes;
}

/** `http.request.header.{name}` by header name. */
const headerKey = internedKeys((name) => `${ATTR.HTTP_REQUEST_HEADER_PREFIX}${name}`);

/** What a request or response carries while it is instrumented. */
const CONTEXT = Symbol('tracelog.http.context');
const EXCHANGE = Symbol('tracelog.http.exchange');
type Bound = EventEmitter & { [CONTEXT]?: Context; [EXCHANGE]?: Exchange };

/**
 * Listeners of requests and responses (body parsers, `on-finished`, loggers) run in their
 * request's context, wherever the event comes from: Node emits them from the socket's callbacks,
 * outside it. The prototype's `emit` is wrapped once, and each request and response carries its
 * context under a symbol; `before` sees each event of a bound emitter first. An `emit` of each
 * response's own (a closure per request, as this was first written) made V8 keep responses
 * through young-generation collections: at 1,000 req/s 3–4 MB were promoted per scavenge, with
 * pauses of 8–15 ms that set the benchmark's fixed-rate p99; with the prototype wrapped, 0.8 MB
 * and 2–3 ms.
 */
function bindListeners(
  proto: { emit: Emit },
  before?: (emitter: Bound, event: string | symbol) => void,
): () => void {
  const original = proto.emit;
  if ((original as { [HTTP_SERVER_PATCHED]?: boolean })[HTTP_SERVER_PATCHED])
    return () => undefined;
  // Every event of every request and response passes here: `arguments` goes to `apply` as it is,
  // where rest parameters and a spread made two arrays per event.
  const emit = function (this: Bound, event: string | symbol) {
    const ctx = this[CONTEXT];
    // eslint-disable-next-line prefer-rest-params
    const args = arguments as unknown as Parameters<Emit>;
    if (ctx === undefined) return original.apply(this, args);
    if (before) before(this, event);
    if (this.listenerCount(event) === 0) return original.apply(this, args);
    return context.with(ctx, () => original.apply(this, args));
  } as Emit & { [HTTP_SERVER_PATCHED]?: boolean };
  emit[HTTP_SERVER_PATCHED] = true;
  proto.emit = emit;
  return () => {
    if (proto.emit === emit) proto.emit = original;
  };
}

function correlate(span: Span, res: ServerResponse, opts: HttpServerSettings): void {
  if (!(res instanceof ServerResponse) || res.headersSent) return;
  const { traceId, spanId, traceFlags } = span.spanContext();
  const flags = traceFlags < 16 ? `0${traceFlags.toString(16)}` : traceFlags.toString(16);
  res.setHeader('traceresponse', `00-${traceId}-${spanId}-${flags}`);
  if (opts.correlationHeader) res.setHeader(opts.correlationHeader, traceId);
}

/** The first `X-Forwarded-For` hop, when a proxy set one: the caller, as the client says. */
function forwardedFor(req: IncomingMessage): string | undefined {
  const forwarded = req.headers['x-forwarded-for'];
  return (typeof forwarded === 'string' ? forwarded.split(',')[0]?.trim() : undefined) || undefined;
}

/** Express's matched route when its instrumentation is off: `req.baseUrl` + `req.route.path`. */
function expressRoute(req: IncomingMessage): string | undefined {
  const express = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };
  if (typeof express.route?.path === 'string')
    return `${express.baseUrl ?? ''}${express.route.path}`;
  return undefined;
}

function normalizeMethod(method: string | undefined): string {
  if (!method) return 'GET';
  if (KNOWN_METHODS.has(method)) return method;
  const upper = method.toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

function query(text: string): string {
  if (!SIGNED_QUERY.test(text)) return text;
  const params = new URLSearchParams(text);
  for (const name of ['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature'])
    if (params.has(name)) params.set(name, 'REDACTED');
  return params.toString();
}

function pathOf(url: string | undefined): string {
  if (!url) return '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
