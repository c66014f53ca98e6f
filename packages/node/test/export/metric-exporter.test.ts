import { afterEach, describe, expect, it } from 'vitest';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { Channel } from '../../src/export/channel.js';
import { ChannelMetricExporter } from '../../src/export/metric-exporter.js';
import type { ExportTarget, SendResult } from '../../src/export/target.js';
import { Diagnostics } from '../../src/internal/diag.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A target that answers `answerAfterMs` after each request, noting 'delivered' in `events`. */
class SlowTarget implements ExportTarget {
  readonly description = 'slow';
  constructor(
    private readonly answerAfterMs: number,
    private readonly events: string[],
  ) {}
  async send(): Promise<SendResult> {
    await sleep(this.answerAfterMs);
    this.events.push('delivered');
    return { outcome: 'ok' };
  }
}

const onePoint = {
  resource: {},
  scopeMetrics: [{ scope: { name: 'orders' }, metrics: [{}] }],
} as unknown as ResourceMetrics;

// Each test's delivery is awaited before the next starts, so no answer lands in another test.
const deliveries: Array<Promise<void>> = [];
afterEach(async () => {
  await Promise.all(deliveries.splice(0));
});

/** Exports one reading to a target answering after `answerAfterMs`, noting events in order. */
function exportOne(answerAfterMs: number) {
  const events: string[] = [];
  const diag = new Diagnostics(60_000, () => undefined);
  const channel = new Channel({
    signal: 'metrics',
    target: new SlowTarget(answerAfterMs, events),
    encoding: 'protobuf',
    spool: undefined,
    maxMemoryBytes: 1 << 20,
    diag,
  });
  const exporter = new ChannelMetricExporter(channel, () => new Uint8Array([1]), diag);
  exporter.export(onePoint, () => undefined);
  const delivered = (async () => {
    while (!events.includes('delivered')) await sleep(10);
  })();
  deliveries.push(delivered);
  return { exporter, events, delivered };
}

describe('ChannelMetricExporter', () => {
  it('returns at a short deadline, before the target has answered', async () => {
    const { exporter, events, delivered } = exportOne(300);
    await exporter.forceFlush(Date.now() + 50);
    events.push('flushed');
    await delivered;
    expect(events).toEqual(['flushed', 'delivered']);
  });

  it('waits for delivery when the target answers within a long deadline', async () => {
    // Longer than a fixed one-second wait of its own would cover.
    const { exporter, events } = exportOne(1_200);
    await exporter.forceFlush(Date.now() + 10_000);
    events.push('flushed');
    expect(events).toEqual(['delivered', 'flushed']);
  });

  it('shutdown waits under the deadline it is given too', async () => {
    const { exporter, events, delivered } = exportOne(300);
    await exporter.shutdown(Date.now() + 50);
    events.push('shut down');
    await delivered;
    expect(events).toEqual(['shut down', 'delivered']);
  });

  it("only hands over when the meter calls it without a deadline: the exporter's flush waits", async () => {
    const { exporter, events, delivered } = exportOne(300);
    await exporter.forceFlush();
    events.push('flushed');
    await delivered;
    expect(events).toEqual(['flushed', 'delivered']);
  });
});
