import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

// The SDK's diagnostics say a repeated warning again after a minute, reading the clock they were
// created with: moving that clock shows the deprecation is said once, not once a minute.
const clock = vi.hoisted(() => {
  const realNow = Date.now;
  const state = { offsetMs: 0, restore: () => void (Date.now = realNow) };
  Date.now = () => realNow() + state.offsetMs;
  return state;
});

import { resolveConfig } from '../../src/config/resolve.js';
import type { InitOptions } from '../../src/types.js';

/** Resolution with no entry script, so no package.json is consulted. */
const resolve = (options: InitOptions, env: Record<string, string | undefined> = {}) =>
  resolveConfig(options, env, undefined).config;

const httpOptions = {
  quietPaths: ['/ping'],
  headers: ['X-Tenant'],
  correlationHeader: 'x-correlation-id',
};

/** What the SDK's diagnostics wrote to stderr while `fn` ran. */
function stderrOf(fn: () => void): string[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    fn();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

afterEach(() => vi.restoreAllMocks());
afterAll(() => clock.restore());

describe('HTTP options', () => {
  // First in this file: the warning is once per process (per test file's module graph).
  it('reports the top-level `http` option as deprecated, once', () => {
    const lines = stderrOf(() => {
      resolve({ http: httpOptions });
      clock.offsetMs += 10 * 60_000;
      resolve({ http: { quietPaths: [] } });
    });
    expect(lines.filter((line) => line.includes('init({ http }) is deprecated'))).toHaveLength(1);
    expect(stderrOf(() => resolve({ instrumentations: { http: httpOptions } }))).toEqual([]);
  });

  it('gives the same settings from top-level `http` and from `instrumentations.http`', () => {
    const legacy = resolve({ http: httpOptions }).instrumentations;
    const current = resolve({ instrumentations: { http: httpOptions } }).instrumentations;
    expect(current).toEqual(legacy);
    expect(current.http).toEqual({
      quietPaths: new Set(['/ping']),
      headers: ['x-tenant'],
      correlationHeader: 'x-correlation-id',
    });
  });

  it('takes `instrumentations.http` over top-level `http`, key by key, and both over TRACELOG_*', () => {
    const env = { TRACELOG_QUIET_PATHS: '/env', TRACELOG_CORRELATION_HEADER: 'x-env' };
    const settings = resolve(
      {
        http: { headers: ['x-legacy'], quietPaths: ['/legacy'] },
        instrumentations: { http: { quietPaths: ['/new'] } },
      },
      env,
    ).instrumentations.http;
    expect(settings).toEqual({
      quietPaths: new Set(['/new']),
      headers: ['x-legacy'],
      correlationHeader: 'x-env',
    });
  });

  it('keeps the environment variables and the defaults', () => {
    const settings = resolve({}, { TRACELOG_HTTP_HEADERS: 'x-a,X-B', TRACELOG_QUIET_PATHS: '/up' })
      .instrumentations.http;
    expect(settings).toEqual({
      quietPaths: new Set(['/up']),
      headers: ['x-a', 'x-b'],
      correlationHeader: undefined,
    });
    expect(resolve({ instrumentations: { http: true } }).instrumentations.http).toMatchObject({
      quietPaths: new Set(['/health', '/healthz', '/ready', '/live', '/metrics']),
    });
    expect(resolve({ instrumentations: { http: false } }).instrumentations.http).toBe(false);
  });
});

describe('instrumentation settings', () => {
  it('switches each on by default, off with false, and fills in options objects', () => {
    const settings = resolve({
      instrumentations: { express: false, undici: { logFailures: false }, runtime: true },
    }).instrumentations;
    expect(settings).toMatchObject({
      undici: { logFailures: false },
      express: false,
      fastify: true,
      pg: true,
      redis: true,
      runtime: {},
      bullmq: {},
    });
  });
});
