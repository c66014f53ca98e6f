import type { Context } from '@opentelemetry/api';

/** Layers past which a chain is folded back into one context of the kind it started from. */
const MAX_DEPTH = 8;
/** The key of the empty layer `layered` starts with: no value is ever set under it. */
const NONE: unique symbol = Symbol('tracelog.layered-context');

/**
 * A context that adds one value to another. The API's contexts copy every value into a new Map
 * for each `setValue` (the span of each request or job, the request's RPC metadata): a copy per
 * span showed in profiles. A layer is one small object, and a lookup walks the layers down to the
 * context they started from. Past eight layers they are folded back into a context of that kind,
 * so a chain of contexts each made from the one before (a task that schedules the next from
 * inside itself) holds neither memory nor lookups without end.
 */
class Layer implements Context {
  constructor(
    private readonly parent: Context,
    private readonly depth: number,
    private readonly key: symbol,
    private readonly value: unknown,
  ) {}

  getValue(key: symbol): unknown {
    if (this.key === key) return this.value;
    let context = this.parent;
    while (context instanceof Layer) {
      if (context.key === key) return context.value;
      context = context.parent;
    }
    return context.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.depth < MAX_DEPTH
      ? new Layer(this, this.depth + 1, key, value)
      : new Layer(this.fold(), 1, key, value);
  }

  /** An unset value reads as undefined, as a deleted one does. */
  deleteValue(key: symbol): Context {
    return this.setValue(key, undefined);
  }

  /** The same values in one context of the kind the layers started from. */
  private fold(): Context {
    const layers: Layer[] = [this];
    let context = this.parent;
    while (context instanceof Layer) {
      layers.push(context);
      context = context.parent;
    }
    for (let i = layers.length - 1; i >= 0; i--) {
      const { key, value } = layers[i]!;
      if (key === NONE) continue;
      context = value === undefined ? context.deleteValue(key) : context.setValue(key, value);
    }
    return context;
  }
}

/**
 * `parent` with the same values, as a context whose `setValue` adds a layer instead of copying
 * them all: for `trace.setSpan(layered(parent), span)` on a hot path. Contexts made from the
 * result (by instrumentations further down) are layers as well.
 */
export function layered(parent: Context): Context {
  return parent instanceof Layer ? parent : new Layer(parent, 0, NONE, undefined);
}
