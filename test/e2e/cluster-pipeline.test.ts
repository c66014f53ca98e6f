import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Agent,
  Gateway,
  OpenSearchCluster,
  PrometheusReplica,
  SharedJaeger,
  VictoriaLogsCluster,
  startEmitter,
} from '../support/cluster.ts';
import { stopService, stopServices } from '../support/services.ts';
import { quote, removeWorkDirs, waitFor } from '../support/stack.ts';

/**
 * Failure drills beyond one machine, on loopback: services on @tracelog/node send through two
 * agents (deploy/collector/agent.yaml) to two gateways (config.yaml + the store overlays +
 * deploy/collector/gateway.overlay.yaml), which write logs to VictoriaLogs in cluster mode (two
 * storage nodes behind vlinsert and vlselect) and spans to Jaeger on a two-node OpenSearch.
 * Services send throughout each drill; what they sent is counted exactly in the stores: every
 * record and span once at least, and the duplicates a crash causes reported.
 */

let opensearch: OpenSearchCluster;
let logs: VictoriaLogsCluster;
let jaeger: SharedJaeger;
let prometheus: PrometheusReplica;
let gateways: Gateway[];
let agents: Agent[];

beforeAll(async () => {
  // Each part is kept before it starts: afterAll stops what a failed start left running.
  opensearch = new OpenSearchCluster(2, 256);
  logs = new VictoriaLogsCluster(2);
  await Promise.all([opensearch.start(), logs.start()]);
  prometheus = new PrometheusReplica('prometheus-0', [], { evaluationInterval: '1s' });
  jaeger = new SharedJaeger(opensearch);
  await Promise.all([prometheus.start(), jaeger.start()]);
  const metrics = {
    TRACELOG_PROMETHEUS_OTLP_ENDPOINT: prometheus.url,
    TRACELOG_SPANMETRICS_FLUSH_INTERVAL: '1s',
    TRACELOG_COLLECTOR_METRICS_INTERVAL_MS: '1000',
  };
  gateways = await Promise.all(
    ['gateway-0', 'gateway-1'].map((name) =>
      Gateway.create(name, { logs: logs.insert, traces: jaeger, env: metrics }),
    ),
  );
  await Promise.all(gateways.map((g) => g.start()));
  agents = [new Agent(gateways, metrics), new Agent(gateways, metrics)];
  await Promise.all(agents.map((a) => a.start()));
});

afterAll(async () => {
  await stopServices();
  await Promise.all([...(agents ?? []), ...(gateways ?? [])].map((c) => c.stop()));
  await Promise.all([jaeger?.stop(), prometheus?.stop(), logs?.stop()]);
  await opensearch?.stop();
  removeWorkDirs();
});

/** A name only this drill's services carry. */
const tag = (drill: string) => `${drill}-${Date.now().toString(36)}`;

/** Each service sends from both agents: the agents must agree on its gateway. */
function emitFromBoth(services: string[], run: string, count: number, rate: number) {
  return services.flatMap((service) =>
    agents.map((via) => startEmitter({ via, service, run, count, rate })),
  );
}

/** Records of one run in VictoriaLogs (through vlselect), and how many distinct units they are. */
async function storedLogs(run: string) {
  const [row] = await logs.select.query(
    `run:=${quote(run)} | stats count() as records, count_uniq(emitter, seq) as units`,
  );
  return { records: Number(row?.records ?? 0), units: Number(row?.units ?? 0) };
}

/** Span documents of some services in OpenSearch, and how many distinct span ids they hold. */
async function storedSpans(services: string[]) {
  const counts = await Promise.all(services.map((s) => opensearch.spans(s)));
  return {
    spans: counts.reduce((n, c) => n + c.spans, 0),
    unique: counts.reduce((n, c) => n + c.unique, 0),
  };
}

/**
 * Waits until every unit sent is stored as a log record and a span, then until the counts hold
 * still (a crash's replay has finished), and returns them.
 */
async function delivered(run: string, services: string[], sent: number) {
  let now = { records: 0, units: 0, spans: 0, unique: 0 };
  const read = async () => ({ ...(await storedLogs(run)), ...(await storedSpans(services)) });
  await waitFor(
    async () => {
      now = await read();
      return now.units >= sent && now.unique >= sent;
    },
    240_000,
    `all ${sent} units as records and spans`,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)} (stored: ${JSON.stringify(now)})`);
  });
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const later = await read();
    if (later.records === now.records && later.spans === now.spans) return now;
    now = later;
  }
}

async function finish(emitters: ReturnType<typeof emitFromBoth>, count: number) {
  for (const emitter of emitters) expect(await emitter.line).toBe(`done ${count}`);
  await Promise.all(emitters.map((e) => stopService(e.child)));
}

describe('collector tiers', () => {
  it("routes all of one service's spans to one gateway: its span-metric series have one source, none is split", async () => {
    const run = tag('route');
    const services = ['a', 'b', 'c'].map((s) => `${run}-${s}`);
    const count = 300;
    const emitters = emitFromBoth(services, run, count, 50);
    await finish(emitters, count);
    const sent = count * emitters.length;
    const stored = await delivered(run, services, sent);
    expect(stored.units).toBe(sent);

    // Span metrics: each service's calls, from both agents' senders, counted by one gateway.
    const selector = `traces_span_metrics_calls_total{service_name=~"${run}-.*"}`;
    const series = await waitFor(
      async () => {
        const samples = await prometheus.query(selector);
        const total = samples.reduce((n, s) => n + Number(s.value[1]), 0);
        return total === sent ? samples : undefined;
      },
      120_000,
      `span metrics counting all ${sent} spans`,
    );
    const sources = new Map<string, Set<string>>();
    for (const s of series) {
      const set = sources.get(s.metric.service_name!) ?? new Set();
      set.add(s.metric.tracelog_gateway!);
      sources.set(s.metric.service_name!, set);
    }
    console.log(
      `routing by service: ${[...sources].map(([service, gw]) => `${service.slice(-1)} → ${[...gw].join(', ')}`).join('; ')}`,
    );
    expect([...sources.keys()].sort()).toEqual(services);
    for (const gatewaysOfService of sources.values()) expect(gatewaysOfService.size).toBe(1);
    // No series written by two gateways: without the gateway label, every series is one.
    const split = await prometheus.query(`count without (tracelog_gateway) (${selector}) > 1`);
    expect(split).toEqual([]);
    for (const service of services) {
      const [calls] = await prometheus.query(
        `sum(traces_span_metrics_calls_total{service_name="${service}"})`,
      );
      expect(Number(calls!.value[1])).toBe(count * agents.length);
    }
  });

  it('loses nothing when a gateway is killed with SIGKILL and restarted, and counts the duplicates', async () => {
    const run = tag('kill');
    const services = ['a', 'b', 'c'].map((s) => `${run}-${s}`);
    const count = 900;
    const emitters = emitFromBoth(services, run, count, 50);
    // The gateway some of these services are routed to (its name is on their span metrics).
    const [first] = await waitFor(
      async () => {
        const samples = await prometheus.query(
          `traces_span_metrics_calls_total{service_name=~"${run}-.*"}`,
        );
        return samples.length > 0 ? samples : undefined;
      },
      60_000,
      'the first span metrics of the drill',
    );
    const victim = gateways.find((g) => g.name === first!.metric.tracelog_gateway)!;
    // Killed mid-stream: records are flowing into the stores, and far more are still to come.
    const before = await waitFor(
      async () => {
        const now = await storedLogs(run);
        return now.units >= 500 ? now : undefined;
      },
      60_000,
      'records flowing',
    );
    await victim.kill();
    await new Promise((resolve) => setTimeout(resolve, 5000));
    await victim.start();
    await finish(emitters, count);
    const sent = count * emitters.length;
    const stored = await delivered(run, services, sent);
    console.log(
      `gateway SIGKILL (${victim.name}, ${before.units} of ${sent} units stored before the kill): ` +
        `sent ${sent}; logs stored ${stored.records} (${stored.units} distinct, ` +
        `${stored.records - stored.units} duplicates); spans stored ${stored.spans} ` +
        `(${stored.unique} distinct, ${stored.spans - stored.unique} duplicates)`,
    );
    expect(before.units).toBeLessThan(sent);
    expect(stored.units).toBe(sent);
    expect(stored.unique).toBe(sent);
  });
});

describe('clustered stores', () => {
  it('a VictoriaLogs storage node down for 30 s loses nothing; queries meanwhile fail, or say they are partial', async () => {
    const run = tag('vlnode');
    // Two streams (VictoriaLogs shards by stream), sending for 25 s after the node is back.
    const services = [`${run}-a`, `${run}-b`];
    const count = 3000;
    const emitters = emitFromBoth(services, run, count, 50);
    await waitFor(async () => (await storedLogs(run)).units > 0, 60_000, 'the first records');
    const [, node] = logs.storage;
    await node!.stop();
    const downAt = Date.now();
    // A full answer needs every storage node: vlselect refuses rather than answer short.
    const refused = await storedLogs(run).then(
      () => 'answered',
      (error: unknown) => String(error),
    );
    // Asked for a partial answer, it gives what the remaining node holds.
    const [partial] = await logs.select.query(
      `options(allow_partial_response=true) run:=${quote(run)} | stats count() as records`,
    );
    await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() - downAt)));
    await node!.start();
    await finish(emitters, count);
    const sent = count * emitters.length;
    const stored = await delivered(run, services, sent);
    console.log(
      `VictoriaLogs storage node down 30 s: sent ${sent}; stored ${stored.records} ` +
        `(${stored.units} distinct, ${stored.records - stored.units} duplicates); meanwhile a ` +
        `full query said: ${refused.slice(0, 160)}; a partial one counted ${partial?.records}`,
    );
    expect(refused).toMatch(/502/);
    // The partial answer is what the remaining node holds: 0 when both of this run's streams
    // happen to hash to the node that is down (the stream names carry the run's random tag).
    expect(partial?.records).toMatch(/^\d+$/);
    expect(Number(partial?.records)).toBeLessThan(sent);
    expect(stored.units).toBe(sent);
    expect(stored.records).toBe(sent);
    // Each record is on exactly one storage node (vlinsert shards, it does not replicate), and
    // the node that came back takes records again (vlinsert retries it after 10 s).
    const perNode = await Promise.all(logs.storage.map((n) => n.count(`run:=${quote(run)}`)));
    console.log(`records per storage node: ${perNode.join(', ')}`);
    expect(perNode.reduce((a, b) => a + b, 0)).toBe(sent);
    const [returned] = await node!.query(
      `run:=${quote(run)} _time:>${new Date(downAt + 30_000).toISOString()} | stats count() as n`,
    );
    expect(Number(returned?.n)).toBeGreaterThan(0);
  });

  it('the trace store degraded (an OpenSearch data node killed) loses no span, and Jaeger still answers', async () => {
    const run = tag('osnode');
    const services = [`${run}-a`];
    const count = 1500;
    const emitters = emitFromBoth(services, run, count, 50);
    await waitFor(async () => (await storedSpans(services)).unique > 0, 60_000, 'the first spans');
    // Every shard has its replica on the other node before one goes.
    await opensearch.health('wait_for_status=green');
    const [, node] = opensearch.nodes;
    await node!.kill();
    const degraded = await opensearch.health('wait_for_nodes=1');
    // A trace of the drill, found by its log record, read back through Jaeger meanwhile.
    const spans = await waitFor(
      async () => {
        const [record] = await logs.select.query(`run:=${quote(run)} | limit 1`);
        const found = record ? await jaeger.trace(record.trace_id!) : [];
        return found.length > 0 ? found : undefined;
      },
      60_000,
      'a trace from Jaeger with a node down',
    );
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    await node!.start();
    await finish(emitters, count);
    const sent = count * emitters.length;
    const stored = await delivered(run, services, sent);
    console.log(
      `OpenSearch data node killed: cluster ${degraded.status} meanwhile; sent ${sent} spans; ` +
        `stored ${stored.spans} (${stored.unique} distinct, ${stored.spans - stored.unique} duplicates)`,
    );
    expect(degraded.status).toBe('yellow');
    expect(spans.map((s) => s.name)).toEqual(['work']);
    expect(stored.unique).toBe(sent);
  });
});
