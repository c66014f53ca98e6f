import { context, createContextKey } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';

/**
 * Scoped context attributes (user.id, order.id, …) live in the OpenTelemetry Context under this
 * key, so every package (node logger, HTTP, tasks, queue instrumentation) reads the same values
 * and they follow async work exactly as spans do.
 */
export const SCOPED_ATTRIBUTES_KEY = createContextKey('tracelog.scoped_attributes');

const EMPTY: Readonly<Attributes> = Object.freeze({});

/** The scoped attributes of `ctx` (default: the active context); never undefined. */
export function getScopedAttributes(ctx: Context = context.active()): Readonly<Attributes> {
  return (ctx.getValue(SCOPED_ATTRIBUTES_KEY) as Readonly<Attributes> | undefined) ?? EMPTY;
}

/** A copy of `ctx` whose scoped attributes are the existing ones overlaid with `attributes`. */
export function setScopedAttributes(ctx: Context, attributes: Attributes): Context {
  // Nothing to add (a detached job run whose enqueuer had none): the context itself, not a copy.
  if (Object.keys(attributes).length === 0) return ctx;
  const merged = Object.freeze({ ...getScopedAttributes(ctx), ...attributes });
  return ctx.setValue(SCOPED_ATTRIBUTES_KEY, merged);
}
