// One queue benchmark run in its own process: `node peer.mjs <bare|tracelog|bullmq-otel> <jobs>`;
// prints jobs/s (from the first add until the worker finished the last job) for the same Redis.
// `bullmq-otel` is BullMQ's own tracing (its `telemetry` option) on the upstream NodeSDK, exporting
// spans as OTLP protobuf to the same sink; it makes spans only (no lifecycle logs, no metrics).
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [variant, countText] = process.argv.slice(2);
const count = Number(countText);
const WARMUP = 1000;
let telemetry;
const spool = join(tmpdir(), `tracelog-bench-queue-${process.pid}`);
const bullmq = await import('bullmq');
if (variant === 'tracelog') {
  const { init } = await import('../../packages/node/dist/index.js');
  const { instrumentBullMQ } = await import('../../packages/queue-instrumentation/dist/index.js');
  telemetry = init({
    serviceName: 'bench-queue',
    endpoint: process.env.SINK_URL,
    console: false,
    handleSignals: false,
    spool: { directory: spool },
    instrumentations: { bullmq: false },
  });
  instrumentBullMQ({ modules: [bullmq] });
}
let bullmqTelemetry;
if (variant === 'bullmq-otel') {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  const { BullMQOtel } = await import('bullmq-otel');
  process.env.OTEL_SERVICE_NAME = 'bench-queue';
  process.env.OTEL_METRICS_EXPORTER = 'none';
  process.env.OTEL_LOGS_EXPORTER = 'none';
  const sdk = new NodeSDK({
    instrumentations: [],
    spanProcessors: [
      // A queue large enough for the whole run: the default (2,048 spans) drops silently, and a
      // peer that delivers less than it traced would look cheaper than it is.
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${process.env.SINK_URL}/v1/traces` }),
        maxQueueSize: 1_000_000,
      }),
    ],
  });
  sdk.start();
  telemetry = sdk;
  bullmqTelemetry = new BullMQOtel({ tracerName: 'bench-queue' });
}
const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT) };
const name = `bench-${variant}-${process.pid}`;
const queue = new bullmq.Queue(name, { connection, telemetry: bullmqTelemetry });
let done = 0;
let target = 0;
let finish;
const worker = new bullmq.Worker(name, async () => undefined, {
  connection,
  concurrency: 10,
  telemetry: bullmqTelemetry,
});
worker.on('completed', () => {
  if (++done === target) finish();
});
await worker.waitUntilReady();
/** Adds `jobs` jobs by 100 and resolves when the worker has completed them. */
async function run(jobs) {
  done = 0;
  target = jobs;
  const finished = new Promise((resolve) => (finish = resolve));
  for (let i = 0; i < jobs; i += 100) {
    await queue.addBulk(
      Array.from({ length: Math.min(100, jobs - i) }, (_, j) => ({
        name: 'settle',
        data: { orderId: i + j },
      })),
    );
  }
  await finished;
}
// Every variant first runs WARMUP jobs untimed: a long-running worker's throughput, not how
// quickly each one's code is compiled in its first half second.
await run(WARMUP);
const start = performance.now();
const thread0 = process.threadCpuUsage();
const process0 = process.cpuUsage();
await run(count);
const thread = process.threadCpuUsage(thread0);
const all = process.cpuUsage(process0);
const seconds = (performance.now() - start) / 1000;
await worker.close();
await queue.obliterate({ force: true });
await queue.close();
// Both SDKs flush what they hold on shutdown; the sink's byte count shows what arrived.
await telemetry?.shutdown({ deadlineMs: 30_000 });
rmSync(spool, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({
    variant,
    jobsPerSecond: Math.round(count / seconds),
    // CPU per job over the timed phase: the main thread, and the process with its helper threads.
    mainCpuUs: (thread.user + thread.system) / count,
    processCpuUs: (all.user + all.system) / count,
  })}\n`,
);
process.exit(0);
