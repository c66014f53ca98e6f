import { describe, expect, it } from 'vitest';
import { ATTR, EVENT, LEVELS, SEVERITY_NUMBER } from '@tracelog/core';

describe('schema', () => {
  it('uses the semantic-convention names dashboards query', () => {
    expect(ATTR.HTTP_REQUEST_METHOD).toBe('http.request.method');
    expect(ATTR.HTTP_RESPONSE_STATUS_CODE).toBe('http.response.status_code');
    expect(ATTR.EXCEPTION_STACKTRACE).toBe('exception.stacktrace');
    expect(ATTR.MESSAGING_MESSAGE_CONVERSATION_ID).toBe('messaging.message.conversation_id');
  });

  it('keeps event names unique', () => {
    const names = Object.values(EVENT);
    expect(new Set(names).size).toBe(names.length);
  });

  it('orders levels by severity, matching OpenTelemetry severity numbers', () => {
    const numbers = LEVELS.map((level) => SEVERITY_NUMBER[level]);
    expect(numbers).toEqual([...numbers].sort((a, b) => b - a));
  });
});
