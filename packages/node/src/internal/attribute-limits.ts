import type { AnyValue, Attributes } from '@opentelemetry/api';
import { AddAttributeDecision, cleanAttributes, maybeAddAttribute } from '@opentelemetry/core';

/** The SDK's default limits for span and record attributes (it reads no environment for them). */
export const LIMITS = { attributeCountLimit: 128, attributeValueLengthLimit: Infinity };

/**
 * Adds one attribute as core's `maybeAddAttribute` does, to a map holding `count` attributes,
 * with the usual case decided first: a string, number or boolean under a non-empty key is
 * stored as it is. (Core's value check allocates a WeakSet per value, for nested maps.)
 */
export function addAttribute(
  attributes: Attributes,
  count: number,
  key: string,
  value: AnyValue | undefined,
): AddAttributeDecision {
  if (!isPrimitive(value) || key.length === 0) {
    return maybeAddAttribute({
      key,
      value,
      attributes,
      limits: LIMITS,
      currentAttributesCount: count,
    });
  }
  if (Object.hasOwn(attributes, key)) {
    attributes[key] = value;
    return AddAttributeDecision.ADD_OVERWRITE_EXISTING;
  }
  if (count >= LIMITS.attributeCountLimit) return AddAttributeDecision.DROP_LIMIT_REACHED;
  attributes[key] = value;
  return AddAttributeDecision.ADD_NEW;
}

/**
 * A copy of `input` as core's `cleanAttributes` makes it, with the same usual case first: every
 * value a string, number or boolean within the count limit is copied as it is. `count` is how
 * many attributes the copy holds.
 */
export function copyAttributes(input: Attributes | undefined): {
  attributes: Attributes;
  droppedAttributesCount: number;
  count: number;
} {
  if (typeof input !== 'object' || input === null)
    return { attributes: {}, droppedAttributesCount: 0, count: 0 };
  const attributes: Attributes = {};
  let count = 0;
  for (const key in input) {
    if (!Object.hasOwn(input, key)) continue;
    const value = input[key];
    if (value === undefined) continue;
    if (!isPrimitive(value) || key.length === 0 || count === LIMITS.attributeCountLimit) {
      const { attributes: kept = {}, droppedAttributesCount = 0 } = cleanAttributes(input, LIMITS);
      return { attributes: kept, droppedAttributesCount, count: Object.keys(kept).length };
    }
    attributes[key] = value;
    count++;
  }
  return { attributes, droppedAttributesCount: 0, count };
}

function isPrimitive(value: unknown): value is string | number | boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}
