import { context, logs, propagation, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import type { UndiciRequest } from '@opentelemetry/instrumentation-undici';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { ATTR, EVENT, SEVERITY_NUMBER } from '@tracelog/core';
import { exceptionAttributes } from '../logs/attributes.js';
import type { InstrumentationDescriptor } from './descriptor.js';

/** Options of the global fetch (undici) instrumentation. */
export interface UndiciOptions {
  /**
   * Log an `http.client.failure` record (level error, with the trace id) for every outbound call
   * that fails: a network error, or an answer with status ≥ 500.
   * @default true
   */
  logFailures?: boolean;
}

interface Call {
  span: Span;
  parent: Context;
  start: number;
}

/**
 * Client spans, the `http.client.request.duration` metric and trace-context injection for global
 * `fetch()` and undici, from the upstream instrumentation, plus what it does not do:
 * - exactly one `traceparent` (and `tracestate`) on the wire: one the caller set is replaced by
 *   the client span's (upstream appends a second value, which the callee must reject);
 * - an `http.client.failure` record for each failed call, so the failure is found by trace id.
 */
export class FetchInstrumentation extends UndiciInstrumentation {
  // Set after super(): the base class enables itself from its constructor, before these exist.
  private readonly calls: WeakMap<UndiciRequest, Call> | undefined;
  private readonly logFailures: boolean;
  private subscribed = false;

  constructor(options: UndiciOptions = {}) {
    const calls = new WeakMap<UndiciRequest, Call>();
    const logFailures = options.logFailures !== false;
    super({
      requestHook: (span, request) => {
        removeHeaders(request, propagation.fields());
        if (logFailures) calls.set(request, { span, parent: context.active(), start: now() });
      },
      responseHook: (_span, { request, response }) => {
        if (response.statusCode >= 500)
          failed(calls, request, {
            [ATTR.HTTP_RESPONSE_STATUS_CODE]: response.statusCode,
            [ATTR.ERROR_TYPE]: String(response.statusCode),
          });
      },
    });
    this.calls = calls;
    this.logFailures = logFailures;
    if (this.isEnabled()) this.enable();
  }

  override enable(): void {
    super.enable();
    if (!this.calls || !this.logFailures || this.subscribed) return;
    subscribe('undici:request:error', this.onNetworkError);
    this.subscribed = true;
  }

  override disable(): void {
    super.disable();
    if (!this.subscribed) return;
    unsubscribe('undici:request:error', this.onNetworkError);
    this.subscribed = false;
  }

  private readonly onNetworkError = (message: unknown) => {
    const { request, error } = message as { request: UndiciRequest; error: unknown };
    // The caller gave up (AbortController): nothing failed at the other end.
    if (errorType(error) === 'AbortError') return;
    failed(this.calls!, request, {
      ...exceptionAttributes(error),
      [ATTR.ERROR_TYPE]: errorType(error),
    });
  };
}

function failed(
  calls: WeakMap<UndiciRequest, Call>,
  request: UndiciRequest,
  attributes: Attributes,
): void {
  const call = calls.get(request);
  if (!call) return;
  calls.delete(request);
  const durationMs = Math.round((now() - call.start) * 1000) / 1000;
  const url = `${request.origin}${request.path}`;
  logs.getLogger('http.client').emit({
    eventName: EVENT.HTTP_CLIENT_FAILURE,
    severityNumber: SEVERITY_NUMBER.error,
    severityText: 'ERROR',
    body: `${request.method} ${url} failed: ${String(attributes[ATTR.ERROR_TYPE])}`,
    attributes: {
      [ATTR.HTTP_REQUEST_METHOD]: request.method,
      [ATTR.URL_FULL]: url,
      [ATTR.SERVER_ADDRESS]: hostOf(request.origin),
      [ATTR.HTTP_DURATION_MS]: durationMs,
      ...attributes,
    },
    context: trace.setSpan(call.parent, call.span),
  });
}

const now = () => performance.now();

/** Removes the named headers (lower-case) from an undici request, whatever form they are in. */
function removeHeaders(request: UndiciRequest, names: readonly string[]): void {
  // A handful of names (traceparent, tracestate, baggage): a scan beats building a set per call.
  const headers = request.headers;
  if (Array.isArray(headers)) {
    for (let i = headers.length - 2; i >= 0; i -= 2) {
      const name = headers[i];
      if (typeof name === 'string' && names.includes(name.toLowerCase())) headers.splice(i, 2);
    }
  } else if (typeof headers === 'string' && headers.length > 0) {
    request.headers = headers
      .split('\r\n')
      .filter((line) => !names.includes(line.slice(0, line.indexOf(':')).trim().toLowerCase()))
      .join('\r\n');
  }
}

function errorType(error: unknown): string {
  if (error && typeof error === 'object') {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && code) return code;
    if (typeof name === 'string' && name) return name;
  }
  return 'Error';
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).hostname;
  } catch {
    return origin;
  }
}

/** Global `fetch()` and undici clients, from the diagnostics channels undici publishes. */
export const undici: InstrumentationDescriptor<'undici', UndiciOptions> = {
  name: 'undici',
  hooks: [],
  resolves: [],
  settings: (options) => options ?? {},
  enable: (options) => ({ instrumentations: [new FetchInstrumentation(options)] }),
};
