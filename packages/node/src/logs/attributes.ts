import type { AnyValue, Attributes } from '@opentelemetry/api';
import { ATTR } from '@tracelog/core';

/** Bounds that keep a hostile argument from costing unbounded time or memory. */
const MAX_DEPTH = 4;
const MAX_KEYS = 64;
const MAX_STRING = 16 * 1024;
const MAX_ARRAY = 64;

/**
 * Turns arbitrary log arguments into OpenTelemetry attribute values without ever throwing:
 * nested plain objects are flattened into dotted keys (`order.id`) so Loki and Elasticsearch can
 * query them; BigInt becomes a string, symbols and functions their description, cycles
 * `[Circular]`, throwing getters `[Unreadable]`, huge strings are cut.
 */
export function addFlattened(target: Attributes, key: string, value: unknown): void {
  try {
    addValue(target, key, value, 0, []);
  } catch {
    // a Proxy whose traps throw, or an exotic object: keep the key, lose the value
    target[key] = '[Unreadable]';
  }
}

function addValue(
  target: Attributes,
  key: string,
  value: unknown,
  depth: number,
  ancestors: object[],
): void {
  if (value === null || value === undefined) return;
  switch (typeof value) {
    case 'string':
      target[key] = truncate(value);
      return;
    case 'number':
    case 'boolean':
      target[key] = value;
      return;
    case 'bigint':
      target[key] = value.toString();
      return;
    case 'symbol':
      target[key] = value.toString();
      return;
    case 'function':
      target[key] = `[Function ${value.name || 'anonymous'}]`;
      return;
  }
  if (ancestors.includes(value)) {
    target[key] = '[Circular]';
    return;
  }
  if (isError(value)) {
    Object.assign(target, prefixKeys(key, exceptionAttributes(value)));
    return;
  }
  if (value instanceof Date) {
    target[key] = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    return;
  }
  if (Array.isArray(value)) {
    target[key] = safeJson(value);
    return;
  }
  if (depth >= MAX_DEPTH || !isPlainObject(value)) {
    target[key] = safeJson(value);
    return;
  }
  let count = 0;
  for (const child of safeKeys(value)) {
    if (count++ >= MAX_KEYS) {
      target[`${key}._truncated`] = true;
      break;
    }
    addValue(target, `${key}.${child}`, safeGet(value, child), depth + 1, [...ancestors, value]);
  }
}

/** `exception.*` attributes for an error (semantic conventions), plus its `cause` chain in the stack. */
export function exceptionAttributes(error: unknown): Attributes {
  if (!isError(error)) {
    return { [ATTR.EXCEPTION_TYPE]: typeof error, [ATTR.EXCEPTION_MESSAGE]: safeString(error) };
  }
  const attributes: Attributes = {
    [ATTR.EXCEPTION_TYPE]: safeString(safeGet(error, 'name')) || 'Error',
    [ATTR.EXCEPTION_MESSAGE]: truncate(safeString(safeGet(error, 'message'))),
  };
  let stack = safeString(safeGet(error, 'stack'));
  let cause = safeGet(error, 'cause');
  for (let i = 0; isError(cause) && i < 3; i++) {
    stack += `\nCaused by: ${safeString(safeGet(cause, 'stack')) || safeString(cause)}`;
    cause = safeGet(cause, 'cause');
  }
  if (stack) attributes[ATTR.EXCEPTION_STACKTRACE] = truncate(stack);
  const code = safeGet(error, 'code');
  if (typeof code === 'string' || typeof code === 'number')
    attributes[ATTR.ERROR_TYPE] = String(code);
  return attributes;
}

/** A log body from whatever was passed as the message. */
export function toBody(message: unknown): AnyValue {
  if (typeof message === 'string') return truncate(message);
  if (message === undefined || message === null) return '';
  if (typeof message === 'object') return safeJson(message);
  return safeString(message);
}

/** `instanceof Error` that a hostile Proxy cannot turn into a throw. */
export function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

export function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : String(value);
  } catch {
    return '[Unprintable]';
  }
}

/** JSON.stringify that survives cycles, BigInt, throwing getters and toJSON, within a size bound. */
export function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    const text = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
      if (typeof v === 'bigint') return v.toString();
      if (typeof v === 'symbol' || typeof v === 'function') return safeString(v);
      if (isError(v)) return { name: v.name, message: v.message };
      if (typeof v === 'object' && v !== null) {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
        if (Array.isArray(v) && v.length > MAX_ARRAY) return [...v.slice(0, MAX_ARRAY), '…'];
      }
      return v;
    });
    return truncate(text ?? safeString(value));
  } catch {
    return copyReadable(value);
  }
}

/** Fallback when even a guarded stringify fails (a getter throws): read what can be read. */
function copyReadable(value: unknown): string {
  if (typeof value !== 'object' || value === null) return safeString(value);
  const out: Record<string, string> = {};
  for (const key of safeKeys(value).slice(0, MAX_KEYS)) {
    const v = safeGet(value, key);
    out[key] = typeof v === 'object' && v !== null ? '[Object]' : safeString(v);
  }
  return truncate(JSON.stringify(out));
}

export function safeGet(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return '[Unreadable]';
  }
}

export function safeKeys(object: object): string[] {
  try {
    return Object.keys(object);
  } catch {
    return [];
  }
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function truncate(text: string): string {
  return text.length > MAX_STRING
    ? `${text.slice(0, MAX_STRING)}…[truncated ${text.length - MAX_STRING} chars]`
    : text;
}

function prefixKeys(prefix: string, attributes: Attributes): Attributes {
  // An error passed under a key (`{ err }`) still uses the standard exception.* names.
  return prefix === 'err' || prefix === 'error'
    ? attributes
    : Object.fromEntries(Object.entries(attributes).map(([k, v]) => [`${prefix}.${k}`, v]));
}
