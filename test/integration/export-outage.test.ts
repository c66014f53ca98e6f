import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getLogger, init } from '@tracelog/node';
import { OtlpReceiver } from '@tracelog/test-utils';

// 5,000 records over 10 s: several times the memory bound, so the spool must take part, and long
// enough for the exporter's backoff to retry its first batches more than once.
const OUTAGE_MS = 10_000;
const RATE_PER_SECOND = 500;
const MEMORY_BOUND = 256 * 1024;

describe('export during a collector outage', () => {
  const spoolDir = mkdtempSync(join(tmpdir(), 'tracelog-outage-'));
  afterAll(() => rmSync(spoolDir, { recursive: true, force: true }));

  it(`loses nothing when the endpoint is down for ${OUTAGE_MS / 1000} s at ${RATE_PER_SECOND} records/s, with memory within its bound`, async () => {
    const receiver = await new OtlpReceiver().start();
    const port = receiver.port;
    const telemetry = init({
      serviceName: 'outage-test',
      endpoint: receiver.url,
      protocol: 'http/json',
      console: false,
      spool: { directory: spoolDir },
      maxMemoryBytes: MEMORY_BOUND,
      handleSignals: false,
    });
    const log = getLogger('feed');
    try {
      await receiver.stop();
      const total = (OUTAGE_MS / 1000) * RATE_PER_SECOND;
      let maxMemory = 0;
      const started = Date.now();
      for (let seq = 0; seq < total; seq++) {
        log.info('tick', { seq, symbol: 'ACME', price: 100 + (seq % 7) });
        if (seq % (RATE_PER_SECOND / 50) === 0) {
          maxMemory = Math.max(maxMemory, telemetry.stats().memoryBytes);
          const due = started + (seq / RATE_PER_SECOND) * 1000;
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
        }
      }
      await telemetry.flush({ deadlineMs: 2000 });
      const during = telemetry.stats();
      expect(during.spooled).toBeGreaterThan(0);
      expect(maxMemory).toBeLessThanOrEqual(MEMORY_BOUND * 3); // per signal, three signals

      await receiver.start(port);
      await receiver.waitFor(
        () => new Set(receiver.logs.map((l) => l.attributes.seq)).size >= total,
        `all ${total} records after the outage`,
        120_000,
      );
      const seqs = receiver.logs
        .filter((l) => l.scope === 'feed')
        .map((l) => l.attributes.seq as number);
      expect(new Set(seqs).size).toBe(total);
      expect(seqs.length).toBe(total); // no duplicates either
      expect(telemetry.stats().dropped).toBe(0);
    } finally {
      await telemetry.shutdown();
      await receiver.stop();
    }
  });
});
