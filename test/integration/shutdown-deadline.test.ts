import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '@tracelog/test-utils';
import { startSilentCollector, until } from '../support/silent-collector.js';

// shutdownDeadlineMs against a collector that accepts the connection and never answers: the
// export request would be held for a minute (OTEL_EXPORTER_OTLP_TIMEOUT), and shutdown() must
// resolve by its deadline instead; what it could not deliver goes to the spool (and is sent by
// the next start), or, with the spool off, is reported on stderr once.
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-shutdown-deadline-'));
const RECORDS = 5;
const running = new Set<ChildProcess>();

afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Child {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

function spawnNode(args: string[], env: Record<string, string>): Child {
  const clean = { ...process.env };
  for (const name of Object.keys(clean)) if (name.startsWith('OTEL_')) delete clean[name];
  const child = spawn(process.execPath, args, {
    cwd: fixtures,
    env: { ...clean, TRACELOG_CONSOLE: 'off', ...env },
    stdio: 'pipe',
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { child, stdout: () => out, stderr: () => err };
}

/**
 * Runs the fixture against a silent collector: waits until its logs request is held, asks it
 * to shut down, and waits (well under the minute the request could be held) for shutdown() to
 * resolve. Returns its stats then, its stderr, and whether the held request was still open.
 */
async function shutdownWhileHeld(env: Record<string, string>) {
  const collector = await startSilentCollector();
  try {
    const app = spawnNode(['shutdown-deadline.mjs'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_TIMEOUT: '60000',
      SHUTDOWN_DEADLINE_MS: '1000',
      RECORDS: String(RECORDS),
      ...env,
    });
    const logsRequest = () => collector.held.find((r) => r.signal === 'logs');
    await until(() => logsRequest() !== undefined, 'the logs export request');
    app.child.stdin!.write('shut down\n');
    await until(() => app.stdout().includes('shut down '), 'shutdown() to resolve', 30_000);
    const heldOpen = logsRequest()!.closedAt === undefined;
    const line = app
      .stdout()
      .split('\n')
      .find((l) => l.startsWith('shut down '))!;
    app.child.stdin!.write('exit\n');
    await until(() => app.child.exitCode !== null, 'the process to exit');
    return {
      heldOpen,
      stats: JSON.parse(line.slice('shut down '.length)) as Record<string, number>,
      stderr: app.stderr(),
    };
  } finally {
    await collector.close();
  }
}

describe('shutdownDeadlineMs against a collector that never answers', () => {
  it('shutdown() resolves by its deadline while the export request is still held; the records go to the spool and the next start sends them', async () => {
    const spool = join(work, 'spool');
    const { heldOpen, stats } = await shutdownWhileHeld({ TRACELOG_SPOOL_DIR: spool });
    // Resolved before the collector answered or the request timed out (a minute).
    expect(heldOpen).toBe(true);
    expect(stats.spooled).toBeGreaterThanOrEqual(RECORDS);
    expect(stats.dropped).toBe(0);

    // The next start of the service, with the collector back, delivers what was spooled.
    const receiver = await startOtlpReceiver();
    try {
      const next = spawnNode(['--import', '@tracelog/node/register', 'export-probe.mjs'], {
        OTEL_SERVICE_NAME: 'deadline-probe-next',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        TRACELOG_SPOOL_DIR: spool,
      });
      const bodies = () =>
        new Set(
          receiver.logs.filter((l) => l.service === 'deadline-probe').map((l) => String(l.body)),
        );
      await receiver.waitFor(() => bodies().size === RECORDS, 'the spooled records', 30_000);
      expect([...bodies()].sort()).toEqual(
        Array.from({ length: RECORDS }, (_, i) => `deadline record ${i}`),
      );
      next.child.kill('SIGKILL');
    } finally {
      await receiver.stop();
    }
  });

  it('with the spool off, shutdown() resolves by its deadline and says once how many records of which signal it could not deliver', async () => {
    const { heldOpen, stats, stderr } = await shutdownWhileHeld({ TRACELOG_SPOOL: 'off' });
    expect(heldOpen).toBe(true);
    expect(stats.dropped).toBeGreaterThanOrEqual(RECORDS);
    const logLines = stderr.split('\n').filter((l) => l.includes('logs not delivered'));
    expect(logLines).toEqual([
      `tracelog: dropped ${RECORDS} telemetry record(s): logs not delivered before exit`,
    ]);
  });
});
