import { createRedactor } from '@tracelog/core';

const redactor = createRedactor();
const MAX_CHARS = 4096;

/** Job data as recorded on `job.enqueued` / `job.started`: redacted, JSON, at most 4 KiB. */
export function recordedData(value: unknown): string {
  try {
    const text = JSON.stringify(redactor.redactValue(value)) ?? '';
    return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}…` : text;
  } catch {
    // BigInt, a throwing toJSON: the job itself still runs.
    return '[unserialisable]';
  }
}

/** Free text (exception messages, stacks) with secrets masked. */
export function redactedText(text: string): string {
  return redactor.redactString(text);
}
