// Sizing the collector tiers (deploy/README.md, "Sizing"): telemetrygen offers a fixed load of log
// records from several services to one agent (deploy/collector/agent.yaml), which routes each
// service to one of the gateways (collector/config.yaml + destinations/victorialogs.yaml +
// deploy/collector/gateway.overlay.yaml), which write to VictoriaLogs. The same load runs with 1
// gateway and then with 2, in one run. CPU time (user + system) of every process is read from
// /proc over the load, RSS is sampled every half second (its peak is reported), and every record
// is counted in VictoriaLogs. A first round runs the same load through one collector without tiers
// (collector/config.yaml + destinations/victorialogs.yaml), the baseline the tiers are weighed
// against.
//   node bench/cluster/run.mjs          [BENCH_QUICK=1: a quarter of the records]
// Prints one JSON line per round, then a table.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freeLoopbackPort, launch, sleep, stackEnv, storedRecords, until } from '../processes.mjs';

const quick = process.env.BENCH_QUICK === '1';
// Offered load: one telemetrygen per service, SERVICES × RATE records/s, for SECONDS.
const SERVICES = 8;
const RATE = 625;
const SECONDS = quick ? 10 : 40;

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = stackEnv('cluster-env');

/** CPU seconds (user + system) of a process so far, and its resident memory in MiB. */
function usage(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpu: (Number(fields[11]) + Number(fields[12])) / 100, rss: Number(rss[1]) / 1024 };
}

/** A launched binary, named for the tier it stands for in the results. */
const launchTier = (tier, command, args, env) => ({ tier, ...launch(command, args, env) });

/** A collector of either tier, on free ports; no Prometheus here (its metrics go nowhere). */
async function collector(tier, dir, configs, env) {
  const [http, grpc, health] = [
    await freeLoopbackPort(),
    await freeLoopbackPort(),
    await freeLoopbackPort(),
  ];
  const process = launchTier(
    tier,
    bin.TRACELOG_COLLECTOR_BIN,
    configs.flatMap((file) => ['--config', file]),
    {
      TRACELOG_STORAGE_DIR: join(dir, `${tier}-${grpc}`),
      TRACELOG_OTLP_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      TRACELOG_OTLP_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      TRACELOG_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
      TRACELOG_METRICS_EXPORTERS: '[nop]',
      TRACELOG_COLLECTOR_METRICS_LEVEL: 'none',
      TRACELOG_COLLECTOR_LOG_LEVEL: 'warn',
      ...env,
    },
  );
  await until(async () => (await fetch(`http://127.0.0.1:${health}/`)).ok, `the ${tier}`);
  return { process, http: `127.0.0.1:${http}`, grpc: `127.0.0.1:${grpc}` };
}

async function measure(gatewayCount) {
  const dir = mkdtempSync(join(tmpdir(), 'tracelog-cluster-bench-'));
  const vlPort = await freeLoopbackPort();
  const vlUrl = `http://127.0.0.1:${vlPort}`;
  const parts = [
    launchTier('store', bin.TRACELOG_VICTORIALOGS_BIN, [
      `-storageDataPath=${join(dir, 'vl')}`,
      `-httpListenAddr=127.0.0.1:${vlPort}`,
      '-inmemoryDataFlushInterval=1s',
      '-loggerLevel=ERROR',
    ]),
  ];
  try {
    await until(async () => (await fetch(`${vlUrl}/health`)).ok, 'VictoriaLogs');
    const store = { TRACELOG_VICTORIALOGS_ENDPOINT: vlUrl };
    const single = [
      bin.TRACELOG_COLLECTOR_CONFIG,
      join(bin.TRACELOG_DESTINATIONS_DIR, 'victorialogs.yaml'),
    ];
    const gateways = [];
    for (let i = 0; i < gatewayCount; i++) {
      const gateway = await collector(
        'gateway',
        dir,
        [...single, join(root, 'deploy/collector/gateway.overlay.yaml')],
        { ...store, TRACELOG_GATEWAY_NAME: `gateway-${i}` },
      );
      gateways.push(gateway);
      parts.push(gateway.process);
    }
    // No gateways: the load goes to one collector, as on one machine.
    const agent =
      gatewayCount === 0
        ? await collector('single', dir, single, store)
        : await collector('agent', dir, [join(root, 'deploy/collector/agent.yaml')], {
            TRACELOG_GATEWAY_RESOLVER: JSON.stringify({
              static: { hostnames: gateways.map((g) => g.grpc) },
            }),
          });
    parts.push(agent.process);
    await sleep(1000);
    const before = parts.map((p) => usage(p.child.pid));
    const peak = parts.map(() => 0);
    const sampler = setInterval(() => {
      parts.forEach((p, i) => (peak[i] = Math.max(peak[i], usage(p.child.pid).rss)));
    }, 500);
    const started = Date.now();
    // One generator per service: a record of the usual shape, a body with key=value pairs.
    const generators = Array.from({ length: SERVICES }, (_, i) =>
      launchTier('load', bin.TRACELOG_TELEMETRYGEN_BIN, [
        'logs',
        '--otlp-http',
        '--otlp-insecure',
        '--otlp-endpoint',
        agent.http,
        '--rate',
        String(RATE),
        '--logs',
        String(RATE * SECONDS),
        '--service',
        `sized-${i}`,
        '--body',
        'order accepted user=trader-7 symbol=ACME quantity=100 latency_ms=7.004',
        '--telemetry-attributes',
        'http.route="/orders/:id"',
        '--telemetry-attributes',
        'order.id="ord-1001"',
      ]),
    );
    await Promise.all(generators.map((g) => new Promise((r) => g.child.once('exit', r))));
    const sent = SERVICES * RATE * SECONDS;
    let count = 0;
    let lastGain = Date.now();
    while (count < sent && Date.now() - lastGain < 30_000) {
      await sleep(500);
      const now = await storedRecords(vlUrl);
      if (now > count) lastGain = Date.now();
      count = now;
    }
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    const after = parts.map((p) => usage(p.child.pid));
    const tier = (name) => {
      const idx = parts.map((p, i) => (p.tier === name ? i : -1)).filter((i) => i >= 0);
      const cpu = idx.reduce((sum, i) => sum + after[i].cpu - before[i].cpu, 0);
      return {
        processes: idx.length,
        cpuSeconds: cpu,
        cpuMsPer1000: (cpu * 1_000_000) / count,
        recordsPerCoreSecond: Math.round(count / cpu),
        coresUsed: cpu / seconds,
        rssMiB: idx.map((i) => Math.round(peak[i])),
        // How the load split between the processes of the tier (routing by service).
        cpuShare: idx.map((i) => Math.round(((after[i].cpu - before[i].cpu) / cpu) * 100)),
      };
    };
    return {
      gateways: gatewayCount,
      sent,
      stored: count,
      lost: sent - count,
      seconds,
      recordsPerSecond: Math.round(count / seconds),
      ...Object.fromEntries(
        TIERS.filter((name) => parts.some((p) => p.tier === name)).map((name) => [
          name,
          tier(name),
        ]),
      ),
    };
  } finally {
    await Promise.all(parts.reverse().map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

const TIERS = ['single', 'agent', 'gateway', 'store'];
const results = [];
for (const gateways of [0, 1, 2]) {
  const result = await measure(gateways);
  results.push(result);
  console.log(JSON.stringify(result));
}
const row = (r, name) =>
  `| ${r.gateways} | ${name} | ${r[name].processes} | ${r[name].cpuMsPer1000.toFixed(1)} | ` +
  `${r[name].recordsPerCoreSecond.toLocaleString('en')} | ${r[name].coresUsed.toFixed(2)} | ` +
  `${r[name].rssMiB.join(', ')} | ${r[name].cpuShare.join(', ')} |`;
console.log(`
${SERVICES} services × ${RATE} log records/s for ${SECONDS} s offered to one agent
(${results.map((r) => `${r.gateways ? `${r.gateways} gateway(s)` : 'one collector, no tiers'}: ${r.recordsPerSecond.toLocaleString('en')} records/s end to end, ${r.lost} of ${r.sent.toLocaleString('en')} lost`).join('; ')})

| gateways | tier | processes | CPU ms per 1,000 records | records/s per core | cores used | peak RSS MiB (each) | CPU share % (each) |
| ---: | --- | ---: | ---: | ---: | ---: | --- | --- |
${results.flatMap((r) => TIERS.filter((t) => r[t]).map((t) => row(r, t))).join('\n')}`);
