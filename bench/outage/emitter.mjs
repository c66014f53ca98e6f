// The collector is down: tracelog logs RATE records/s for SECONDS to an endpoint nobody answers
// (ENDPOINT), with its default spool in SPOOL_DIR. Prints the resident set size before and after,
// then keeps running (and retrying) until stopped, so the runner can bring the collector back and
// count what arrives. OTLP/JSON, so the sink can count records.
import { readFileSync } from 'node:fs';
import { getLogger, init } from '../../packages/node/dist/index.js';

const rate = Number(process.env.RATE ?? 500);
const seconds = Number(process.env.SECONDS ?? 60);
init({
  serviceName: 'bench-outage',
  endpoint: process.env.ENDPOINT,
  protocol: 'http/json',
  console: false,
  spool: { directory: process.env.SPOOL_DIR },
});
const rss = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const log = getLogger('bench.outage');
const before = rss();
let seq = 0;
const perTick = rate / 20;
const timer = setInterval(() => {
  for (let i = 0; i < perTick; i++) log.info('order event', { seq: seq++, 'order.id': `o-${seq}` });
  if (seq >= rate * seconds) {
    clearInterval(timer);
    process.stdout.write(
      `${JSON.stringify({ emitted: seq, rssBefore: before, rssAfter: rss() })}\n`,
    );
  }
}, 50);
setInterval(() => undefined, 1000);
