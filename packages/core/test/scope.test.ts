import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { getScopedAttributes, setScopedAttributes } from '../src/scope.js';

describe('scoped attributes', () => {
  it('overlays new attributes on the ones a context already holds, leaving it unchanged', () => {
    const outer = setScopedAttributes(ROOT_CONTEXT, { 'user.id': 'u1', 'order.id': 'o1' });
    const inner = setScopedAttributes(outer, { 'order.id': 'o2' });
    expect(getScopedAttributes(inner)).toEqual({ 'user.id': 'u1', 'order.id': 'o2' });
    expect(getScopedAttributes(outer)).toEqual({ 'user.id': 'u1', 'order.id': 'o1' });
    expect(Object.isFrozen(getScopedAttributes(inner))).toBe(true);
  });

  it('returns the same context when there is nothing to add', () => {
    const outer = setScopedAttributes(ROOT_CONTEXT, { 'user.id': 'u1' });
    expect(setScopedAttributes(outer, {})).toBe(outer);
    expect(setScopedAttributes(ROOT_CONTEXT, {})).toBe(ROOT_CONTEXT);
    expect(getScopedAttributes(ROOT_CONTEXT)).toEqual({});
  });
});
