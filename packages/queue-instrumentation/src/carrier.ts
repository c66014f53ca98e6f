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
 * fields of the right type are used: a carrier is input from outside the process.
 */
export function extractCarrier(carrier: JobCarrier | undefined): Context {
  if (!carrier || typeof carrier !== 'object') return ROOT_CONTEXT;
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

export function parseCarrier(text: unknown): JobCarrier | undefined {
  if (typeof text !== 'string' || !text.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as JobCarrier) : undefined;
  } catch {
    return undefined;
  }
}
