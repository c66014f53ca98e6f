// Redaction cost per record: the redactor before gitleaks' rules (14 hand-picked value patterns,
// commit 8675aee) against today's (our rules + every gitleaks rule behind a keyword prefilter),
// on the same mix of records, in the same process, alternating within each round.
// Usage (from the repo root): node bench/redaction/run.mjs   [BENCH_QUICK=1 for a short run]
// Prints one JSON line per redactor and mix: records/s per round and the median. Two mixes:
// "records" (log records: body + attributes) and "http-span" (the attributes the Node pipeline
// redacts on every HTTP server span: method, route, status code, path, ids — short values that
// should cost next to nothing). Time is the process's CPU time (the loop is single-threaded):
// on a machine shared with other work, wall time mostly measures the neighbours.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BASELINE_COMMIT = '8675aee';
const quick = process.env.BENCH_QUICK === '1';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const RECORDS = quick ? 20_000 : 200_000;
const root = fileURLToPath(new URL('../..', import.meta.url));
// esbuild comes with the browser package (its size checks use it).
const { build } = createRequire(join(root, 'packages/browser/package.json'))('esbuild');
const dir = mkdtempSync(join(tmpdir(), 'tracelog-redaction-bench-'));

async function bundle(entry, name) {
  const outfile = join(dir, `${name}.mjs`);
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'silent',
  });
  return import(pathToFileURL(outfile).href);
}

const baselineSource = join(dir, 'baseline-redact.ts');
writeFileSync(
  baselineSource,
  execFileSync('git', ['show', `${BASELINE_COMMIT}:packages/core/src/redact.ts`], {
    cwd: root,
    encoding: 'utf8',
  }),
);
const redactors = {
  before: (await bundle(baselineSource, 'before')).createRedactor(),
  gitleaks: (await bundle(join(root, 'packages/core/src/redact.ts'), 'gitleaks')).createRedactor(),
};

// The mix: what services log — mostly clean messages and attributes, varied enough that the
// short-string cache does not answer everything, one record in ten carrying a secret or a
// secret-looking word.
function record(i) {
  const order = `ord-${(i * 7919) % 1_000_003}`;
  const user = `u-${i % 5000}`;
  const kinds = [
    () => ({
      body: `order ${order} accepted for ${user} at ${(i % 997) / 10}`,
      attributes: { 'order.id': order, 'user.id': user, symbol: 'ACME', qty: i % 50 },
    }),
    () => ({
      body: `GET /api/orders/${order} 200 in ${i % 300} ms`,
      attributes: {
        'http.route': '/api/orders/:id',
        'url.path': `/api/orders/${order}`,
        'http.response.status_code': 200,
      },
    }),
    () => ({
      body: `job market-data.refresh step ${i % 12} of 12 processed ${i % 1000} ticks`,
      attributes: {
        'task.name': 'market-data.refresh',
        'task.category': 'data',
        'task.duration_ms': i % 900,
      },
    }),
    () => ({
      body: `strategy ${i % 40} rebalanced: weights ${(i % 13) / 13} ${(i % 7) / 7}; token bucket has ${i % 100} left`,
      attributes: { 'strategy.id': `s-${i % 40}`, note: `max_tokens=${i % 4096}` },
    }),
    () => ({
      body: `payment failed for ${user}: card declined`,
      attributes: {
        'error.type': 'CardDeclined',
        'exception.message': `gateway said: declined (ref ${order})`,
      },
    }),
    () => ({
      body: `retrying upstream call to https://pricing.internal/v2/quotes?symbol=ACME&page=${i % 9}`,
      attributes: { 'url.full': `https://pricing.internal/v2/quotes?symbol=ACME&page=${i % 9}` },
    }),
    () => ({
      body: `config loaded: region=eu-west-1 pool=${i % 16} api=v2 auth=oauth`,
      attributes: { component: 'orders.api', 'deployment.environment.name': 'prod' },
    }),
    () => ({
      body: `user ${user} logged in from 10.0.${i % 255}.${(i * 3) % 255}`,
      attributes: {
        'session.id': `sess-${i}`,
        'user.agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36',
      },
    }),
    () => ({
      body: `stack: Error: timeout\n    at fetchQuote (/srv/app/quotes.js:${i % 400}:13)\n    at async run (/srv/app/worker.js:88:5)`,
      attributes: { 'exception.type': 'TimeoutError' },
    }),
    // One in ten: a careless secret.
    () => ({
      body: [
        `connecting with password=Hunter${i}Trading!`,
        `npm publish with npm_${'a1b2c3d4e5f6g7h8i9j0'.repeat(2).slice(0, 36)}`,
        `storage: DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${Buffer.from(`k${i}`).toString('base64')}Zm9vYmFyYmF6cXV4==`,
        `Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ${i}IifQ.c2lnbmF0dXJl`,
        `aws key AKIAZXCVBNMASDFGHJK${i % 10} used`,
      ][i % 5],
      attributes: { 'db.connection': `postgres://orders:pw${i}@db.internal:5432/orders` },
    }),
  ];
  return kinds[i % kinds.length]();
}
const records = Array.from({ length: 10_000 }, (_, i) => record(i));
const methods = ['GET', 'POST', 'PUT', 'DELETE'];
const spans = Array.from({ length: 10_000 }, (_, i) => ({
  body: '',
  attributes: {
    'http.request.method': methods[i % 4],
    'http.route': ['/api/orders/:id', '/api/quotes', '/health'][i % 3],
    'http.response.status_code': [200, 201, 404, 500][i % 4],
    'url.path': `/api/orders/ord-${(i * 7919) % 1_000_003}`,
    'url.scheme': 'http',
    'server.address': 'orders.internal',
    'client.address': `10.0.${i % 255}.${(i * 3) % 255}`,
    'user.id': `u-${i % 5000}`,
    'network.protocol.version': '1.1',
  },
}));

function run(redactor, mix) {
  const start = process.cpuUsage();
  let sink = 0;
  for (let i = 0; i < RECORDS; i++) {
    const rec = mix[i % mix.length];
    sink += redactor.redactString(rec.body).length;
    sink += Object.keys(redactor.redactAttributes(rec.attributes)).length;
  }
  const used = process.cpuUsage(start);
  const seconds = (used.user + used.system) / 1e6;
  if (sink === 0) throw new Error('nothing redacted');
  return Math.round(RECORDS / seconds);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mixes = { records, 'http-span': spans };
for (const [mixName, mix] of Object.entries(mixes)) {
  const results = Object.fromEntries(Object.keys(redactors).map((k) => [k, []]));
  for (const r of Object.values(redactors)) run(r, mix); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, redactor] of Object.entries(redactors))
      results[name].push(run(redactor, mix));
  }
  for (const [name, rounds] of Object.entries(results)) {
    console.log(
      JSON.stringify({
        bench: 'redaction',
        mix: mixName,
        redactor: name,
        recordsPerSecond: rounds,
        median: median(rounds),
      }),
    );
  }
}
