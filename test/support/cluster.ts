import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Alertmanager, Prometheus, expandTemplate } from './metrics.ts';
import type { AlertmanagerOptions, PrometheusOptions } from './metrics.ts';
import {
  Collector,
  Jaeger,
  Managed,
  VictoriaLogs,
  freePort,
  stackBinaries,
  waitFor,
  workDir,
} from './stack.ts';
import type { CollectorOptions } from './stack.ts';
import { startService } from './services.ts';
import type { Service } from './services.ts';

/**
 * Beyond one machine, on loopback (deploy/): the collector's agent and gateway tiers, VictoriaLogs
 * in cluster mode, Jaeger on a two-node OpenSearch, Prometheus HA pairs and an Alertmanager
 * cluster. Each part is the same binary the single-machine stack runs, in several processes.
 * The tools (Helm, kubernetes-validate, OpenSearch, telemetrygen) come from
 * `collector/scripts/stack.sh cluster-env`, which builds or fetches them into the cache once.
 */

const repo = new URL('../../', import.meta.url).pathname;
export const deployDir = join(repo, 'deploy');
/** The agent tier's configuration, rendered from collector/config.yaml (deploy/collector/render.mjs). */
export const AGENT_CONFIG = join(deployDir, 'collector/agent.yaml');
/** The gateway tier: loaded after collector/config.yaml and the destination overlays. */
export const GATEWAY_OVERLAY = join(deployDir, 'collector/gateway.overlay.yaml');

export interface ClusterBinaries {
  telemetrygenBin: string;
  helmBin: string;
  /** OpenSearch's integ-test distribution, unpacked. */
  opensearchHome: string;
  kubernetesValidateBin: string;
}

let binaries: ClusterBinaries | undefined;

export function clusterBinaries(): ClusterBinaries {
  if (binaries) return binaries;
  const out = execFileSync('bash', [join(repo, 'collector/scripts/stack.sh'), 'cluster-env'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_800_000,
  });
  const env = Object.fromEntries(
    out
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.replace(/^'(.*)'$/, '$1')]),
  );
  binaries = {
    telemetrygenBin: env.TRACELOG_TELEMETRYGEN_BIN!,
    helmBin: env.TRACELOG_HELM_BIN!,
    opensearchHome: env.TRACELOG_OPENSEARCH_HOME!,
    kubernetesValidateBin: env.TRACELOG_KUBERNETES_VALIDATE_BIN!,
  };
  return binaries;
}

/**
 * A gateway: the single-machine collector (config.yaml and the destination overlays its stores
 * need) plus deploy/collector/gateway.overlay.yaml. Its OTLP/gRPC port is chosen before it
 * starts, because the agents' static resolver names it.
 */
export class Gateway extends Collector {
  private constructor(
    readonly name: string,
    readonly otlpGrpcPort: number,
    opts: CollectorOptions,
  ) {
    super({
      ...opts,
      overlays: [GATEWAY_OVERLAY, ...(opts.overlays ?? [])],
      env: {
        TRACELOG_GATEWAY_NAME: name,
        TRACELOG_COLLECTOR_SERVICE_NAME: 'tracelog-gateway',
        ...opts.env,
        TRACELOG_OTLP_GRPC_ENDPOINT: `127.0.0.1:${otlpGrpcPort}`,
      },
    });
  }

  static async create(name: string, opts: CollectorOptions): Promise<Gateway> {
    return new Gateway(name, await freePort(), opts);
  }

  /** `host:port` of its OTLP/gRPC receiver, as the agents' resolver lists it. */
  get grpcEndpoint(): string {
    return `127.0.0.1:${this.otlpGrpcPort}`;
  }
}

/** An agent: deploy/collector/agent.yaml, routing each service to one of `gateways`. */
export class Agent extends Collector {
  constructor(gateways: Gateway[], env: Record<string, string> = {}) {
    super({
      env: {
        TRACELOG_GATEWAY_RESOLVER: JSON.stringify({
          static: { hostnames: gateways.map((g) => g.grpcEndpoint) },
        }),
        TRACELOG_COLLECTOR_SERVICE_NAME: 'tracelog-agent',
        ...env,
      },
    });
  }

  override get configs(): string[] {
    return [AGENT_CONFIG];
  }
}

/**
 * VictoriaLogs in cluster mode: storage nodes (plain single-node instances), a vlinsert that
 * spreads records over them and a vlselect that queries all of them, all one binary (docs
 * "VictoriaLogs cluster", v1.52: `-storageNode`, `-select.disable`, `-insert.disable`).
 */
export class VictoriaLogsCluster {
  readonly storage: VictoriaLogs[];
  insert!: VictoriaLogs;
  select!: VictoriaLogs;

  constructor(storageNodes = 2) {
    this.storage = Array.from({ length: storageNodes }, () => new VictoriaLogs());
  }

  async start(): Promise<this> {
    await Promise.all(this.storage.map((node) => node.start()));
    const nodes = `-storageNode=${this.storage.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
    this.insert = new VictoriaLogs([nodes, '-select.disable']);
    this.select = new VictoriaLogs([nodes, '-insert.disable']);
    await Promise.all([this.insert.start(), this.select.start()]);
    return this;
  }

  async stop(): Promise<void> {
    await Promise.all([this.insert?.stop(), this.select?.stop()]);
    await Promise.all(this.storage.map((node) => node.stop()));
  }
}

/**
 * One node of an OpenSearch cluster (the integ-test distribution from Maven Central, Apache-2.0).
 * OpenSearch refuses to run as root: when the tests are root, the node runs as `nobody`, in a
 * folder it owns.
 */
export class OpenSearchNode extends Managed {
  readonly dir = workDir('opensearch');
  httpPort = 0;
  transportPort = 0;
  /** What makes the nodes one cluster: set by OpenSearchCluster before start(). */
  cluster = { seeds: [] as string[], managers: [] as string[] };

  constructor(
    readonly name: string,
    /** cluster_manager, data, ingest…: the cluster-manager-eligible node bootstraps the cluster. */
    private readonly roles: string[],
    private readonly heapMiB: number,
  ) {
    super();
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async ports(): Promise<this> {
    if (!this.httpPort) {
      this.httpPort = await freePort();
      this.transportPort = await freePort();
    }
    return this;
  }

  async start(): Promise<this> {
    await this.ports();
    const root = process.getuid?.() === 0;
    // Run as `nobody`, the node cannot reach the cache under root's home: it runs from a copy.
    const home = root ? join(this.dir, 'home') : clusterBinaries().opensearchHome;
    if (root && !existsSync(home))
      cpSync(clusterBinaries().opensearchHome, home, { recursive: true });
    const config = join(this.dir, 'config');
    mkdirSync(config, { recursive: true });
    for (const file of ['opensearch.yml', 'log4j2.properties'])
      cpSync(join(home, 'config', file), join(config, file));
    writeFileSync(
      join(config, 'jvm.options'),
      expandTemplate(readFileSync(join(deployDir, 'cluster/opensearch/jvm.options'), 'utf8'), {
        TRACELOG_OPENSEARCH_HEAP: `${this.heapMiB}m`,
      }),
    );
    for (const sub of ['data', 'logs', 'tmp']) mkdirSync(join(this.dir, sub), { recursive: true });
    if (root) execFileSync('chown', ['-R', '65534:65534', this.dir]);
    const args = [
      '-Ecluster.name=tracelog',
      `-Enode.name=${this.name}`,
      `-Enode.roles=${this.roles.join(',')}`,
      `-Epath.data=${join(this.dir, 'data')}`,
      `-Epath.logs=${join(this.dir, 'logs')}`,
      '-Enetwork.host=127.0.0.1',
      `-Ehttp.port=${this.httpPort}`,
      `-Etransport.port=${this.transportPort}`,
      `-Ediscovery.seed_hosts=${this.cluster.seeds.join(',')}`,
      `-Ecluster.initial_cluster_manager_nodes=${this.cluster.managers.join(',')}`,
      // Test machines' disks are often fuller than the default watermarks allow.
      '-Ecluster.routing.allocation.disk.threshold_enabled=false',
    ];
    const bin = join(home, 'bin/opensearch');
    this.launch(
      root ? 'setpriv' : bin,
      root ? ['--reuid=65534', '--regid=65534', '--clear-groups', bin, ...args] : args,
      {
        OPENSEARCH_PATH_CONF: config,
        OPENSEARCH_TMPDIR: join(this.dir, 'tmp'),
        JAVA_HOME: process.env.JAVA_HOME ?? '/usr/lib/jvm/java-17-openjdk-amd64',
      },
      join(this.dir, 'opensearch.log'),
    );
    await this.readying(() =>
      waitFor(async () => (await fetch(this.url)).ok, 180_000, `OpenSearch ${this.name}`).then(
        () => undefined,
        (error: unknown) => {
          throw new Error(`${String(error)}; it said: ${this.output.join('').slice(-2000)}`);
        },
      ),
    );
    return this;
  }
}

/**
 * OpenSearch nodes as one cluster: the first node is the only cluster-manager-eligible one (two
 * eligible nodes cannot elect a manager once one is gone; a production cluster has three), the
 * others hold data, so any one of them can be lost.
 */
export class OpenSearchCluster {
  readonly nodes: OpenSearchNode[];

  constructor(size = 2, heapMiB = 256) {
    this.nodes = Array.from(
      { length: size },
      (_, i) =>
        new OpenSearchNode(
          `os-${i + 1}`,
          i === 0 ? ['cluster_manager', 'data', 'ingest'] : ['data', 'ingest'],
          heapMiB,
        ),
    );
  }

  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  async start(): Promise<this> {
    await Promise.all(this.nodes.map((n) => n.ports()));
    for (const node of this.nodes)
      node.cluster = {
        seeds: this.nodes.map((n) => `127.0.0.1:${n.transportPort}`),
        managers: [this.nodes[0]!.name],
      };
    await Promise.all(this.nodes.map((n) => n.start()));
    await this.health(`wait_for_nodes=${this.nodes.length}`);
    return this;
  }

  /** Cluster health, waiting for the given condition (e.g. `wait_for_status=green`). */
  async health(wait: string, via = this.nodes[0]!): Promise<{ status: string }> {
    return waitFor(
      async () => {
        const response = await fetch(`${via.url}/_cluster/health?${wait}&timeout=10s`);
        const body = (await response.json()) as { status: string; timed_out: boolean };
        return response.ok && !body.timed_out ? body : undefined;
      },
      180_000,
      `OpenSearch cluster health ${wait}`,
    );
  }

  /** The span documents Jaeger stored for a service, and how many distinct span ids they hold. */
  async spans(service: string): Promise<{ spans: number; unique: number }> {
    const via = this.nodes[0]!.url;
    await fetch(`${via}/jaeger-main-jaeger-span-*/_refresh`, { method: 'POST' });
    const response = await fetch(`${via}/jaeger-main-jaeger-span-*/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A terms bucket per span id is exact (a cardinality aggregation is an estimate).
      body: JSON.stringify({
        size: 0,
        track_total_hits: true,
        query: { term: { 'process.serviceName': service } },
        aggs: { ids: { terms: { field: 'spanID', size: 60_000 } } },
      }),
    });
    const body = (await response.json()) as {
      hits?: { total: { value: number } };
      aggregations?: { ids: { buckets: unknown[]; sum_other_doc_count: number } };
    };
    if (!response.ok) throw new Error(`OpenSearch span count: ${JSON.stringify(body)}`);
    const ids = body.aggregations?.ids;
    if (ids && ids.sum_other_doc_count > 0)
      throw new Error('more span ids than one search returns');
    // No span index yet (nothing stored): no aggregation either.
    return { spans: body.hits?.total.value ?? 0, unique: ids?.buckets.length ?? 0 };
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}

/**
 * Jaeger v2 with OpenSearch as its store (deploy/cluster/jaeger-opensearch.yaml): several Jaeger
 * processes may share one trace store. The query API is Jaeger's, as for the Badger one.
 */
export class SharedJaeger extends Jaeger {
  private extraPorts: Record<string, number> = {};

  constructor(private readonly opensearch: OpenSearchCluster) {
    super();
  }

  override async start(): Promise<this> {
    if (!this.queryPort) {
      this.queryPort = await freePort();
      this.otlpPort = await freePort();
      this.extraPorts = {
        TRACELOG_JAEGER_QUERY_GRPC_PORT: await freePort(),
        TRACELOG_JAEGER_OTLP_GRPC_PORT: await freePort(),
        TRACELOG_JAEGER_HEALTH_PORT: await freePort(),
        TRACELOG_JAEGER_METRICS_PORT: await freePort(),
      };
    }
    this.launch(
      stackBinaries().jaegerBin,
      ['--config', join(deployDir, 'cluster/jaeger-opensearch.yaml')],
      {
        TRACELOG_OPENSEARCH_URLS: JSON.stringify(this.opensearch.urls),
        TRACELOG_JAEGER_QUERY_PORT: String(this.queryPort),
        TRACELOG_JAEGER_OTLP_HTTP_PORT: String(this.otlpPort),
        ...Object.fromEntries(Object.entries(this.extraPorts).map(([k, v]) => [k, String(v)])),
      },
      join(this.dir, 'jaeger.log'),
    );
    await this.readying(() =>
      waitFor(async () => (await fetch(`${this.url}/api/services`)).ok, 120_000, 'Jaeger').then(
        () => undefined,
      ),
    );
    return this;
  }
}

/**
 * One Prometheus of an HA pair: the single-machine configuration (collector/prometheus) made a
 * replica by deploy/cluster/prometheus-replica.mjs: its own `replica` external label, every
 * Alertmanager of the cluster, the replica label dropped from alerts (both servers then send
 * identical alerts, which the Alertmanager cluster notifies once), the gateway's name promoted.
 */
export class PrometheusReplica extends Prometheus {
  constructor(
    private readonly replica: string,
    private readonly alertmanagers: string[],
    opts: PrometheusOptions,
  ) {
    super(opts);
  }

  /** Prometheus.start() writes the single-machine configuration; the replica's goes over it. */
  protected override launch(
    command: string,
    args: string[],
    env: Record<string, string>,
    log: string,
  ): void {
    const file = args.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
    const replica = execFileSync(
      process.execPath,
      [join(deployDir, 'cluster/prometheus-replica.mjs'), file],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          TRACELOG_PROMETHEUS_REPLICA: this.replica,
          TRACELOG_ALERTMANAGER_TARGETS: JSON.stringify(this.alertmanagers),
        },
      },
    );
    writeFileSync(file, replica);
    super.launch(command, args, env, log);
  }
}

/**
 * One Alertmanager of a cluster: the single-machine one, gossiping with its peers on loopback
 * ports (`--cluster.*`), so a notification one of them sent is not sent again by another.
 */
export class ClusteredAlertmanager extends Alertmanager {
  gossipPort = 0;
  peers: number[] = [];

  protected override launch(
    command: string,
    args: string[],
    env: Record<string, string>,
    log: string,
  ): void {
    const gossip = [
      `--cluster.listen-address=127.0.0.1:${this.gossipPort}`,
      `--cluster.advertise-address=127.0.0.1:${this.gossipPort}`,
      ...this.peers.map((port) => `--cluster.peer=127.0.0.1:${port}`),
      // How long a peer waits for the one before it to notify, and for its notification log
      // entry to arrive by gossip (default 15 s). Loopback gossip takes milliseconds, but on a
      // loaded two-core machine 3 s was seen too short: both peers notified one group.
      '--cluster.peer-timeout=10s',
    ];
    super.launch(
      command,
      args.flatMap((a) => (a.startsWith('--cluster.listen-address=') ? gossip : [a])),
      env,
      log,
    );
  }

  /** How many members it sees in its cluster (itself included). */
  async members(): Promise<number> {
    const body = (await (await fetch(`${this.url}/api/v2/status`)).json()) as {
      cluster: { peers: unknown[] };
    };
    return body.cluster.peers.length;
  }
}

/** Alertmanagers that gossip with each other, on free ports: one per options given. */
export async function alertmanagerCluster(
  members: AlertmanagerOptions[],
): Promise<ClusteredAlertmanager[]> {
  const cluster = members.map((opts) => new ClusteredAlertmanager(opts));
  for (const m of cluster) m.gossipPort = await freePort();
  for (const m of cluster) m.peers = cluster.filter((o) => o !== m).map((o) => o.gossipPort);
  await Promise.all(cluster.map((m) => m.start()));
  await waitFor(
    async () =>
      (await Promise.all(cluster.map((m) => m.members()))).every((n) => n === cluster.length),
    60_000,
    'the Alertmanagers to see each other',
  );
  return cluster;
}

export interface EmitterOptions {
  /** The agent (or any collector) it sends to. */
  via: { url: string };
  service: string;
  run: string;
  count: number;
  /** Units per second. */
  rate: number;
  level?: 'info' | 'error';
}

/**
 * A service on @tracelog/node sending `count` units (a span with a log record inside it, both
 * carrying `run` and `seq`) at `rate` per second (test/e2e/fixtures/cluster-emitter.mjs). Its
 * `line` resolves with "done <count>" once it has emitted them all.
 */
export function startEmitter(opts: EmitterOptions): Service {
  return startService(
    new URL('../e2e/fixtures/', import.meta.url).pathname,
    'cluster-emitter.mjs',
    {
      OTEL_EXPORTER_OTLP_ENDPOINT: opts.via.url,
      OTEL_SERVICE_NAME: opts.service,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      TRACELOG_SPOOL_DIR: join(workDir('spool'), 'spool'),
      COUNT: String(opts.count),
      RATE: String(opts.rate),
      RUN: opts.run,
      LEVEL: opts.level ?? 'info',
    },
  );
}
