import { describe, expect, it } from 'vitest';
import {
  createLevelResolver,
  parseComponentLevels,
  parseDuration,
  parseKeyValueList,
  parseLevel,
  parseSize,
  resolveCommonConfig,
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

describe('resolveCommonConfig', () => {
  it('lets options win over environment, and environment over defaults', () => {
    const env = {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource,service.version=1.2.3,team=desk',
      LOG_LEVEL: 'debug',
      TRACELOG_LEVELS: 'orders=warn',
      NODE_ENV: 'production',
    };
    const { config, warnings } = resolveCommonConfig({ level: 'error' }, env);
    expect(warnings).toEqual([]);
    expect(config).toMatchObject({
      serviceName: 'from-env',
      serviceVersion: '1.2.3',
      environment: 'production',
      level: 'error',
      levels: { orders: 'warn' },
      resourceAttributes: { team: 'desk' },
      redaction: { enabled: true },
    });
    expect(resolveCommonConfig({ serviceName: 'opt' }, env).config.serviceName).toBe('opt');
  });

  it('reports malformed settings with what was used instead, and unknown TRACELOG_ variables', () => {
    const { config, warnings } = resolveCommonConfig(
      {},
      {
        LOG_LEVEL: 'loud',
        TRACELOG_LOG_RATE: 'fast',
        TRACELOG_LEVEL: 'debug',
        TRACELOG_REDACT: 'maybe',
      },
    );
    expect(config.level).toBe('info');
    expect(config.rateLimit).toBeUndefined();
    expect(config.redaction.enabled).toBe(true);
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('LOG_LEVEL=loud is not a level'),
        expect.stringContaining('TRACELOG_LOG_RATE=fast'),
        expect.stringContaining('did you mean TRACELOG_LEVELS?'),
        expect.stringContaining('TRACELOG_REDACT=maybe'),
      ]),
    );
  });

  it('does not report the stack’s own TRACELOG_ settings as unknown', () => {
    const { warnings } = resolveCommonConfig(
      {},
      {
        TRACELOG_LOKI_BIN: '/opt/loki',
        TRACELOG_ES_PORT: '9201',
        TRACELOG_CORS_ORIGIN: 'http://localhost:5173',
        TRACELOG_CACHE: '/var/cache/tracelog',
        TRACELOG_SPOOL_DIRR: '/tmp/spool',
      },
    );
    expect(warnings).toEqual([
      expect.stringContaining('TRACELOG_SPOOL_DIRR is not a tracelog setting'),
    ]);
  });

  it('parses rate limits, dedupe windows and debug sampling from the environment', () => {
    const { config } = resolveCommonConfig(
      {},
      {
        TRACELOG_LOG_RATE: '200/s:burst=500',
        TRACELOG_DEDUPE_WINDOW: '10s',
        TRACELOG_DEBUG_SAMPLE_EVERY: '10',
      },
    );
    expect(config.rateLimit).toEqual({ perSecond: 200, burst: 500 });
    expect(config.dedupeWindowMs).toBe(10_000);
    expect(config.debugSampleEvery).toBe(10);
  });
});
