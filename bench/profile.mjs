// One CPU profile of one peer, summarised per unit of work: `node profile.mjs queue [variant]`
// profiles bench/queue/peer.mjs (20,000 jobs after 1,000 untimed, real Redis) and
// `node profile.mjs http [variant]` profiles bench/http/server.mjs (autocannon, 10 connections,
// 3 s then 10 s). Prints profiler-µs of self time per job or request by package, and the
// telemetry total against work both setups share (BullMQ + ioredis, or Node's own `_http_*`): the
// machine's speed changes between runs, that ratio less (bullmq-otel's own calls inside BullMQ
// count as BullMQ's). Variant defaults to tracelog. With `--functions` it also lists the functions
// whose self time telemetry caused, by the rule below (`attributable`), so Node's own work done on
// telemetry's behalf (a header it sets, a context frame it enters) counts as telemetry's.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { start, startRedis } from './processes.mjs';

const args = process.argv.slice(2);
const byFunction = args.includes('--functions');
const [kind, variant = 'tracelog'] = args.filter((a) => a !== '--functions');
if (kind !== 'queue' && kind !== 'http') {
  console.error('usage: node profile.mjs queue|http [variant]');
  process.exit(2);
}
const JOBS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'tracelog-profile-'));
const sink = start(['sink.mjs']);
const env = { ...process.env, SINK_URL: `http://127.0.0.1:${(await sink.firstLine).port}` };
const profiled = (script) =>
  spawn(
    process.execPath,
    ['--cpu-prof', '--cpu-prof-interval', '100', '--cpu-prof-dir', dir, ...script],
    {
      cwd: new URL('.', import.meta.url).pathname,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
const exited = (child) => new Promise((resolve) => child.once('exit', resolve));

let units;
if (kind === 'queue') {
  const redis = await startRedis();
  env.REDIS_PORT = String(redis.port);
  const child = profiled(['queue/peer.mjs', variant, String(JOBS)]);
  child.stdout.resume();
  await exited(child);
  await redis.stop();
  units = JOBS + 1000;
} else {
  // A profile is written when the process exits: bare and upstream servers have no SIGINT
  // handler of their own (tracelog's shuts down, then exits), so one is preloaded for them.
  const exitOnSigint = 'data:text/javascript,process.once("SIGINT",()=>process.exit(0))';
  const preload = variant === 'tracelog' ? [] : ['--import', exitOnSigint];
  const child = profiled([...preload, 'http/server.mjs', variant]);
  const port = await new Promise((resolve) =>
    child.stdout.once('data', (d) => resolve(JSON.parse(String(d)).port)),
  );
  const url = `http://127.0.0.1:${port}/`;
  const warm = await autocannon({ url, connections: 10, duration: 3 });
  const timed = await autocannon({ url, connections: 10, duration: 10 });
  units = warm.requests.total + timed.requests.total;
  child.kill('SIGINT');
  await exited(child);
}
sink.child.kill('SIGTERM');

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
rmSync(dir, { recursive: true, force: true });

const TELEMETRY = [
  ['tracelog node', /packages\/node\//],
  ['tracelog queue', /packages\/queue-instrumentation\//],
  ['tracelog core', /packages\/core\//],
  ['otlp-transformer', /@opentelemetry\/otlp-transformer\//],
  ['sdk-trace', /@opentelemetry\/sdk-trace/],
  ['otel api', /@opentelemetry\/api\//],
  ['otel other', /@opentelemetry\//],
  ['bullmq-otel', /node_modules\/bullmq-otel\//],
];
const SHARED =
  kind === 'queue'
    ? [['bullmq + ioredis', /node_modules\/(bullmq|ioredis)\//]]
    : [['node http', /^node:(_http|http|internal\/http)/]];
const OTHER = [['gc', /^\(garbage collector\)$/]];
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
profile.samples.forEach((id, i) =>
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)),
);
const totals = new Map();
for (const [id, micros] of self) {
  const { url, functionName } = nodes.get(id).callFrame;
  const where = url || `(${functionName.replace(/[()]/g, '')})`;
  const found = [...TELEMETRY, ...SHARED, ...OTHER].find(([, pattern]) => pattern.test(where));
  if (found) totals.set(found[0], (totals.get(found[0]) ?? 0) + micros);
}
const per = (label) => (totals.get(label) ?? 0) / units;
const telemetry = TELEMETRY.reduce((sum, [label]) => sum + per(label), 0);
const shared = per(SHARED[0][0]);
console.log(`${kind} ${variant}: ${units} ${kind === 'queue' ? 'jobs' : 'requests'} profiled`);
for (const [label] of [...TELEMETRY, ...SHARED, ...OTHER])
  if (per(label) >= 0.05) console.log(`  ${label.padEnd(18)} ${per(label).toFixed(2)} µs`);
console.log(
  `  telemetry ${telemetry.toFixed(2)} µs per ${kind === 'queue' ? 'job' : 'request'}, ` +
    `${(telemetry / shared).toFixed(2)}× ${SHARED[0][0]}`,
);
if (byFunction) printFunctions();

/**
 * Self time by function, for the samples telemetry caused: walking from the sampled frame towards
 * the root, the first frame that is either telemetry's or the application's (or the worker's
 * BullMQ) decides. Node internals called by an instrumentation count as telemetry's; an
 * application handler an instrumentation calls counts as the application's.
 */
function printFunctions() {
  const parents = new Map();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parents.set(child, node);
  const isTelemetry = (url) => TELEMETRY.some(([, pattern]) => pattern.test(url));
  // node:events counts as the application's: an instrumentation's patched `emit` hands every
  // event to the original, whose listeners (Node's own included) bare runs as well.
  const isApp = (url) =>
    url === 'node:events' ||
    /\/bench\/(http|queue)\//.test(url) ||
    (kind === 'queue' && SHARED[0][1].test(url));
  const name = (frame) =>
    `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(packages|node_modules)\//, '')}:${frame.lineNumber + 1}`;
  const byName = new Map();
  let attributed = 0;
  for (const [id, micros] of self) {
    const leaf = nodes.get(id);
    let owner;
    for (let node = leaf; node && !owner; node = parents.get(node.id)) {
      const url = node.callFrame.url;
      if (isTelemetry(url)) owner = node;
      else if (isApp(url)) break;
    }
    if (!owner) continue;
    attributed += micros;
    const key =
      owner === leaf ? name(leaf.callFrame) : `${name(leaf.callFrame)}  ← ${name(owner.callFrame)}`;
    byName.set(key, (byName.get(key) ?? 0) + micros);
  }
  console.log(
    `\nattributable to telemetry: ${(attributed / units).toFixed(2)} µs per unit; top functions:`,
  );
  for (const [key, micros] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 40))
    console.log(`  ${(micros / units).toFixed(3).padStart(7)} µs  ${key}`);
}
process.exit(0);
