import type { Client } from '../client.js';
import { matches } from '../config.js';
import { now } from '../otlp.js';
import { ATTR, EVENT } from '../schema.js';
import {
  SPAN_KIND,
  activeSpan,
  failSpan,
  parseTraceparent,
  resume,
  setActive,
  startSpan,
  traceparent,
} from '../trace.js';
import type { Span } from '../trace.js';

export interface RequestSpan {
  span: Span;
  /** The `traceparent` value, when the target origin may receive it. */
  header: string | undefined;
  parent: Span | undefined;
}

/**
 * The shared part of fetch and XHR: a CLIENT span per call, `traceparent` only for the page's own
 * origin and the allow-listed ones, and the back end's correlation id read back from the answer.
 * Returns undefined for the SDK's own export requests and ignored URLs.
 */
export function startRequest(
  client: Client,
  method: string,
  rawUrl: string,
): RequestSpan | undefined {
  let url: URL;
  try {
    url = new URL(rawUrl, globalThis.location?.href);
  } catch {
    return undefined;
  }
  const { cfg } = client;
  const href = url.href;
  if (cfg.endpoint && href.startsWith(new URL(cfg.endpoint, globalThis.location?.href).href))
    return undefined;
  if (cfg.ignoreUrls.length && matches(href, cfg.ignoreUrls)) return undefined;
  const parent = activeSpan();
  const span = startSpan(method, SPAN_KIND.CLIENT, cfg.traceRatio, {
    [ATTR.HTTP_REQUEST_METHOD]: method,
    [ATTR.URL_FULL]: client.redactor.redactUrl(href, { dropQuery: cfg.dropQuery }),
    [ATTR.SERVER_ADDRESS]: url.hostname,
  });
  return { span, parent, header: cfg.propagateTo.has(url.origin) ? traceparent(span) : undefined };
}

export function endRequest(
  client: Client,
  { span, parent }: RequestSpan,
  status: number,
  header: (name: string) => string | null,
  error?: unknown,
): void {
  const { cfg } = client;
  span.end = now();
  const attrs = span.attributes;
  if (status > 0) attrs[ATTR.HTTP_RESPONSE_STATUS_CODE] = status;
  let correlation: string | undefined;
  try {
    correlation =
      parseTraceparent(header('traceresponse')) ?? header(cfg.correlationHeader) ?? undefined;
  } catch {
    // headers a cross-origin answer does not expose
  }
  if (correlation) attrs[ATTR.CORRELATION_ID] = correlation;
  if (error !== undefined) failSpan(span, error);
  else if (status >= 400) {
    span.status = 2;
    attrs[ATTR.ERROR_TYPE] = String(status);
  }
  client.endSpan(span);
  const failed = error !== undefined || status >= 400;
  if (cfg.logRequests === 'all' || (cfg.logRequests === 'errors' && failed)) {
    const duration = Math.round((span.end - span.start) * 10) / 10;
    const restore = setActiveFor(span);
    client.log(
      failed ? 'warn' : 'info',
      'tracelog.http',
      `${span.name} ${String(attrs[ATTR.URL_FULL])} ${error !== undefined ? 'failed' : status} in ${duration} ms`,
      {
        [ATTR.HTTP_REQUEST_METHOD]: span.name,
        [ATTR.URL_FULL]: attrs[ATTR.URL_FULL],
        [ATTR.HTTP_RESPONSE_STATUS_CODE]: status > 0 ? status : undefined,
        [ATTR.HTTP_DURATION_MS]: duration,
        [ATTR.CORRELATION_ID]: correlation,
        [ATTR.ERROR_TYPE]: attrs[ATTR.ERROR_TYPE],
      },
      { eventName: EVENT.HTTP_REQUEST },
    );
    restore();
  }
  resume(parent);
}

/** Makes `span` active for one synchronous call; returns the restore function. */
function setActiveFor(span: Span): () => void {
  const previous = activeSpan();
  setActive(span);
  return () => setActive(previous);
}
