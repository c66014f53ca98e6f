import { context, propagation, trace } from '@opentelemetry/api';
import type { Attributes, AttributeValue, Context } from '@opentelemetry/api';
import { getScopedAttributes, setScopedAttributes } from '@tracelog/core';
import { addFlattened } from './logs/attributes.js';
import { diagnostics } from './internal/diag.js';

let baggageKeys: ReadonlySet<string> = new Set();

/**
 * Scoped attributes added while a span was active, by span: the `http.request` record is written
 * when the response closes, outside the handler's context, and still carries them.
 */
const scopedBySpan = new WeakMap<object, Attributes>();

export function scopedAttributesOf(span: object): Attributes | undefined {
  return scopedBySpan.get(span);
}

/** Called by init(): which scoped keys also travel to other services as W3C baggage. */
export function configureContext(keys: Iterable<string>): void {
  baggageKeys = new Set(keys);
}

/**
 * Runs `fn` with `attributes` (user.id, strategy.id, order.id, …) added to every log record and
 * span inside it, including async work it starts; the active span gets them too. Keys chosen with
 * `baggageKeys` also cross process boundaries as W3C baggage. Returns what `fn` returns.
 */
export function withContext<T>(attributes: Record<string, unknown>, fn: () => T): T {
  let ctx;
  try {
    const flat: Attributes = {};
    for (const [key, value] of Object.entries(attributes)) addFlattened(flat, key, value);
    ctx = setScopedAttributes(context.active(), flat);
    const active = trace.getActiveSpan();
    if (active) {
      active.setAttributes(flat);
      scopedBySpan.set(active, { ...scopedBySpan.get(active), ...flat });
    }
    const travelling = Object.entries(flat).filter(([key]) => baggageKeys.has(key));
    if (travelling.length > 0) {
      let baggage = propagation.getBaggage(ctx) ?? propagation.createBaggage();
      for (const [key, value] of travelling)
        baggage = baggage.setEntry(key, { value: text(value) });
      ctx = propagation.setBaggage(ctx, baggage);
    }
  } catch (error) {
    diagnostics.warn('context', `withContext could not add its attributes: ${String(error)}`);
    return fn();
  }
  return context.with(ctx, fn);
}

function text(value: AttributeValue | undefined): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * The attributes a log record takes from its context, in one order for both ways a record is
 * written (the pipeline and the direct path of our own records): the scoped attributes of
 * `withContext`, then the allowed baggage entries (only those: incoming baggage is untrusted).
 * `add` decides whether the record already has the key; a record's own value always wins.
 */
export function addContextAttributes(
  ctx: Context,
  allowedBaggage: ReadonlySet<string>,
  add: (key: string, value: AttributeValue | undefined) => void,
): void {
  const scoped = getScopedAttributes(ctx);
  for (const key in scoped) add(key, scoped[key]);
  if (allowedBaggage.size === 0) return;
  const baggage = propagation.getBaggage(ctx);
  if (!baggage) return;
  for (const key of allowedBaggage) {
    const entry = baggage.getEntry(key);
    if (entry) add(key, entry.value);
  }
}
