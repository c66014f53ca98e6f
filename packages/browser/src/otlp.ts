import type { AttributeValue, Attributes } from './types.js';

/** OTLP/JSON AnyValue: 64-bit integers travel as strings, as the protobuf JSON mapping says. */
export type AnyValue =
  | { stringValue: string }
  | { intValue: string }
  | { doubleValue: number }
  | { boolValue: boolean }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } };
export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: KeyValue[];
  eventName?: string;
  traceId?: string;
  spanId?: string;
  flags?: number;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  status: { code: number; message?: string };
  flags?: number;
}

export const SPAN_KIND = { INTERNAL: 1, CLIENT: 3 } as const;
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export function anyValue(value: AttributeValue, depth = 0): AnyValue | undefined {
  if (value === null || value === undefined) return undefined;
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      return Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: value };
    case 'object':
      if (depth > 4) return { stringValue: '[Too deep]' };
      if (Array.isArray(value)) {
        const values: AnyValue[] = [];
        for (const item of value as AttributeValue[]) {
          const v = anyValue(item, depth + 1);
          if (v) values.push(v);
        }
        return { arrayValue: { values } };
      }
      return { kvlistValue: { values: keyValues(value as Attributes, depth + 1) } };
    default:
      return { stringValue: String(value) };
  }
}

export function keyValues(attributes: Attributes, depth = 0): KeyValue[] {
  const out: KeyValue[] = [];
  for (const key in attributes) {
    const value = anyValue(attributes[key], depth);
    if (value) out.push({ key, value });
  }
  return out;
}

/**
 * Epoch milliseconds (fractional) as a decimal nanosecond string: whole milliseconds and the
 * sub-millisecond part are formatted separately because ms × 1e6 is past 2^53.
 */
export function nanos(ms: number): string {
  const whole = Math.floor(ms);
  const sub = Math.min(999_999, Math.round((ms - whole) * 1e6));
  return `${whole}${String(sub).padStart(6, '0')}`;
}

/** Epoch milliseconds with sub-millisecond precision where the browser gives it. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
