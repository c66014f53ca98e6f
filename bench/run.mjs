// Runs every benchmark side by side in one run and rewrites RESULTS.md.
// Usage (from the repo root): npm run bench   [BENCH_QUICK=1 for a short run]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedRate } from './fixed-rate.mjs';
import {
  freeLoopbackPort,
  jsonLines,
  rotated,
  sleep,
  start,
  startRedis,
  stop,
} from './processes.mjs';

const quick = process.env.BENCH_QUICK === '1';
/** Microseconds as milliseconds with two decimals. */
const ms = (us) => (us / 1000).toFixed(2);
const ROUNDS = quick ? 1 : 3;
const RECORDS = quick ? 50_000 : 200_000;
const HTTP_SECONDS = quick ? 5 : 15;
const FIXED_SECONDS = quick ? 5 : 10;
const OUTAGE_SECONDS = quick ? 10 : 60;

const sink = start(['sink.mjs']);
const sinkUrl = `http://127.0.0.1:${(await sink.firstLine).port}`;

// Logging: records/s, same record shape, peers alternating within each round. A round takes
// seconds and this machine's speed moves by a tenth or more from one to the next: five of them.
const LOGGING_ROUNDS = quick ? 1 : 5;
const loggingPeers = ['tracelog', 'pino-sync', 'pino-otel-transport', 'winston-otel-transport'];
const logging = Object.fromEntries(loggingPeers.map((p) => [p, []]));
const delivered = Object.fromEntries(loggingPeers.map((p) => [p, []]));
const sinkStats = async () => (await fetch(`${sinkUrl}/stats`)).json();
for (let round = 0; round < LOGGING_ROUNDS; round++) {
  for (const peer of rotated(loggingPeers, round)) {
    await sinkStats();
    const { child, firstLine } = start(['logging/peer.mjs', peer, String(RECORDS)], {
      SINK_URL: sinkUrl,
    });
    const result = await firstLine;
    await new Promise((resolve) => child.once('exit', resolve));
    logging[peer].push(result.recordsPerSecond);
    delivered[peer].push((await sinkStats()).bytes);
    console.log(`logging round ${round + 1}: ${peer} ${result.recordsPerSecond} records/s`);
  }
}

// HTTP: req/s and p99 latency under the same load, and the server's own CPU time per request.
// On a small, shared machine the server competes with autocannon and the sink for cores, so req/s
// moves with the neighbours; CPU time per request is what the instrumentation itself costs.
const httpVariants = ['bare', 'tracelog', 'upstream'];
/** User + system CPU milliseconds a process has used so far (Linux /proc; undefined elsewhere). */
const cpuMs = (pid) => {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  const fields = readFileSync(stat, 'utf8').split(') ')[1].split(' ');
  // utime and stime (fields 14 and 15) in clock ticks, which Linux fixes at 100 per second.
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const http = Object.fromEntries(httpVariants.map((v) => [v, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of rotated(httpVariants, round)) {
    const server = start(['http/server.mjs', variant], { SINK_URL: sinkUrl });
    const { port } = await server.firstLine;
    await autocannon({ url: `http://127.0.0.1:${port}/`, connections: 20, duration: 2 }); // warm up
    const cpuBefore = cpuMs(server.child.pid);
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/`,
      connections: 20,
      duration: HTTP_SECONDS,
    });
    const cpuAfter = cpuMs(server.child.pid);
    await stop(server.child);
    const cpuUs =
      cpuBefore === undefined || cpuAfter === undefined
        ? undefined
        : ((cpuAfter - cpuBefore) * 1000) / result.requests.total;
    http[variant].push({ rps: result.requests.average, p99: result.latency.p99, cpuUs });
    console.log(
      `http round ${round + 1}: ${variant} ${Math.round(result.requests.average)} req/s p99 ${result.latency.p99} ms` +
        (cpuUs === undefined ? '' : `, server CPU ${cpuUs.toFixed(1)} µs/request`),
    );
  }
}
// HTTP at a fixed 1,000 req/s on a route that logs one line and awaits 1 ms: the latency a user
// sees at a realistic load, where export work done on the event loop shows up as a tail.
const fixed = Object.fromEntries(httpVariants.map((v) => [v, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of rotated(httpVariants, round)) {
    const server = start(['http/server.mjs', variant], { SINK_URL: sinkUrl, ROUTE: 'work' });
    const { port } = await server.firstLine;
    const url = `http://127.0.0.1:${port}/`;
    await fixedRate(url, { rate: 1000, seconds: 2 }); // warm up
    const result = await fixedRate(url, { rate: 1000, seconds: FIXED_SECONDS });
    await stop(server.child);
    fixed[variant].push(result);
    console.log(
      `fixed-rate round ${round + 1}: ${variant} p50 ${ms(result.p50)} p95 ${ms(result.p95)} p99 ${ms(result.p99)} ms, ${result.errors} errors`,
    );
  }
}

// Queue: jobs/s on the same Redis and sink, bare vs ours vs BullMQ's own telemetry, alternating.
const redis = await startRedis();
const redisPort = redis.port;
// 20,000 jobs take a bare worker a second or two here: 5,000 took under half a second, and the
// ratios moved by a tenth from run to run. Seven rounds, as each round is short and one round's
// peers differ by less than rounds differ from each other.
const JOBS = quick ? 1000 : 20_000;
const QUEUE_ROUNDS = quick ? ROUNDS : 7;
const queueVariants = ['bare', 'tracelog', 'bullmq-otel'];
/** Each round's line from the peer: jobs/s and CPU per job. */
const queueRuns = Object.fromEntries(queueVariants.map((v) => [v, []]));
const queueDelivered = Object.fromEntries(queueVariants.map((v) => [v, []]));
for (let round = 0; round < QUEUE_ROUNDS; round++) {
  for (const variant of rotated(queueVariants, round)) {
    await sinkStats();
    const { child, firstLine } = start(['queue/peer.mjs', variant, String(JOBS)], {
      SINK_URL: sinkUrl,
      REDIS_PORT: String(redisPort),
    });
    const result = await firstLine;
    await new Promise((resolve) => child.once('exit', resolve));
    queueRuns[variant].push(result);
    queueDelivered[variant].push((await sinkStats()).bytes);
    console.log(`queue round ${round + 1}: ${variant} ${result.jobsPerSecond} jobs/s`);
  }
}
await redis.stop();
await stop(sink.child);

// The collector is down: 500 records/s for OUTAGE_SECONDS to a port nobody answers, then a
// collector (the sink) comes up on that port; RSS growth during the outage, records never seen.
const outage = [];
for (let round = 0; round < ROUNDS; round++) {
  const port = await freeLoopbackPort();
  const spool = mkdtempSync(join(tmpdir(), 'tracelog-bench-spool-'));
  const emitter = start(['outage/emitter.mjs'], {
    ENDPOINT: `http://127.0.0.1:${port}`,
    SPOOL_DIR: spool,
    RATE: '500',
    SECONDS: String(OUTAGE_SECONDS),
  });
  const { emitted, rssBefore, rssAfter } = await emitter.firstLine;
  const back = start(['sink.mjs'], { SINK_PORT: String(port) });
  await back.firstLine;
  const backUrl = `http://127.0.0.1:${port}`;
  let received = 0;
  // The emitter retries with backoff (at most 30 s apart): give it two of those to drain.
  for (let waited = 0; waited < 75_000 && received < emitted; waited += 1000) {
    await sleep(1000);
    received += (await (await fetch(`${backUrl}/stats`)).json()).records;
  }
  await stop(emitter.child);
  await stop(back.child);
  rmSync(spool, { recursive: true, force: true });
  const growthMiB = (rssAfter - rssBefore) / 2 ** 20;
  outage.push({ growthMiB, lost: emitted - received, emitted });
  console.log(
    `collector-down round ${round + 1}: RSS +${growthMiB.toFixed(1)} MiB, ${emitted - received} of ${emitted} lost`,
  );
}

// Redaction cost per record (its own runner: the redactor before and after gitleaks' rules).
const redaction = await jsonLines('redaction/run.mjs');

// The collector's CPU per log record and per span, before and after the single-pass pipeline
// (its own runner: real collector, VictoriaLogs and Jaeger processes, telemetrygen as the load).
const collector = await jsonLines('collector/run.mjs');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const log = Object.fromEntries(loggingPeers.map((p) => [p, median(logging[p])]));
const rps = Object.fromEntries(httpVariants.map((v) => [v, median(http[v].map((r) => r.rps))]));
const p99 = Object.fromEntries(httpVariants.map((v) => [v, median(http[v].map((r) => r.p99))]));
/** Median server CPU µs per request, or undefined where /proc is not there to read. */
const cpuUsOf = (v) =>
  http[v].some((r) => r.cpuUs === undefined) ? undefined : median(http[v].map((r) => r.cpuUs));
const cpuPerRequest = (v) => cpuUsOf(v)?.toFixed(1) ?? '—';
/**
 * What the instrumentation adds per request: the server's CPU time less bare's. Taken from the
 * medians rather than round by round: one round's bare and instrumented runs are seconds apart on
 * a machine whose speed moves, so per-round differences are no steadier than the medians'.
 */
const overheadUs = (v) =>
  cpuUsOf(v) === undefined || cpuUsOf('bare') === undefined
    ? undefined
    : cpuUsOf(v) - cpuUsOf('bare');
const overheadPerRequest = (v) => (v === 'bare' ? '—' : (overheadUs(v)?.toFixed(1) ?? '—'));
const ratio = (a, b) => (a / b).toFixed(2);
const overheadRatio = (a, b) =>
  overheadUs(a) === undefined || overheadUs(b) === undefined
    ? '—'
    : ratio(overheadUs(a), overheadUs(b));
const fixedMedian = (v, q) => median(fixed[v].map((r) => r[q]));
const queueMedian = (v, field) => median(queueRuns[v].map((r) => r[field]));
/** CPU µs per job a worker spends beyond bare's, main thread or whole process (`field`). */
const queueOverhead = (v, field) => queueMedian(v, field) - queueMedian('bare', field);
const queueOverheadCell = (v, field) => (v === 'bare' ? '—' : queueOverhead(v, field).toFixed(1));
// Read from disk: some packages don't export their package.json.
const version = (name) =>
  JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, import.meta.url), 'utf8'))
    .version;

const queueLabels = {
  bare: `bare BullMQ ${version('bullmq')}`,
  tracelog: 'with tracelog instrumentation',
  'bullmq-otel': 'with bullmq-otel + NodeSDK',
};

const table = `# Benchmarks

Measured side by side in one run by \`npm run bench\` (${ROUNDS} round(s), medians; ${new Date().toISOString().slice(0, 10)}).
Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.
Versions: pino ${version('pino')}, pino-opentelemetry-transport ${version('pino-opentelemetry-transport')}, winston ${version('winston')},
@opentelemetry/winston-transport ${version('@opentelemetry/winston-transport')}, @opentelemetry/sdk-node ${version('@opentelemetry/sdk-node')},
@opentelemetry/auto-instrumentations-node ${version('@opentelemetry/auto-instrumentations-node')}.

## Logging throughput (${RECORDS.toLocaleString('en')} records of the same shape, export to a local OTLP sink process; ${LOGGING_ROUNDS} round(s), medians)

| logger | records/s | tracelog ÷ peer | KB delivered to the sink |
| --- | ---: | ---: | ---: |
${loggingPeers.map((p) => `| ${p} | ${log[p].toLocaleString('en')} | ${p === 'tracelog' ? '—' : ratio(log.tracelog, log[p])} | ${Math.round(median(delivered[p]) / 1024).toLocaleString('en')} |`).join('\n')}

pino-sync writes JSON to /dev/null synchronously and exports nothing; the others export OTLP
(tracelog and winston as protobuf; the KB column shows how much of the stream reached the sink —
a peer whose exporter queue overflows delivers only part of it, silently).
Goals: tracelog ≥ 1.0× pino-sync, ≥ 3× winston + OTel transport.

## HTTP hello-world (autocannon, 20 connections, ${HTTP_SECONDS} s)

| server | req/s | p99 ms | ÷ bare | server CPU µs/request | overhead µs/request |
| --- | ---: | ---: | ---: | ---: | ---: |
${httpVariants.map((v) => `| ${v} | ${Math.round(rps[v]).toLocaleString('en')} | ${p99[v]} | ${ratio(rps[v], rps.bare)} | ${cpuPerRequest(v)} | ${overheadPerRequest(v)} |`).join('\n')}

Overhead per request, tracelog ÷ upstream: ${overheadRatio('tracelog', 'upstream')}.

The server is single-threaded and runs at one full core under this load, so req/s follows its CPU
time per request (user + system, from /proc, over the measured run). The overhead is that CPU time
less bare's: what the instrumentation itself costs a request.
Goal: tracelog ≥ 0.85× bare req/s, and server CPU per request at most upstream's.

## HTTP at a fixed 1,000 req/s (route logs one line and awaits 1 ms; ${FIXED_SECONDS} s; open model, latency from when each request was due)

| server | p50 ms | p95 ms | p99 ms | p99 ÷ bare |
| --- | ---: | ---: | ---: | ---: |
${httpVariants.map((v) => `| ${v} | ${ms(fixedMedian(v, 'p50'))} | ${ms(fixedMedian(v, 'p95'))} | ${ms(fixedMedian(v, 'p99'))} | ${ratio(fixedMedian(v, 'p99'), fixedMedian('bare', 'p99'))} |`).join('\n')}

bare logs nothing (the floor); tracelog logs through \`getLogger\`; upstream through the OpenTelemetry
logs API with its batch processor and OTLP exporter. Anchor: opentelemetry-js PR #6228 measured p99
going from 1.1 ms to 4.8 ms for such an app with the upstream SDK.
Goals: tracelog p99 at most upstream's, and ≤ 1.2× bare.

## BullMQ jobs (${JOBS.toLocaleString('en')} no-op jobs timed after 1,000 untimed ones, addBulk by 100, worker concurrency 10, same Redis; ${QUEUE_ROUNDS} round(s), medians)

| worker | jobs/s | ÷ bare | CPU µs/job: main thread | whole process | overhead µs/job: main thread | whole process | KB delivered to the sink |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${queueVariants.map((v) => `| ${queueLabels[v]} | ${queueMedian(v, 'jobsPerSecond').toLocaleString('en')} | ${ratio(queueMedian(v, 'jobsPerSecond'), queueMedian('bare', 'jobsPerSecond'))} | ${queueMedian(v, 'mainCpuUs').toFixed(1)} | ${queueMedian(v, 'processCpuUs').toFixed(1)} | ${queueOverheadCell(v, 'mainCpuUs')} | ${queueOverheadCell(v, 'processCpuUs')} | ${Math.round(median(queueDelivered[v]) / 1024).toLocaleString('en')} |`).join('\n')}

Overhead per job, tracelog ÷ bullmq-otel: main thread ${ratio(queueOverhead('tracelog', 'mainCpuUs'), queueOverhead('bullmq-otel', 'mainCpuUs'))}, whole process ${ratio(queueOverhead('tracelog', 'processCpuUs'), queueOverhead('bullmq-otel', 'processCpuUs'))}.

bullmq-otel is BullMQ's own tracing (its \`telemetry\` option, bullmq-otel ${version('bullmq-otel')}) on the
upstream NodeSDK, exporting spans as OTLP protobuf: spans only. tracelog also emits the job
lifecycle logs (\`job.enqueued\`, \`job.started\`, \`job.succeeded\`) and the queue metrics.
The worker, Redis and the sink share this machine's cores, so jobs/s moves with Redis as much as
with the worker; the CPU columns are the worker's own time per job over the timed jobs, and the
overhead columns that time less bare's.
Goal: ≥ 0.9× bare.

## Collector down (tracelog logs 500 records/s for ${OUTAGE_SECONDS} s to an endpoint nobody answers; then it comes back)

| round | RSS growth MiB | records emitted | records lost |
| --- | ---: | ---: | ---: |
${outage.map((o, i) => `| ${i + 1} | ${o.growthMiB.toFixed(1)} | ${o.emitted.toLocaleString('en')} | ${o.lost.toLocaleString('en')} |`).join('\n')}

While the collector is away records go to the bounded spool on disk, not to memory; when it
answers again the spool is replayed in order. Goal: RSS growth ≤ 50 MiB and 0 records lost.

## Redaction cost (the redactor before gitleaks' rules and today's, on the same records, ${ROUNDS} rounds, medians)

| record mix | redactor | records per CPU-second | ÷ before |
| --- | --- | ---: | ---: |
${redaction.map((r) => `| ${r.mix} | ${r.redactor} | ${Math.round(r.median).toLocaleString('en')} | ${ratio(r.median, redaction.find((b) => b.mix === r.mix).median)} |`).join('\n')}

\`records\` are log records of the usual shape; \`http-span\` the attributes of an HTTP server span
(method, route, status, path, ids). CPU time, not wall time: rounds on a shared machine vary less.
\`node bench/redaction/run.mjs\` on its own prints the rounds. The baseline for the next change to
the rules.

## Collector (telemetrygen → our collector build → VictoriaLogs and Jaeger; 2 workers at 1,000 records/s each; ${collector[0].rounds.length} round(s), medians)

| signal | pipeline | collector CPU µs/record | store CPU µs/record | records/s end to end | lost | collector ÷ before |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${collector.map((c) => `| ${c.signal} | ${c.variant} | ${c.collectorUs.toFixed(1)} | ${c.storeUs.toFixed(1)} | ${c.perSecond.toLocaleString('en')} | ${c.lost} of ${c.sent.toLocaleString('en')} | ${ratio(c.collectorUs, collector.find((b) => b.signal === c.signal && b.variant === 'before').collectorUs)} |`).join('\n')}

\`before\` is the configuration we shipped until December 2026, kept verbatim as
bench/collector/config.before.yaml with only its store exporter swapped (bench/collector/before.mjs):
every pipeline received from the receiver and redacted its own copy, bodies a second time, and a
Loki pipeline that ended in \`nop\` did so too. \`after\` is collector/config.yaml with the
VictoriaLogs and Jaeger overlays: one shared pipeline per signal redacts once, then forward
connectors fan out. Both run redaction, persistent queues and the count and span-metric
connectors. CPU time from /proc over the whole load; every record is counted in the store.
\`node bench/collector/run.mjs\` on its own prints the rounds.
`;
writeFileSync(new URL('RESULTS.md', import.meta.url), table);
console.log(table);
