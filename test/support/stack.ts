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
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { freeLoopbackPort } from '@tracelog/test-utils';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync, inflateSync, zstdDecompressSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';

/**
 * The real stack for end-to-end tests: our collector build and the back ends it writes to, each on
 * free loopback ports with its own temporary data, started and stopped by the tests. Binaries come
 * from `collector/scripts/stack.sh`, which fetches or builds them into the cache on first use.
 * Loki is never started here (it is AGPL-3.0): Loki cases reach a Loki the user runs, at
 * TRACELOG_LOKI_URL (see `Loki` below).
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
  };
  return binaries;
}

/** A free loopback port (the one helper the tests and the benchmarks share). */
export const freePort = freeLoopbackPort;

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

  /** The running process's id, if it runs. */
  get pid(): number | undefined {
    return this.child && this.child.exitCode === null && this.child.signalCode === null
      ? this.child.pid
      : undefined;
  }

  /**
   * Runs what makes a started process usable (waiting until it answers, loading templates); if
   * that fails, the process is stopped before the error goes on, so a stack that fails to start
   * part-way leaves nothing running behind it.
   */
  protected async readying(steps: () => Promise<void>): Promise<void> {
    try {
      await steps();
    } catch (error) {
      await this.stop();
      throw error;
    }
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
    await this.readying(async () => {
      await waitFor(
        async () =>
          (await fetch(`${this.url}/_cluster/health?wait_for_status=yellow&timeout=1s`)).ok,
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
    });
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

/**
 * Loki is AGPL-3.0: the tests never build, download or start it. Its cases run against a Loki the
 * user runs and names in TRACELOG_LOKI_URL (the compose file's, configured by
 * collector/loki/config.yaml and loading dashboards/loki-rules); without one they are skipped,
 * with `LOKI_SKIP_REASON` in their titles (see `lokiTitle`).
 */
export const lokiUrl: string | undefined =
  process.env.TRACELOG_LOKI_URL?.trim().replace(/\/+$/, '') || undefined;

export const LOKI_SKIP_REASON =
  'needs a Loki you run: set TRACELOG_LOKI_URL (e.g. docker compose -f collector/docker-compose.yml up loki)';

/** A test or suite title that says, when no Loki was given, why it is skipped. */
export function lokiTitle(title: string): string {
  return lokiUrl ? title : `${title} [skipped: ${LOKI_SKIP_REASON}]`;
}

/**
 * A per-run value (service name, environment, run id) for Loki queries: records in a Loki the
 * user runs persist between test runs, so every query must name something only this run wrote.
 */
export function runTag(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** One log line read back from Loki: its stream labels merged with its structured metadata. */
export interface LokiEntry {
  /** Nanoseconds since the epoch, as Loki returns it. */
  ts: string;
  line: string;
  labels: Record<string, string>;
}

/** A client of the user's Loki (`TRACELOG_LOKI_URL`). */
export class Loki {
  constructor(private readonly base: string | undefined = lokiUrl) {}

  get url(): string {
    if (!this.base) throw new Error(`no Loki: ${LOKI_SKIP_REASON}`);
    return this.base;
  }

  /** Resolves once Loki answers `/ready`; fails with what it said otherwise. */
  async ready(timeoutMs = 60_000): Promise<this> {
    let said = '';
    await waitFor(
      async () => {
        const response = await fetch(`${this.url}/ready`);
        said = `${response.status} ${await response.text()}`;
        return response.ok;
      },
      timeoutMs,
      `the Loki at ${this.url} to be ready (it answered: ${said || 'nothing'})`,
    );
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

  /** The value of an instant metric query that yields one sample (0 when it yields none). */
  async scalar(query: string): Promise<number> {
    const { result } = await this.request('query', query);
    return Number((result[0] as { value?: [number, string] } | undefined)?.value?.[1] ?? 0);
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

  /** The index label sets of the streams a selector matches within the last `sinceMs`. */
  async series(selector: string, sinceMs = 3_600_000): Promise<Array<Record<string, string>>> {
    const now = Date.now();
    const search = new URLSearchParams({
      'match[]': selector,
      start: `${(now - sinceMs) * 1e6}`,
      end: `${(now + 60_000) * 1e6}`,
    });
    const response = await fetch(`${this.url}/loki/api/v1/series?${search}`);
    const text = await response.text();
    if (!response.ok) throw new Error(`Loki series ${selector}: ${response.status} ${text}`);
    return (JSON.parse(text) as { data: Array<Record<string, string>> }).data;
  }
}

/**
 * A loopback gate the collector exports to Loki through. Closing it is a Loki outage as the
 * collector sees it (connections refused), which the tests cannot otherwise cause on a Loki they
 * do not run; it also counts the log records Loki accepted through it (answered 2xx), exactly,
 * where Loki's own counters would include everyone else's traffic.
 */
export class LokiGate {
  port = 0;
  /** Log records in OTLP requests Loki answered with 2xx. */
  accepted = 0;
  private server: Server | undefined;

  constructor(private readonly target: string) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<this> {
    const server = createHttpServer((request, response) => {
      void this.forward(request).then(
        ({ status, headers, body }) => {
          response.writeHead(status, headers);
          response.end(body);
        },
        (error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(`gate: ${String(error)}`);
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  /** Refuses connections from now on (including the collector's kept-alive ones). */
  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  private async forward(
    request: IncomingMessage,
  ): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)) continue;
      if (typeof value === 'string') headers[name] = value;
    }
    const response = await fetch(`${this.target}${request.url ?? '/'}`, {
      method: request.method,
      headers,
      body: ['GET', 'HEAD'].includes(request.method ?? 'GET') ? undefined : body,
    });
    const answer = Buffer.from(await response.arrayBuffer());
    if (response.ok && request.url?.startsWith('/otlp/v1/logs')) {
      this.accepted += otlpLogRecordCount(
        body,
        headers['content-encoding'],
        headers['content-type'],
      );
    }
    const type = response.headers.get('content-type');
    return { status: response.status, headers: type ? { 'content-type': type } : {}, body: answer };
  }
}

/** How many log records an OTLP/HTTP logs request body holds (protobuf or JSON, compressed or not). */
function otlpLogRecordCount(raw: Buffer, encoding = '', type = ''): number {
  const body =
    encoding === 'gzip'
      ? gunzipSync(raw)
      : encoding === 'deflate'
        ? inflateSync(raw)
        : encoding === 'zstd'
          ? zstdDecompressSync(raw)
          : raw;
  if (type.includes('json')) {
    const request = JSON.parse(body.toString()) as {
      resourceLogs?: Array<{ scopeLogs?: Array<{ logRecords?: unknown[] }> }>;
    };
    return (request.resourceLogs ?? [])
      .flatMap((r) => r.scopeLogs ?? [])
      .reduce((sum, s) => sum + (s.logRecords?.length ?? 0), 0);
  }
  // ExportLogsServiceRequest: resource_logs = 1 → ResourceLogs.scope_logs = 2 →
  // ScopeLogs.log_records = 2 (opentelemetry-proto, logs/v1 and collector/logs/v1).
  let count = 0;
  for (const resourceLogs of protoFields(body, 1))
    for (const scopeLogs of protoFields(resourceLogs, 2))
      count += [...protoFields(scopeLogs, 2)].length;
  return count;
}

/** The length-delimited values of one field number in a protobuf message. */
function* protoFields(message: Buffer, wanted: number): Generator<Buffer> {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let factor = 1;
    for (;;) {
      const byte = message[at++]!;
      value += (byte & 0x7f) * factor;
      if (byte < 0x80) return value;
      factor *= 128;
    }
  };
  while (at < message.length) {
    const key = varint();
    const wire = key % 8;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (Math.floor(key / 8) === wanted) yield message.subarray(at, at + length);
      at += length;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
}

/**
 * Elasticsearch and our collector for one test file: started before its tests, stopped after
 * them (work folders removed), also when a test failed. Read `es` and `collector` inside tests.
 */
export function useStack(): { readonly es: Elasticsearch; readonly collector: Collector } {
  const stack = {} as { es: Elasticsearch; collector: Collector };
  beforeAll(async () => {
    stack.es = await new Elasticsearch().start();
    stack.collector = await new Collector({ elasticsearch: stack.es }).start();
  });
  afterAll(async () => {
    await stack.collector?.stop();
    await stack.es?.stop();
    removeWorkDirs();
  });
  return stack;
}

export interface CollectorOptions {
  elasticsearch: Elasticsearch;
  /** A Loki to export logs to as well (the user's, or a `LokiGate` in front of it). */
  lokiUrl?: string;
  /** Extra environment for the collector (e.g. TRACELOG_CORS_ORIGIN). */
  env?: Record<string, string>;
  /** How long it may take to answer its health check. @default 60000 */
  readyTimeoutMs?: number;
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
        // Loki only when the test was given one; never a Loki from the caller's environment.
        ...(this.opts.lokiUrl
          ? {
              TRACELOG_LOKI_ENDPOINT: `${this.opts.lokiUrl}/otlp`,
              TRACELOG_LOKI_EXPORTERS: '[otlp_http/loki]',
            }
          : { TRACELOG_LOKI_EXPORTERS: '[nop]' }),
        TRACELOG_STORAGE_DIR: join(this.dir, 'storage'),
        TRACELOG_OTLP_HTTP_ENDPOINT: `127.0.0.1:${this.httpPort}`,
        TRACELOG_OTLP_GRPC_ENDPOINT: `127.0.0.1:${this.grpcPort}`,
        TRACELOG_HEALTH_ENDPOINT: `127.0.0.1:${this.healthPort}`,
        ...this.opts.env,
      },
      join(this.dir, 'collector.log'),
    );
    await this.readying(() =>
      waitFor(
        async () => (await fetch(`http://127.0.0.1:${this.healthPort}/`)).ok,
        this.opts.readyTimeoutMs ?? 60_000,
        'the collector',
      ).then(() => undefined),
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
