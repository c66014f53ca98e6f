import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prometheus } from '../support/metrics.ts';
import { startService, stopServices } from '../support/services.ts';
import { Collector, VictoriaLogs, removeWorkDirs, waitFor, workDir } from '../support/stack.ts';

// The runtime instrumentation's metrics (event-loop delay and utilisation, heap, garbage
// collection; names in packages/node/README.md) from a real service, through our collector
// build, in a real Prometheus, under the names Prometheus gives them, with values that follow
// from what the service did: its event loop is blocked for BLOCK_MS once a second.
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const SERVICE = `runtime-${Date.now().toString(36)}`;
const BLOCK_MS = 300;
let prometheus: Prometheus;
let logs: VictoriaLogs;
let collector: Collector;

beforeAll(async () => {
  [prometheus, logs] = await Promise.all([new Prometheus().start(), new VictoriaLogs().start()]);
  collector = await new Collector({
    logs,
    env: { TRACELOG_PROMETHEUS_OTLP_ENDPOINT: prometheus.url },
  }).start();
  const service = startService(fixtures, 'runtime-app.mjs', {
    OTEL_SERVICE_NAME: SERVICE,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    TRACELOG_SPOOL_DIR: workDir('runtime-spool'),
    BLOCK_MS: String(BLOCK_MS),
  });
  await service.line;
});

afterAll(async () => {
  await stopServices();
  await collector?.stop();
  await Promise.all([logs?.stop(), prometheus?.stop()]);
  removeWorkDirs();
});

const selector = `service_name="${SERVICE}"`;

/** The value of a query that yields one sample, once Prometheus has it. */
function scalar(expr: string): Promise<number> {
  return waitFor(
    async () => {
      const [sample] = await prometheus.query(expr);
      return sample ? Number(sample.value[1]) : undefined;
    },
    120_000,
    expr,
  );
}

describe('runtime metrics in Prometheus', () => {
  it('every family the README names arrives, labelled with the service', async () => {
    const wanted = [
      /^nodejs_eventloop_delay_(min|max|mean|stddev|p50|p90|p99)_seconds$/,
      /^nodejs_eventloop_utilization(_ratio)?$/,
      /^v8js_memory_heap_used_bytes$/,
      /^v8js_memory_heap_space_size_bytes(_total)?$/,
      /^v8js_gc_duration_seconds_(bucket|count|sum)$/,
    ];
    const names = await waitFor(
      async () => {
        const series = await prometheus.query(
          `group by (__name__) ({${selector}, __name__=~"(nodejs|v8js)_.+"})`,
        );
        const found = series.map((s) => s.metric.__name__!);
        return wanted.every((w) => found.some((n) => w.test(n))) ? found : undefined;
      },
      120_000,
      'the runtime metric families',
    );
    expect(names.filter((n) => n.startsWith('nodejs_eventloop_delay_')).sort()).toEqual(
      ['max', 'mean', 'min', 'p50', 'p90', 'p99', 'stddev'].map(
        (s) => `nodejs_eventloop_delay_${s}_seconds`,
      ),
    );
  });

  it('the event-loop delay shows the blocked loop: its maximum is at least the block', async () => {
    const max = await waitFor(
      async () => {
        const [sample] = await prometheus.query(
          `max(max_over_time(nodejs_eventloop_delay_max_seconds{${selector}}[5m]))`,
        );
        const value = Number(sample?.value[1] ?? 0);
        return value >= (BLOCK_MS / 1000) * 0.9 ? value : undefined;
      },
      120_000,
      `an event-loop delay of ${BLOCK_MS} ms`,
    );
    // Blocked for BLOCK_MS, not for seconds: the unit is seconds, not milliseconds.
    expect(max).toBeLessThan(5);
  });

  it('heap: used is above zero and within the size of its space, per heap space', async () => {
    const spaceSize = `{__name__=~"v8js_memory_heap_space_size_bytes(_total)?", ${selector}}`;
    const used = await scalar(`sum(v8js_memory_heap_used_bytes{${selector}})`);
    const size = await scalar(`sum(${spaceSize})`);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(size);
    const spaces = await prometheus.query(`v8js_memory_heap_used_bytes{${selector}}`);
    expect(spaces.length).toBeGreaterThan(1);
    const over = await prometheus.query(
      `v8js_memory_heap_used_bytes{${selector}} > on (v8js_heap_space_name, instance) ${spaceSize}`,
    );
    expect(over).toEqual([]);
  });

  it('garbage collections are counted, with their durations', async () => {
    const count = await waitFor(
      async () => {
        const [sample] = await prometheus.query(`sum(v8js_gc_duration_seconds_count{${selector}})`);
        const value = Number(sample?.value[1] ?? 0);
        return value > 0 ? value : undefined;
      },
      120_000,
      'a garbage collection',
    );
    const sum = await scalar(`sum(v8js_gc_duration_seconds_sum{${selector}})`);
    expect(sum).toBeGreaterThan(0);
    // The mean collection lasts less than the second between two blocks.
    expect(sum / count).toBeLessThan(1);
  });
});
