import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { resolvePackageFromApp } from '../../src/internal/app-location.js';
import { Diagnostics } from '../../src/internal/diag.js';
import { apiMismatch, runSelfCheck } from '../../src/internal/selfcheck.js';

/** A loopback port nothing listens on: taken, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Runs the self-check against an unreachable collector and returns the line it reports. */
async function unreachableReport(spool: { directory: string } | false): Promise<string> {
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const { config } = resolveConfig(
    { endpoint, spool, maxMemoryBytes: 8 * 1024 * 1024, instrumentations: { http: false } },
    {},
    undefined,
  );
  const lines: string[] = [];
  runSelfCheck(config, new Diagnostics(60_000, (line) => lines.push(line)));
  const deadline = Date.now() + 10_000;
  while (lines.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`the collector at ${endpoint} is not reachable`);
  return lines[0]!;
}

describe('self-check: an unreachable collector', () => {
  it('with the spool on, says records wait in the spool, naming its folder', async () => {
    const line = await unreachableReport({ directory: '/var/tmp/orders-spool' });
    expect(line).toContain('kept in the local spool (/var/tmp/orders-spool) until it is');
  });

  it('with the spool off, says records wait in memory, how much, and that the rest is dropped', async () => {
    const line = await unreachableReport(false);
    expect(line).not.toContain('spool (');
    expect(line).toContain(
      'the spool is off, so telemetry is held in memory (up to 8 MiB per signal) until it is, and dropped beyond that',
    );
  });
});

describe("self-check: the application's own @opentelemetry/api", () => {
  /** An app folder whose node_modules holds @opentelemetry/api at `version`. */
  function appWithApi(version: string): string {
    const app = mkdtempSync(join(tmpdir(), 'tracelog-app-'));
    const api = join(app, 'node_modules', '@opentelemetry', 'api');
    mkdirSync(join(api, 'build'), { recursive: true });
    writeFileSync(
      join(api, 'package.json'),
      JSON.stringify({ name: '@opentelemetry/api', version, main: 'build/index.js' }),
    );
    writeFileSync(join(api, 'build', 'index.js'), '');
    return app;
  }

  it('finds the copy the application resolves, and its version', () => {
    const app = appWithApi('1.11.0');
    try {
      expect(resolvePackageFromApp('@opentelemetry/api', [app])).toEqual({
        directory: join(app, 'node_modules', '@opentelemetry', 'api'),
        version: '1.11.0',
      });
    } finally {
      rmSync(app, { recursive: true, force: true });
    }
  });

  it("a newer copy than the one tracelog registered with: the app's own telemetry goes nowhere", () => {
    const line = apiMismatch('1.10.0', { directory: '/srv/app/node_modules/x', version: '1.11.0' });
    expect(line).toContain("the application's 1.11.0 (/srv/app/node_modules/x) and 1.10.0");
    expect(line).toContain("The application's own spans, logs and metrics go nowhere");
    expect(line).toContain('npm ls @opentelemetry/api');
  });

  it('an older copy still reaches tracelog, and the message says what it lacks', () => {
    const line = apiMismatch('1.10.0', { directory: '/srv/app/node_modules/x', version: '1.9.0' });
    expect(line).toContain('The older copy still reaches tracelog');
  });

  it('one version, or nothing to compare: no message', () => {
    expect(apiMismatch('1.10.0', { directory: '/x', version: '1.10.0' })).toBeUndefined();
    expect(apiMismatch('1.10.0', undefined)).toBeUndefined();
    expect(apiMismatch(undefined, { directory: '/x', version: '1.9.0' })).toBeUndefined();
  });
});
