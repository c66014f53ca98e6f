import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CollectorTelemetry } from '../support/collector-telemetry.js';
import {
  Collector,
  VictoriaLogs,
  freePort,
  quote,
  removeWorkDirs,
  waitFor,
} from '../support/stack.js';

// A record is redacted once, whatever the number of destinations: the shared `logs` pipeline
// runs memory_limiter and redaction (attribute values and bodies), and the forward/logs connector fans
// the result out to one pipeline per store (collector/config.yaml). Measured on the real
// collector build through its own metrics (otelcol_processor_incoming_items and _outgoing_items,
// per processor and signal), pushed every second to a loopback receiver, with two log
// destinations configured: VictoriaLogs, and the Loki overlay pointed at a loopback port nothing
// listens on (its persistent queue holds what it cannot send, which costs no processing).
const N = 600;

let logs: VictoriaLogs;
let telemetry: CollectorTelemetry;
let collector: Collector;

beforeAll(async () => {
  [logs, telemetry] = await Promise.all([
    new VictoriaLogs().start(),
    new CollectorTelemetry().start(),
  ]);
  collector = await new Collector({
    logs,
    lokiUrl: `http://127.0.0.1:${await freePort()}`,
    env: {
      TRACELOG_PROMETHEUS_OTLP_ENDPOINT: telemetry.endpoint,
      TRACELOG_COLLECTOR_METRICS_INTERVAL_MS: '1000',
      // The SDK-metrics pipeline has no Prometheus here.
      TRACELOG_METRICS_EXPORTERS: '[nop]',
    },
  }).start();
});

afterAll(async () => {
  await collector?.stop();
  await Promise.all([logs?.stop(), telemetry?.stop()]);
  removeWorkDirs();
});

/** N log records in batches of 100, each carrying a secret for the processors to mask. */
async function send(run: string): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  for (let start = 0; start < N; start += 100) {
    const response = await fetch(`${collector.url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: {
              attributes: [{ key: 'service.name', value: { stringValue: 'single-pass' } }],
            },
            scopeLogs: [
              {
                scope: { name: 'single-pass' },
                logRecords: Array.from({ length: 100 }, (_, i) => ({
                  timeUnixNano: String(now + BigInt(start + i)),
                  severityNumber: 9,
                  body: { stringValue: `login password=hunter2-${start + i}` },
                  attributes: [
                    { key: 'run', value: { stringValue: run } },
                    { key: 'api_key', value: { stringValue: `k-${start + i}` } },
                  ],
                })),
              },
            ],
          },
        ],
      }),
    });
    expect(response.status, await response.text()).toBe(200);
  }
}

describe('a record is processed once', () => {
  it(`the redaction processors see each of ${N} log records once, with two log destinations`, async () => {
    const run = `single-pass-${Date.now()}`;
    await send(run);
    // Stored, and masked, once each.
    await waitFor(
      async () => (await logs.count(`run:=${quote(run)}`)) >= N,
      60_000,
      'the records in VictoriaLogs',
    );
    const rows = await logs.query(`run:=${quote(run)}`);
    expect(rows).toHaveLength(N);
    expect(rows.every((r) => r.api_key === '****' && !r._msg!.includes('hunter2'))).toBe(true);

    const logsOf = (processor: string) => ({ processor, 'otel.signal': 'logs' });
    const items = (direction: 'incoming' | 'outgoing', processor: string) =>
      telemetry.total(`otelcol_processor_${direction}_items`, logsOf(processor));
    // Counters arrive every second: wait until they account for every record, then for two
    // more exports, so a second pass (arriving later) would be counted too.
    await waitFor(
      async () => (items('outgoing', 'redaction') ?? 0) >= N,
      60_000,
      `the processors' counters to reach ${N}`,
    ).catch((error: unknown) => {
      const processors = telemetry.series('otelcol_processor_outgoing_items');
      throw new Error(
        `${String(error)}; metrics received: ${telemetry.names().join(', ')}; processor series: ${JSON.stringify(processors)}`,
      );
    });
    const exports = telemetry.exports;
    await waitFor(async () => telemetry.exports >= exports + 2, 30_000, 'two more exports');
    const counted = Object.fromEntries(
      ['memory_limiter', 'redaction'].map((processor) => [
        processor,
        { incoming: items('incoming', processor), outgoing: items('outgoing', processor) },
      ]),
    );
    console.log(`log records sent: ${N}; per processor: ${JSON.stringify(counted)}`);
    for (const processor of ['memory_limiter', 'redaction'])
      expect(counted[processor], processor).toEqual({ incoming: N, outgoing: N });
  });
});
