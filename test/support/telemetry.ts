import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init } from '@tracelog/node';
import type { InitOptions, TracelogHandle } from '@tracelog/node';
import type { OtlpReceiver } from '@tracelog/test-utils';

/**
 * @tracelog/node in the test process, exporting OTLP/JSON to an in-process receiver, with a spool
 * folder of its own and no signal handlers; the queue instrumentation is left to each test.
 */
export interface TestTelemetry {
  handle: TracelogHandle;
  /**
   * Waits for exported telemetry, flushing as it goes: the assertion is about what arrives, not
   * about the export timers of a machine that is busy running the rest of the suite.
   */
  arrived(predicate: () => boolean, what: string): Promise<void>;
  /** Shuts the SDK and the receiver down and removes the spool. */
  stop(): Promise<void>;
}

export async function startTestTelemetry(
  serviceName: string,
  receiver: OtlpReceiver,
  options: Partial<InitOptions> = {},
): Promise<TestTelemetry> {
  const spoolDir = mkdtempSync(join(tmpdir(), `tracelog-${serviceName}-`));
  await receiver.start();
  const handle = init({
    serviceName,
    endpoint: receiver.url,
    protocol: 'http/json',
    console: false,
    spool: { directory: spoolDir },
    handleSignals: false,
    instrumentations: { bullmq: false },
    ...options,
  });
  return {
    handle,
    async arrived(predicate, what) {
      const deadline = Date.now() + 60_000;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await handle.flush({ deadlineMs: 1000 });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await handle.shutdown();
      await receiver.stop();
      rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}
