// The collector's cost per record: the OpenTelemetry project's own load generator (telemetrygen,
// built from its module) offers a fixed load of log records, then of spans, over OTLP/HTTP to our
// collector build, which writes them to a real VictoriaLogs and Jaeger. CPU time is read from
// /proc for the collector and for the store, and every record is counted in the store (0 lost).
// Two configurations, alternating within each round:
//   before: the configuration we shipped until December 2026 (config.before.yaml, see before.mjs):
//           every pipeline redacted its own copy of each record, attributes and then bodies
//           again, including a Loki pipeline that ended in `nop`;
//   after:  collector/config.yaml with destinations/victorialogs.yaml and jaeger.yaml: one shared
//           pipeline per signal redacts once, then the forward connectors fan out.
// Both run the full default pipeline: redaction, persistent queues (file_storage), the count and
// span-metric connectors (their metrics go to `nop`: no Prometheus in this benchmark).
// Usage (from the repo root): node bench/collector/run.mjs   [BENCH_QUICK=1 for a short run]
// Prints one JSON line per configuration and signal with every round, and the medians.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeConfig } from './before.mjs';
import {
  freeLoopbackPort,
  launch,
  rotated,
  sleep,
  stackEnv,
  storedRecords,
  until,
} from '../processes.mjs';

const quick = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 3));
// Offered load: 2 workers at 1,000 records/s each (spans: traces of a parent and one child).
const WORKERS = 2;
const RATE = 1000;
const LOGS_PER_WORKER = quick ? 5_000 : 20_000;
const TRACES_PER_WORKER = quick ? 2_500 : 10_000;
const SPANS_PER_TRACE = 2;

const bin = stackEnv('bench-env');

/** User + system CPU milliseconds of a process so far (Linux: 100 clock ticks per second). */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

/** VictoriaLogs, Jaeger and a collector in the given configuration, each with its own data. */
async function startStack(variant, dir) {
  const port = {};
  for (const name of [
    'vl',
    'jq',
    'jqg',
    'jotlp',
    'jgrpc',
    'jhealth',
    'jmetrics',
    'http',
    'grpc',
    'health',
  ])
    port[name] = await freeLoopbackPort();
  const vl = launch(bin.TRACELOG_VICTORIALOGS_BIN, [
    `-storageDataPath=${join(dir, 'vl')}`,
    `-httpListenAddr=127.0.0.1:${port.vl}`,
    '-retentionPeriod=30d',
    '-inmemoryDataFlushInterval=1s',
    '-loggerLevel=ERROR',
  ]);
  const jaeger = launch(bin.TRACELOG_JAEGER_BIN, ['--config', bin.TRACELOG_JAEGER_CONFIG], {
    TRACELOG_JAEGER_DATA_DIR: join(dir, 'jaeger'),
    TRACELOG_JAEGER_QUERY_PORT: String(port.jq),
    TRACELOG_JAEGER_QUERY_GRPC_PORT: String(port.jqg),
    TRACELOG_JAEGER_OTLP_HTTP_PORT: String(port.jotlp),
    TRACELOG_JAEGER_OTLP_GRPC_PORT: String(port.jgrpc),
    TRACELOG_JAEGER_HEALTH_PORT: String(port.jhealth),
    TRACELOG_JAEGER_METRICS_PORT: String(port.jmetrics),
  });
  const vlUrl = `http://127.0.0.1:${port.vl}`;
  const jaegerUrl = `http://127.0.0.1:${port.jq}`;
  await until(async () => (await fetch(`${vlUrl}/health`)).ok, 'VictoriaLogs');
  await until(async () => (await fetch(`${jaegerUrl}/api/services`)).ok, 'Jaeger');
  let configs;
  if (variant === 'before') {
    const file = join(dir, 'before.yaml');
    writeFileSync(file, beforeConfig());
    configs = [file];
  } else {
    configs = [
      bin.TRACELOG_COLLECTOR_CONFIG,
      join(bin.TRACELOG_DESTINATIONS_DIR, 'victorialogs.yaml'),
      join(bin.TRACELOG_DESTINATIONS_DIR, 'jaeger.yaml'),
    ];
  }
  const collector = launch(
    bin.TRACELOG_COLLECTOR_BIN,
    configs.flatMap((file) => ['--config', file]),
    {
      TRACELOG_VICTORIALOGS_ENDPOINT: vlUrl,
      TRACELOG_JAEGER_OTLP_ENDPOINT: `http://127.0.0.1:${port.jotlp}`,
      TRACELOG_STORAGE_DIR: join(dir, 'storage'),
      TRACELOG_OTLP_HTTP_ENDPOINT: `127.0.0.1:${port.http}`,
      TRACELOG_OTLP_GRPC_ENDPOINT: `127.0.0.1:${port.grpc}`,
      TRACELOG_HEALTH_ENDPOINT: `127.0.0.1:${port.health}`,
      TRACELOG_METRICS_EXPORTERS: '[nop]',
      TRACELOG_COLLECTOR_METRICS_LEVEL: 'none',
      TRACELOG_COLLECTOR_LOG_LEVEL: 'warn',
    },
  );
  await until(async () => (await fetch(`http://127.0.0.1:${port.health}/`)).ok, 'the collector');
  return { vl, jaeger, collector, vlUrl, jaegerUrl, otlp: `127.0.0.1:${port.http}` };
}

const jaegerSpans = async (url) => {
  const search = new URLSearchParams({ service: 'telemetrygen', limit: '100000', lookback: '1h' });
  const body = await (await fetch(`${url}/api/traces?${search}`)).json();
  return (body.data ?? []).reduce((sum, trace) => sum + trace.spans.length, 0);
};

function generate(signal, otlp) {
  const perWorker =
    signal === 'logs'
      ? ['--logs', String(LOGS_PER_WORKER)]
      : ['--traces', String(TRACES_PER_WORKER)];
  // A record of the usual shape: a body with a key=value pair and a few attributes.
  const shape =
    signal === 'logs'
      ? ['--body', 'order accepted user=trader-7 symbol=ACME quantity=100 latency_ms=7.004']
      : ['--child-spans', String(SPANS_PER_TRACE - 1)];
  execFileSync(
    bin.TRACELOG_TELEMETRYGEN_BIN,
    [
      signal === 'logs' ? 'logs' : 'traces',
      '--otlp-http',
      '--otlp-insecure',
      '--otlp-endpoint',
      otlp,
      '--workers',
      String(WORKERS),
      '--rate',
      String(RATE),
      ...perWorker,
      ...shape,
      '--telemetry-attributes',
      'http.route="/orders/:id"',
      '--telemetry-attributes',
      'user.id="trader-7"',
      '--telemetry-attributes',
      'order.id="ord-1001"',
    ],
    { stdio: 'ignore' },
  );
}

async function measure(variant, signal) {
  const dir = mkdtempSync(join(tmpdir(), `tracelog-collector-bench-${variant}-`));
  const stack = await startStack(variant, dir);
  try {
    const store = signal === 'logs' ? stack.vl : stack.jaeger;
    const sent =
      signal === 'logs' ? WORKERS * LOGS_PER_WORKER : WORKERS * TRACES_PER_WORKER * SPANS_PER_TRACE;
    const count =
      signal === 'logs' ? () => storedRecords(stack.vlUrl) : () => jaegerSpans(stack.jaegerUrl);
    await sleep(1000);
    const collectorBefore = cpuMs(stack.collector.child.pid);
    const storeBefore = cpuMs(store.child.pid);
    const started = Date.now();
    generate(signal, stack.otlp);
    // Done when the store holds every record (or stops gaining for 30 s: then some were lost).
    let stored = 0;
    let lastGain = Date.now();
    while (stored < sent && Date.now() - lastGain < 30_000) {
      await sleep(500);
      const now = await count();
      if (now > stored) lastGain = Date.now();
      stored = now;
    }
    const seconds = (Date.now() - started) / 1000;
    return {
      collectorUs: ((cpuMs(stack.collector.child.pid) - collectorBefore) * 1000) / sent,
      storeUs: ((cpuMs(store.child.pid) - storeBefore) * 1000) / sent,
      perSecond: Math.round(stored / seconds),
      sent,
      lost: sent - stored,
    };
  } finally {
    await Promise.all([stack.collector.stop(), stack.vl.stop(), stack.jaeger.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

const variants = ['before', 'after'];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const signal of ['logs', 'spans']) {
  const rounds = Object.fromEntries(variants.map((v) => [v, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of rotated(variants, round)) {
      const result = await measure(variant, signal);
      rounds[variant].push(result);
      console.error(
        `collector ${signal} round ${round + 1}: ${variant} ${result.collectorUs.toFixed(1)} µs/record in the collector, ` +
          `${result.storeUs.toFixed(1)} in the store, ${result.perSecond}/s, ${result.lost} of ${result.sent} lost`,
      );
    }
  }
  for (const variant of variants) {
    const runs = rounds[variant];
    const pick = (field) => median(runs.map((r) => r[field]));
    console.log(
      JSON.stringify({
        signal,
        variant,
        collectorUs: pick('collectorUs'),
        storeUs: pick('storeUs'),
        perSecond: pick('perSecond'),
        sent: runs[0].sent,
        lost: Math.max(...runs.map((r) => r.lost)),
        rounds: runs,
      }),
    );
  }
}
