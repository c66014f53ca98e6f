import { describe, expect, it } from 'vitest';
import { ATTR_SERVICE_NAME } from '@tracelog/core';

describe('schema', () => {
  it('names the service attribute as OpenTelemetry does', () => {
    expect(ATTR_SERVICE_NAME).toBe('service.name');
  });
});
