import type { AnyValue, Attributes } from '@opentelemetry/api';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Redactor } from '@tracelog/core';

/**
 * A record or span whose attributes (and a record's body) were redacted when they were made (an
 * instrumentation's own, see `REDACTED_BY`): `redactedBy` is the redactor used, `lateKeys` the
 * keys set since, which are redacted as any other attribute is.
 */
export interface PreRedacted {
  readonly redactedBy: Redactor | undefined;
  /** Undefined until a key is set. */
  readonly lateKeys: string[] | undefined;
}

/**
 * Redacts each attribute, or only the late ones of attributes redacted when they were made with
 * this same redactor. A changed value goes through `record.setAttribute`, or, for an ended span,
 * straight into its attributes.
 */
export function redactAttributes(
  attributes: Attributes,
  redactor: Redactor,
  made: Partial<PreRedacted>,
  record?: ReadWriteLogRecord,
): void {
  if (made.redactedBy !== redactor) {
    for (const key in attributes) redactKey(attributes, key, redactor, record);
    return;
  }
  const late = made.lateKeys;
  if (!late) return;
  // Redacting a record sets attributes, which adds to the list: only the keys there now.
  for (let i = 0, n = late.length; i < n; i++) redactKey(attributes, late[i]!, redactor, record);
}

function redactKey(
  attributes: Attributes,
  key: string,
  redactor: Redactor,
  record: ReadWriteLogRecord | undefined,
): void {
  const value = attributes[key];
  const redacted = redactor.redactValue(value, key) as AnyValue;
  if (redacted === value) return;
  if (record) record.setAttribute(key, redacted);
  else attributes[key] = redacted as Attributes[string];
}
