import { ROOT_CONTEXT, createContextKey, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { layered } from '../src/layered-context.js';

const A = createContextKey('a');
const B = createContextKey('b');

describe('layered', () => {
  it('reads as the context it wraps, and as the API context would after each change', () => {
    const base = ROOT_CONTEXT.setValue(A, 1).setValue(B, 2);
    const ctx = layered(base);
    expect(ctx.getValue(A)).toBe(1);
    const changed = ctx.setValue(A, 3);
    expect(changed.getValue(A)).toBe(3);
    expect(changed.getValue(B)).toBe(2);
    expect(ctx.getValue(A)).toBe(1);
    expect(changed.deleteValue(B).getValue(B)).toBeUndefined();
    expect(changed.getValue(B)).toBe(2);
    const span = trace.wrapSpanContext({
      traceId: '1'.repeat(32),
      spanId: '2'.repeat(16),
      traceFlags: 1,
    });
    expect(trace.getSpan(trace.setSpan(ctx, span))).toBe(span);
    expect(layered(changed)).toBe(changed);
  });

  it('folds a long chain into one context, keeping every value', () => {
    let ctx = layered(ROOT_CONTEXT.setValue(A, 'base'));
    const keys = Array.from({ length: 50 }, (_, i) => createContextKey(`k${i}`));
    keys.forEach((key, i) => {
      ctx = ctx.setValue(key, i);
      if (i === 20) ctx = ctx.deleteValue(A);
    });
    keys.forEach((key, i) => expect(ctx.getValue(key)).toBe(i));
    expect(ctx.getValue(A)).toBeUndefined();
    // A fold leaves at most eight layers above a context of the API's kind.
    let depth = 0;
    let walk: unknown = ctx;
    while (walk && (walk as { parent?: unknown }).parent !== undefined) {
      walk = (walk as { parent: unknown }).parent;
      depth++;
    }
    expect(depth).toBeLessThanOrEqual(8);
  });
});
