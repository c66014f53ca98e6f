import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import type { InitOptions } from '../../src/types.js';

/** Resolution with no entry script, so no package.json is consulted. */
const resolve = (options: InitOptions, env: Record<string, string | undefined>) =>
  resolveConfig(options, env, undefined);

describe('resolveConfig: identity, levels, redaction and filters', () => {
  it('lets options win over environment, and environment over defaults', () => {
    const env = {
      OTEL_SERVICE_NAME: 'from-env',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource,service.version=1.2.3,team=desk',
      LOG_LEVEL: 'debug',
      TRACELOG_LEVELS: 'orders=warn',
      NODE_ENV: 'production',
    };
    const { config, warnings } = resolve({ level: 'error' }, env);
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
    expect(resolve({ serviceName: 'opt' }, env).config.serviceName).toBe('opt');
  });

  it('reports malformed settings with what was used instead, and unknown TRACELOG_ variables', () => {
    const { config, warnings } = resolve(
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
    const { warnings } = resolve(
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
    const { config } = resolve(
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

describe("the app's package.json", () => {
  const root = mkdtempSync(join(tmpdir(), 'tracelog-pkg-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const app = join(root, 'orders-api');
  mkdirSync(join(app, 'src', 'routes'), { recursive: true });
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'orders-api', version: '2.4.1', private: true }),
  );
  // A nested package.json without a name (as some build setups add) is passed over.
  writeFileSync(join(app, 'src', 'package.json'), JSON.stringify({ type: 'module' }));
  const entry = join(app, 'src', 'routes', 'server.js');

  it('names the service from the nearest package.json with a name above the entry script, and says so', () => {
    const { config, warnings } = resolveConfig({}, {}, entry);
    expect(config.serviceName).toBe('orders-api');
    expect(config.serviceVersion).toBe('2.4.1');
    expect(warnings).toEqual([`service.name "orders-api" from ${join(app, 'package.json')}`]);
  });

  it('gives way to every explicit setting, and stays quiet then', () => {
    for (const [options, env] of [
      [{ serviceName: 'opt' }, {}],
      [{}, { OTEL_SERVICE_NAME: 'env' }],
      [{}, { OTEL_RESOURCE_ATTRIBUTES: 'service.name=res' }],
      [{}, { npm_package_name: 'npm' }],
    ] as const) {
      const { config, warnings } = resolveConfig(options, env, entry);
      expect(config.serviceName).not.toBe('orders-api');
      expect(warnings).toEqual([]);
      expect(config.serviceVersion).toBe('2.4.1'); // the version is still the app's
    }
    expect(resolveConfig({ serviceVersion: '9' }, {}, entry).config.serviceVersion).toBe('9');
  });

  it('takes nothing from a tool started from node_modules, or without an entry script', () => {
    const tool = join(app, 'node_modules', 'runner');
    mkdirSync(tool, { recursive: true });
    writeFileSync(join(tool, 'package.json'), JSON.stringify({ name: 'runner', version: '1.0.0' }));
    for (const script of [join(tool, 'cli.js'), undefined]) {
      const { config, warnings } = resolveConfig({}, {}, script);
      expect(config.serviceName).toBe('unknown_service');
      expect(config.serviceVersion).toBeUndefined();
      expect(warnings).toEqual([]);
    }
  });
});

describe('settings nothing sensible can be made of', () => {
  it('refuses an endpoint that is not a URL, and only that, with a clear error', () => {
    expect(() => resolveConfig({ endpoint: 'collector:4318' }, {})).toThrow(
      /must be an http\(s\) URL/,
    );
    const { config, warnings } = resolveConfig(
      {},
      { TRACELOG_SPOOL_MAX_BYTES: 'huge', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    );
    expect(config.spool && config.spool.maxBytes).toBe(64 * 1024 * 1024);
    expect(config.protocol).toBe('http/protobuf');
    expect(warnings).toEqual([
      expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported'),
      'TRACELOG_SPOOL_MAX_BYTES is not valid; using 67108864',
    ]);
  });
});
