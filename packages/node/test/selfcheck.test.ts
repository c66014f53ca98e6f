import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import { Diagnostics } from '../src/internal/diag.js';
import { runSelfCheck } from '../src/selfcheck.js';

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
