import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/**
 * The real stack for end-to-end tests: our collector build, Elasticsearch and Loki, each on free
 * loopback ports with its own temporary data, started and stopped by the tests. Binaries come
 * from `collector/scripts/stack.sh`, which fetches or builds them into the cache on first use.
 */

const repo = new URL('../../', import.meta.url).pathname;

export interface StackBinaries {
  collectorBin: string;
  collectorConfig: string;
  esHome: string;
  esJavaHome: string;
  esTemplates: string;
  /** The system user Elasticsearch runs as when the tests run as root (it refuses root). */
  esRunAs: string;
  prometheusBin: string;
  promtoolBin: string;
  /** A template: see collector/prometheus/prometheus.yml. */
  prometheusConfig: string;
  prometheusRules: string;
  alertmanagerBin: string;
  /** A template: see collector/alertmanager/alertmanager.yml. */
  alertmanagerConfig: string;
  lokiBin: string;
  lokiConfig: string;
}

let binaries: StackBinaries | undefined;

export function stackBinaries(): StackBinaries {
  if (binaries) return binaries;
  const out = execFileSync('bash', [join(repo, 'collector/scripts/stack.sh'), 'env'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_800_000,
  });
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replace(/^'(.*)'$/, '$1');
  }
  binaries = {
    collectorBin: env.TRACELOG_COLLECTOR_BIN!,
    collectorConfig: env.TRACELOG_COLLECTOR_CONFIG!,
    esHome: env.TRACELOG_ES_HOME!,
    esJavaHome: env.TRACELOG_ES_JAVA_HOME!,
    esTemplates: env.TRACELOG_ES_TEMPLATES!,
    esRunAs: env.TRACELOG_ES_RUN_AS ?? '',
    prometheusBin: env.TRACELOG_PROMETHEUS_BIN!,
    promtoolBin: env.TRACELOG_PROMTOOL_BIN!,
    prometheusConfig: env.TRACELOG_PROMETHEUS_CONFIG!,
    prometheusRules: env.TRACELOG_PROMETHEUS_RULES!,
    alertmanagerBin: env.TRACELOG_ALERTMANAGER_BIN!,
    alertmanagerConfig: env.TRACELOG_ALERTMANAGER_CONFIG!,
    lokiBin: env.TRACELOG_LOKI_BIN ?? '',
    lokiConfig: env.TRACELOG_LOKI_CONFIG!,
  };
  return binaries;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const workDirs: string[] = [];
export function workDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `tracelog-${prefix}-`));
  chmodSync(dir, 0o755);
  workDirs.push(dir);
  return dir;
}
export function removeWorkDirs(): void {
  for (const dir of workDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A managed child process that can be stopped, killed and started again with the same data. */
export abstract class Managed {
  protected child: ChildProcess | undefined;
  /** The process's recent output, for failure messages. */
  output: string[] = [];
  protected exited: Promise<void> = Promise.resolve();

  protected launch(
    command: string,
    args: string[],
    env: Record<string, string>,
    log: string,
  ): void {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: false,
    });
    const lines: string[] = [];
    this.output = lines;
    const keep = (chunk: Buffer) => {
      lines.push(chunk.toString());
      if (lines.length > 200) lines.shift();
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        writeFileSync(log, lines.join(''));
        resolve();
      }),
    );
    this.child = child;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }

  kill(): Promise<void> {
    return this.stop('SIGKILL');
  }

  abstract start(): Promise<this>;

  async restart(): Promise<this> {
    await this.stop();
    return this.start();
  }
}

export class Elasticsearch extends Managed {
  readonly dir = workDir('es');
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const bin = stackBinaries();
    if (!this.port) {
      this.port = await freePort();
      const conf = join(this.dir, 'config');
      mkdirSync(join(this.dir, 'data'), { recursive: true });
      mkdirSync(join(this.dir, 'logs'), { recursive: true });
      cpSync(join(bin.esHome, 'config'), conf, { recursive: true });
      const transport = await freePort();
      writeFileSync(
        join(conf, 'elasticsearch.yml'),
        [
          'cluster.name: tracelog-test',
          `path.data: ${join(this.dir, 'data')}`,
          `path.logs: ${join(this.dir, 'logs')}`,
          'network.host: 127.0.0.1',
          `http.port: ${this.port}`,
          `transport.port: ${transport}`,
          'discovery.type: single-node',
          'xpack.security.enabled: false',
          'action.destructive_requires_name: false',
          '',
        ].join('\n'),
      );
      if (bin.esRunAs) chownRecursive(this.dir, bin.esRunAs);
    }
    const env = {
      ES_PATH_CONF: join(this.dir, 'config'),
      ES_JAVA_HOME: bin.esJavaHome,
      ES_JAVA_OPTS: '-Xms512m -Xmx512m',
    };
    const es = join(bin.esHome, 'bin/elasticsearch');
    if (bin.esRunAs) {
      this.launch(
        'runuser',
        ['-u', bin.esRunAs, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), es],
        {},
        join(tmpdir(), `es-${this.port}.log`),
      );
    } else {
      this.launch(es, [], env, join(tmpdir(), `es-${this.port}.log`));
    }
    await waitFor(
      async () => (await fetch(`${this.url}/_cluster/health?wait_for_status=yellow&timeout=1s`)).ok,
      180_000,
      'Elasticsearch',
    );
    for (const file of readdirSync(bin.esTemplates).filter((f) => f.endsWith('.template.json'))) {
      const response = await fetch(
        `${this.url}/_index_template/${basename(file, '.template.json')}`,
        {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: readFileSync(join(bin.esTemplates, file)),
        },
      );
      if (!response.ok)
        throw new Error(`template ${file}: ${response.status} ${await response.text()}`);
    }
    return this;
  }

  /** Documents matching `query` (refreshes first, so what was indexed is visible). */
  async search(
    index: string,
    query: unknown,
    size = 10_000,
  ): Promise<Array<Record<string, unknown>>> {
    await fetch(`${this.url}/${index}/_refresh`, { method: 'POST' });
    const response = await fetch(`${this.url}/${index}/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query, size, sort: [{ '@timestamp': 'asc' }] }),
    });
    if (response.status === 404) return [];
    const body = (await response.json()) as {
      hits?: { hits: Array<{ _source: Record<string, unknown> }> };
    };
    return (body.hits?.hits ?? []).map((hit) => hit._source);
  }

  async count(index: string, query: unknown): Promise<number> {
    await fetch(`${this.url}/${index}/_refresh`, { method: 'POST' });
    const response = await fetch(`${this.url}/${index}/_count`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    if (response.status === 404) return 0;
    return ((await response.json()) as { count: number }).count;
  }
}

/** One log line read back from Loki: its stream labels merged with its structured metadata. */
export interface LokiEntry {
  /** Nanoseconds since the epoch, as Loki returns it. */
  ts: string;
  line: string;
  labels: Record<string, string>;
}

export interface LokiOptions {
  /** Folder holding `<tenant>/*.yaml` ruler files (default: none, the ruler has nothing to load). */
  rulesDir?: string;
}

export class Loki extends Managed {
  readonly dir = workDir('loki');
  port = 0;
  private grpcPort = 0;

  constructor(private readonly opts: LokiOptions = {}) {
    super();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const bin = stackBinaries();
    if (!this.port) {
      this.port = await freePort();
      this.grpcPort = await freePort();
    }
    const emptyRules = join(this.dir, 'no-rules');
    mkdirSync(emptyRules, { recursive: true });
    this.launch(
      bin.lokiBin,
      [`-config.file=${bin.lokiConfig}`, '-config.expand-env=true'],
      {
        TRACELOG_LOKI_DIR: join(this.dir, 'data'),
        TRACELOG_LOKI_PORT: String(this.port),
        TRACELOG_LOKI_GRPC_PORT: String(this.grpcPort),
        TRACELOG_LOKI_RULES: this.opts.rulesDir ?? emptyRules,
      },
      join(this.dir, 'loki.log'),
    );
    await waitFor(async () => (await fetch(`${this.url}/ready`)).ok, 120_000, 'Loki');
    return this;
  }

  /** Runs a LogQL query through Loki's HTTP API and returns its JSON `data`. */
  async request(
    path: 'query_range' | 'query',
    query: string,
    params: Record<string, string> = {},
  ): Promise<{ resultType: string; result: unknown[] }> {
    const search = new URLSearchParams({ query, ...params });
    const response = await fetch(`${this.url}/loki/api/v1/${path}?${search}`);
    const text = await response.text();
    if (!response.ok) throw new Error(`Loki ${path} ${query}: ${response.status} ${text}`);
    return (JSON.parse(text) as { data: { resultType: string; result: unknown[] } }).data;
  }

  /** Log lines Loki's distributor has accepted so far, duplicates included. */
  async linesReceived(): Promise<number> {
    const metrics = await (await fetch(`${this.url}/metrics`)).text();
    return [...metrics.matchAll(/^loki_distributor_lines_received_total\{[^}]*\} (\S+)$/gm)].reduce(
      (sum, m) => sum + Number(m[1]),
      0,
    );
  }

  /** Log lines matching a LogQL log query within the last `sinceMs`, oldest first. */
  async logs(query: string, sinceMs = 3_600_000, limit = 5000): Promise<LokiEntry[]> {
    const now = Date.now();
    const data = await this.request('query_range', query, {
      start: `${(now - sinceMs) * 1e6}`,
      end: `${(now + 60_000) * 1e6}`,
      limit: String(limit),
      direction: 'forward',
    });
    const streams = data.result as Array<{ stream: Record<string, string>; values: string[][] }>;
    return streams
      .flatMap((s) => s.values.map(([ts, line]) => ({ ts: ts!, line: line!, labels: s.stream })))
      .sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : BigInt(a.ts) > BigInt(b.ts) ? 1 : 0));
  }
}

export interface CollectorOptions {
  elasticsearch: Elasticsearch;
  lokiUrl?: string;
  /** Extra environment for the collector (e.g. TRACELOG_CORS_ORIGIN). */
  env?: Record<string, string>;
}

export class Collector extends Managed {
  readonly dir = workDir('collector');
  httpPort = 0;
  private grpcPort = 0;
  private healthPort = 0;

  constructor(private readonly opts: CollectorOptions) {
    super();
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async start(): Promise<this> {
    const bin = stackBinaries();
    if (!this.httpPort) {
      this.httpPort = await freePort();
      this.grpcPort = await freePort();
      this.healthPort = await freePort();
    }
    this.launch(
      bin.collectorBin,
      ['--config', bin.collectorConfig],
      {
        TRACELOG_ES_ENDPOINT: this.opts.elasticsearch.url,
        TRACELOG_LOKI_ENDPOINT: `${this.opts.lokiUrl ?? 'http://127.0.0.1:9'}/otlp`,
        TRACELOG_LOKI_EXPORTERS: this.opts.lokiUrl ? '[otlp_http/loki]' : '[nop]',
        TRACELOG_STORAGE_DIR: join(this.dir, 'storage'),
        TRACELOG_OTLP_HTTP_ENDPOINT: `127.0.0.1:${this.httpPort}`,
        TRACELOG_OTLP_GRPC_ENDPOINT: `127.0.0.1:${this.grpcPort}`,
        TRACELOG_HEALTH_ENDPOINT: `127.0.0.1:${this.healthPort}`,
        ...this.opts.env,
      },
      join(this.dir, 'collector.log'),
    );
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${this.healthPort}/`)).ok,
      60_000,
      'the collector',
    );
    return this;
  }
}

function chownRecursive(dir: string, user: string): void {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const walk = (path: string) => {
    chownSync(path, uid, -1);
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(path, entry.name));
      else chownSync(join(path, entry.name), uid, -1);
    }
  };
  walk(dir);
}
