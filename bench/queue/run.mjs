// The BullMQ benchmark on its own, for work on the queue instrumentation's hot path (the full
// `npm run bench` runs the same peer inside its suite and writes RESULTS.md; this prints only).
// Usage (from the repo root, after building the packages and installing bench/):
//   node bench/queue/run.mjs [rounds] [jobs] [label=peer-script ...]
// Each label runs `node <peer-script> tracelog <jobs>`; `bare`, `tracelog` and `bullmq-otel`
// (bench/queue/peer.mjs) always run. Variants alternate within each round on one Redis and one OTLP
// sink, each round starting with the next one; medians print, and tracelog ÷ bullmq-otel by round.
import { rotated, start, startRedis } from '../processes.mjs';

const [roundsText = '5', jobsText = '20000', ...extra] = process.argv.slice(2);
const ROUNDS = Number(roundsText);
const JOBS = Number(jobsText);
const variants = [
  { label: 'bare', args: ['queue/peer.mjs', 'bare'] },
  { label: 'tracelog', args: ['queue/peer.mjs', 'tracelog'] },
  { label: 'bullmq-otel', args: ['queue/peer.mjs', 'bullmq-otel'] },
  ...extra.map((spec) => {
    const [label, script] = spec.split('=');
    return { label, args: [script, 'tracelog'] };
  }),
];

const sink = start(['sink.mjs']);
const sinkUrl = `http://127.0.0.1:${(await sink.firstLine).port}`;
const redis = await startRedis();
const redisPort = redis.port;

const runs = Object.fromEntries(variants.map((v) => [v.label, []]));
const cpu = Object.fromEntries(variants.map((v) => [v.label, { main: [], process: [] }]));
const delivered = Object.fromEntries(variants.map((v) => [v.label, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const variant of rotated(variants, round)) {
    await fetch(`${sinkUrl}/stats`); // read and reset
    const { child, firstLine } = start([...variant.args, String(JOBS)], {
      SINK_URL: sinkUrl,
      REDIS_PORT: String(redisPort),
    });
    const result = await firstLine;
    await new Promise((resolve) => child.once('exit', resolve));
    const { bytes } = await (await fetch(`${sinkUrl}/stats`)).json();
    runs[variant.label].push(result.jobsPerSecond);
    cpu[variant.label].main.push(result.mainCpuUs);
    cpu[variant.label].process.push(result.processCpuUs);
    delivered[variant.label].push(bytes);
    console.log(
      `round ${round + 1}: ${variant.label} ${result.jobsPerSecond} jobs/s, ${Math.round(bytes / 1024)} KB to the sink`,
    );
  }
}
await redis.stop();
sink.child.kill('SIGTERM');

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`\n${JOBS} jobs, ${ROUNDS} round(s), medians:`);
for (const { label } of variants)
  console.log(
    `${label.padEnd(12)} ${String(median(runs[label])).padStart(6)} jobs/s  ${(median(runs[label]) / median(runs.bare)).toFixed(2)}× bare  ${Math.round(median(delivered[label]) / 1024)} KB  CPU per job: main thread ${median(cpu[label].main).toFixed(1)} µs, process ${median(cpu[label].process).toFixed(1)} µs`,
  );
const byRound = runs.tracelog.map((jobs, i) => jobs / runs['bullmq-otel'][i]);
console.log(
  `tracelog ÷ bullmq-otel by round: ${byRound.map((r) => r.toFixed(2)).join(' ')} (ahead in ${byRound.filter((r) => r > 1).length} of ${ROUNDS})`,
);
process.exit(0);
