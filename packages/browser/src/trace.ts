import { SPAN_KIND, STATUS_CODE, now } from './otlp.js';
import { ATTR } from './schema.js';
import type { Attributes } from './types.js';

export function randomHex(bytes: number): string {
  const buf = crypto.getRandomValues(new Uint8Array(bytes));
  let hex = '';
  for (const b of buf) hex += (b < 16 ? '0' : '') + b.toString(16);
  // All-zero ids are invalid in W3C trace context.
  return /^0+$/.test(hex) ? randomHex(bytes) : hex;
}

export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  sampled: boolean;
  name: string;
  kind: number;
  start: number;
  end: number | undefined;
  attributes: Attributes;
  status: number;
  statusMessage: string | undefined;
  /** Something (a record, a child span) ran inside it: click spans are exported only then. */
  used?: boolean;
}

export function traceparent(span: Span): string {
  return `00-${span.traceId}-${span.spanId}-${span.sampled ? '01' : '00'}`;
}

/** The trace id from a W3C `traceparent`/`traceresponse` value, or undefined. */
export function parseTraceparent(value: string | null | undefined): string | undefined {
  const m = value ? /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/.exec(value.trim()) : null;
  return m?.[1];
}

/**
 * The active span. Browsers have no async context, so a span stays active from `withSpan` until
 * its promise settles (and a click span until its handlers' turn of the event loop ends). Work that
 * starts meanwhile from elsewhere (a timer) joins that trace too: a rare mis-attribution we accept
 * for the usual case, a handler that logs and awaits a call, staying correlated.
 */
let active: Span | undefined;
export const activeSpan = (): Span | undefined => active;
export function setActive(span: Span | undefined): void {
  active = span;
}

export function startSpan(
  name: string,
  kind: number,
  sampleRatio: number,
  attributes: Attributes = {},
  parent: Span | undefined = active,
): Span {
  if (parent) parent.used = true;
  return {
    traceId: parent?.traceId ?? randomHex(16),
    spanId: randomHex(8),
    parentSpanId: parent?.spanId,
    sampled: parent ? parent.sampled : Math.random() < sampleRatio,
    name,
    kind,
    start: now(),
    end: undefined,
    attributes,
    status: STATUS_CODE.UNSET,
    statusMessage: undefined,
  };
}

/**
 * Makes `span` active again for the rest of this turn of the event loop: code that awaited a
 * request started inside it continues in its trace.
 */
export function resume(span: Span | undefined): void {
  if (!span || active) return;
  active = span;
  setTimeout(() => {
    if (active === span) active = undefined;
  }, 0);
}

export function failSpan(span: Span, error: unknown): void {
  span.status = STATUS_CODE.ERROR;
  span.statusMessage = error instanceof Error ? error.message : String(error);
  span.attributes[ATTR.ERROR_TYPE] = error instanceof Error ? error.name : 'Error';
}

export { SPAN_KIND };
