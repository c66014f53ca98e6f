import { describe, expect, it } from 'vitest';
import {
  createLevelResolver,
  parseComponentLevels,
  parseDuration,
  parseKeyValueList,
  parseLevel,
  parseSize,
} from '@tracelog/core';

describe('parsers', () => {
  it('parses sizes and durations, and refuses nonsense', () => {
    expect(parseSize('64MiB')).toBe(64 * 1024 * 1024);
    expect(parseSize('512kb')).toBe(512_000);
    expect(parseSize('1048576')).toBe(1048576);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('500')).toBe(500);
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('understands level aliases from other loggers', () => {
    expect(parseLevel('WARNING')).toBe('warn');
    expect(parseLevel('critical')).toBe('fatal');
    expect(parseLevel('loud')).toBeUndefined();
  });

  it('parses the OTEL key=value list format with percent-decoding', () => {
    expect(
      parseKeyValueList('service.name=orders%20api, deployment.environment.name=prod,bad'),
    ).toEqual({
      'service.name': 'orders api',
      'deployment.environment.name': 'prod',
    });
  });

  it('parses component levels and reports bad entries', () => {
    expect(parseComponentLevels('orders=debug,orders.db=warn,oops')).toEqual({
      levels: { orders: 'debug', 'orders.db': 'warn' },
      invalid: ['oops'],
    });
  });
});

describe('createLevelResolver', () => {
  it('falls back along the component hierarchy', () => {
    const level = createLevelResolver('info', { orders: 'debug', 'orders.db': 'warn' });
    expect(level('orders.api.validation')).toBe('debug');
    expect(level('orders.db.pool')).toBe('warn');
    expect(level('payments')).toBe('info');
  });
});
