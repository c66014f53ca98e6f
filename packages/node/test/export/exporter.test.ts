import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createExporter } from '../../src/export/exporter.js';
import type { Exporter } from '../../src/export/exporter.js';
import { Diagnostics } from '../../src/internal/diag.js';

const servers: Server[] = [];
const meters: MeterProvider[] = [];
afterEach(async () => {
  await Promise.all(meters.splice(0).map((m) => m.shutdown()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/**
 * An exporter towards a collector that answers metrics `metricsAfterMs` late (noting 'delivered'
 * in `events`), with one counter reading already handed over by the meter.
 */
async function exporterWithReading(metricsAfterMs: number) {
  const events: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url !== '/v1/metrics') return res.end();
      setTimeout(() => {
        events.push('delivered');
        res.end();
      }, metricsAfterMs);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const exporter: Exporter = createExporter(
    {
      endpoint: base,
      signalEndpoints: {
        logs: `${base}/v1/logs`,
        traces: `${base}/v1/traces`,
        metrics: `${base}/v1/metrics`,
      },
      timeoutsMs: { logs: 10_000, traces: 10_000, metrics: 10_000 },
      headers: {},
      protocol: 'http/protobuf',
      file: join(tmpdir(), 'tracelog-exporter-test-unused.jsonl'),
      spool: false,
      maxMemoryBytes: 1 << 20,
      metricsIntervalMs: 60_000,
    },
    new Diagnostics(60_000, () => undefined),
  );
  const meterProvider = new MeterProvider({ readers: [exporter.metricReader] });
  meters.push(meterProvider);
  meterProvider.getMeter('orders').createCounter('orders.placed').add(1);
  // As init's one flush does: the meter hands its readings over, then the exporter delivers.
  await meterProvider.forceFlush();
  events.push('handed over');
  return { exporter, events };
}

describe('createExporter flush(deadline)', () => {
  it("waits for the metrics' delivery within its deadline", async () => {
    const { exporter, events } = await exporterWithReading(1_200);
    await exporter.flush(Date.now() + 10_000);
    events.push('flushed');
    expect(events).toEqual(['handed over', 'delivered', 'flushed']);
  });

  it('returns at a short deadline while the metrics are still in flight', async () => {
    const { exporter, events } = await exporterWithReading(300);
    await exporter.flush(Date.now() + 50);
    events.push('flushed');
    await exporter.flush(Date.now() + 10_000);
    expect(events).toEqual(['handed over', 'flushed', 'delivered']);
  });
});
