// The queue instrumentation's own cost, without Redis: BullMQ's patched classes faked in-process,
// jobs added by 100 and run 10 at a time, exporting to the OTLP sink. Prints the median CPU per job
// of the main thread and of the whole process (helper threads included), for work on the hot path.
// Usage (from the repo root, after building the packages and installing bench/):
//   node bench/queue/fake.mjs [bare|tracelog] [jobs] [rounds]
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start } from '../processes.mjs';

const [variant = 'tracelog', jobsText = '20000', roundsText = '7'] = process.argv.slice(2);
const JOBS = Number(jobsText);
const sink = start(['sink.mjs']);
const sinkUrl = `http://127.0.0.1:${(await sink.firstLine).port}`;
const spool = join(tmpdir(), `tracelog-bench-fake-${process.pid}`);

let nextId = 0;
class Job {
  constructor(name, data, opts, queueName) {
    this.id = String(++nextId);
    this.name = name;
    this.data = data;
    this.opts = opts;
    this.attemptsMade = 0;
    this.timestamp = Date.now();
    this.queueName = queueName;
  }
}
class Queue {
  constructor(name) {
    this.name = name;
  }
  async addBulk(jobs) {
    // As Redis would hand them to a worker: the options through JSON, as new objects.
    return jobs.map(
      (job) => new Job(job.name, job.data, JSON.parse(JSON.stringify(job.opts ?? {})), this.name),
    );
  }
}
class Worker {
  async callProcessJob() {
    return undefined;
  }
}

let telemetry;
if (variant === 'tracelog') {
  const { init } = await import('../../packages/node/dist/index.js');
  const { instrumentBullMQ } = await import('../../packages/queue-instrumentation/dist/index.js');
  telemetry = init({
    serviceName: 'bench-queue',
    endpoint: sinkUrl,
    console: false,
    handleSignals: false,
    spool: { directory: spool },
    instrumentations: { bullmq: false },
  });
  instrumentBullMQ({ modules: [{ Queue, Worker, Job }] });
}
const queue = new Queue('bench-fake');
const worker = new Worker();

async function run(jobs) {
  for (let i = 0; i < jobs; i += 100) {
    const added = await queue.addBulk(
      Array.from({ length: Math.min(100, jobs - i) }, (_, j) => ({
        name: 'settle',
        data: { orderId: i + j },
      })),
    );
    for (let k = 0; k < added.length; k += 10)
      await Promise.all(added.slice(k, k + 10).map((job) => worker.callProcessJob(job)));
  }
}

await run(5000);
const main = [];
const whole = [];
for (let round = 0; round < Number(roundsText); round++) {
  // Each round starts with nothing left to export from the one before.
  await telemetry?.flush();
  const thread0 = process.threadCpuUsage();
  const process0 = process.cpuUsage();
  await run(JOBS);
  const thread = process.threadCpuUsage(thread0);
  const all = process.cpuUsage(process0);
  main.push((thread.user + thread.system) / JOBS);
  whole.push((all.user + all.system) / JOBS);
}
await telemetry?.shutdown({ deadlineMs: 30_000 });
rmSync(spool, { recursive: true, force: true });
const { bytes } = await (await fetch(`${sinkUrl}/stats`)).json();
sink.child.kill('SIGTERM');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `${variant}: main thread ${median(main).toFixed(2)} µs/job, process ${median(whole).toFixed(2)} µs/job, ${Math.round(bytes / 1024)} KB to the sink`,
);
process.exit(0);
