// A fixed-rate HTTP load: `rate` requests per second for `seconds`, each on its own schedule
// (an open model: a slow answer does not delay the next request), with every latency measured in
// microseconds from the moment the request was due. Keep-alive connections, as a service mesh or
// gateway would hold them.
import { Agent, request } from 'node:http';

export async function fixedRate(url, { rate, seconds, connections = 64 }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const total = rate * seconds;
  const latencies = new Float64Array(total);
  let done = 0;
  let errors = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    let sent = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      for (; sent < due; sent++) {
        const i = sent;
        const scheduled = start + (i * 1000) / rate;
        const req = request(url, { agent }, (res) => {
          res.resume();
          res.on('end', () => {
            latencies[i] = (performance.now() - scheduled) * 1000;
            if (++done === total) resolve();
          });
        });
        req.on('error', () => {
          errors++;
          latencies[i] = NaN;
          if (++done === total) resolve();
        });
        req.end();
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  agent.destroy();
  const sorted = [...latencies].filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), errors };
}
