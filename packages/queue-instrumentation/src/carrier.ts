import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { getScopedAttributes, setScopedAttributes } from '@tracelog/core';
import type { JobCarrier } from './types.js';

/** The active trace context and scoped attributes, as a plain object that survives JSON. */
export function captureCarrier(ctx: Context = context.active()): JobCarrier {
  const headers: Record<string, string> = {};
  propagation.inject(ctx, headers);
  const carrier: JobCarrier = {};
  if (headers.traceparent) carrier.traceparent = headers.traceparent;
  if (headers.tracestate) carrier.tracestate = headers.tracestate;
  if (headers.baggage) carrier.baggage = headers.baggage;
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext) carrier.conversation = spanContext.traceId;
  const scoped: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(getScopedAttributes(ctx))) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      scoped[key] = value;
  }
  if (Object.keys(scoped).length > 0) carrier.scoped = scoped;
  return carrier;
}

/**
 * The context a carrier describes (trace parent, baggage, scoped attributes), from ROOT. Only
 * fields of the right type are used: a carrier is input from outside the process. The context of
 * the last frozen carrier (one `parseCarrier` made, which cannot change) is kept: a bulk's jobs
 * share it.
 */
export function extractCarrier(carrier: JobCarrier | undefined): Context {
  if (!carrier || typeof carrier !== 'object') return ROOT_CONTEXT;
  if (carrier === lastCarrier) return lastContext;
  const ctx = contextOf(carrier);
  if (Object.isFrozen(carrier)) {
    lastCarrier = carrier;
    lastContext = ctx;
  }
  return ctx;
}

let lastCarrier: JobCarrier | undefined;
let lastContext: Context = ROOT_CONTEXT;

function contextOf(carrier: JobCarrier): Context {
  const headers: Record<string, string> = {};
  if (typeof carrier.traceparent === 'string') headers.traceparent = carrier.traceparent;
  if (typeof carrier.tracestate === 'string') headers.tracestate = carrier.tracestate;
  if (typeof carrier.baggage === 'string') headers.baggage = carrier.baggage;
  let ctx = propagation.extract(ROOT_CONTEXT, headers);
  const scoped = carrier.scoped;
  if (scoped && typeof scoped === 'object' && !Array.isArray(scoped)) {
    const valid: Record<string, string | number | boolean> = {};
    for (const key in scoped) {
      const value = scoped[key];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
        valid[key] = value;
    }
    ctx = setScopedAttributes(ctx, valid);
  }
  return ctx;
}

/** The conversation id a carrier holds, when it is one. */
export function conversationOf(carrier: JobCarrier | undefined): string | undefined {
  const conversation = carrier && typeof carrier === 'object' ? carrier.conversation : undefined;
  return typeof conversation === 'string' ? conversation : undefined;
}

/**
 * The carrier a job stores as JSON, frozen. The jobs of one bulk add store the same one: the last
 * text read and its carrier are kept, so a run of them is parsed once (and `extractCarrier`
 * builds their context once).
 */
export function parseCarrier(text: unknown): JobCarrier | undefined {
  if (typeof text !== 'string' || !text.startsWith('{')) return undefined;
  if (text === lastText) return lastParsed;
  let carrier: JobCarrier | undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null) {
      carrier = value as JobCarrier;
      if (carrier.scoped && typeof carrier.scoped === 'object') Object.freeze(carrier.scoped);
      Object.freeze(carrier);
    }
  } catch {
    // not a carrier
  }
  lastText = text;
  lastParsed = carrier;
  return carrier;
}

let lastText: string | undefined;
let lastParsed: JobCarrier | undefined;
