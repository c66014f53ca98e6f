import type { Attributes } from '@opentelemetry/api';
import { createRedactor, pipelineRedactor } from '@tracelog/core';
import type { Redactor } from '@tracelog/core';

/** For when no tracelog SDK is installed: the default rules. */
let fallback: Redactor | undefined;
const MAX_CHARS = 4096;

/**
 * The redactor the installed tracelog SDK uses, so the app's redaction settings apply to what
 * this package redacts itself; the default rules under any other SDK; undefined when the app
 * turned redaction off.
 */
export function redactor(): Redactor | undefined {
  const installed = pipelineRedactor();
  if (installed !== undefined) return installed ?? undefined;
  return (fallback ??= createRedactor());
}

/**
 * `attributes` redacted with `redactor()`, and that redactor: a span and records built from them
 * say so (`REDACTED_BY`, `redactedBy`), and the pipeline does not redact them again.
 */
export function redacted(attributes: Attributes): {
  attributes: Attributes;
  redactedBy: Redactor | undefined;
} {
  const r = redactor();
  return {
    attributes: r ? (r.redactAttributes(attributes) as Attributes) : attributes,
    redactedBy: r,
  };
}

/** Job data as recorded on `job.enqueued` / `job.started`: redacted, JSON, at most 4 KiB. */
export function recordedData(value: unknown, r: Redactor | undefined): string {
  try {
    const text = JSON.stringify(r ? r.redactValue(value) : value) ?? '';
    return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…` : text;
  } catch {
    // BigInt, a throwing toJSON: the job itself still runs.
    return '[unserialisable]';
  }
}

/** A value the instrumentation sets under `key`, redacted with `r` as the pipeline would. */
export function redactedValue(r: Redactor | undefined, key: string, value: string): string {
  return r ? (r.redactValue(value, key) as string) : value;
}
