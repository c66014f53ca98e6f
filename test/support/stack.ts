import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { freeLoopbackPort } from '@tracelog/test-utils';
import { lengthDelimited } from './collector-telemetry.js';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, inflateSync, zstdDecompressSync } from 'node:zlib';
import { afterAll, beforeAll } from 'vitest';

/**
 * The real stack for end-to-end tests: our collector build and the stores it writes to
 * (VictoriaLogs for logs, Jaeger for spans), each on free loopback ports with its own temporary
 * data, started and stopped by the tests. Binaries come from `collector/scripts/stack.sh`, which
 * builds them into the cache on first use. Loki and Elasticsearch are never started here (their
 * licences are not permissive): their cases reach stores the user runs, at TRACELOG_LOKI_URL and
 * TRACELOG_ES_URL (see `Loki` and `esUrl` below).
 */

const repo = new URL('../../', import.meta.url).pathname;

export interface StackBinaries {
  collectorBin: string;
  collectorConfig: string;
  /** collector/destinations: one overlay per store the collector can write to. */
  destinationsDir: string;
  victorialogsBin: string;
  jaegerBin: string;
  jaegerConfig: string;
  /** Elasticsearch index templates, applied to a user's Elasticsearch (TRACELOG_ES_URL). */
  esTemplates: string;
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
    destinationsDir: env.TRACELOG_DESTINATIONS_DIR!,
    victorialogsBin: env.TRACELOG_VICTORIALOGS_BIN!,
    jaegerBin: env.TRACELOG_JAEGER_BIN!,
    jaegerConfig: env.TRACELOG_JAEGER_CONFIG!,
    esTemplates: env.TRACELOG_ES_TEMPLATES!,
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
        // Kept for a failed run; a work folder already removed wants no log.
        if (existsSync(dirname(log))) writeFileSync(log, lines.join(''));
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

/** One log record as VictoriaLogs returns it: every field a string, named as in OTLP. */
export type LogRow = Record<string, string>;

/**
 * VictoriaLogs, our log store: records arrive from the collector's `otlp_http/victorialogs`
 * exporter (collector/destinations/victorialogs.yaml) and are read back with LogsQL. Fields:
 * `_msg` (the body), `_time`, `trace_id`, `span_id`, `severity_text`, `severity_number`,
 * `event_name`, `scope.name`, and every resource and record attribute under its own name.
 */
export class VictoriaLogs extends Managed {
  readonly dir = workDir('victorialogs');
  port = 0;

  constructor(private readonly flags: string[] = []) {
    super();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    if (!this.port) this.port = await freePort();
    this.launch(
      stackBinaries().victorialogsBin,
      [
        `-storageDataPath=${join(this.dir, 'data')}`,
        `-httpListenAddr=127.0.0.1:${this.port}`,
        '-retentionPeriod=30d',
        // Searchable within a second of arriving (default 5 s).
        '-inmemoryDataFlushInterval=1s',
        '-loggerLevel=WARN',
        ...this.flags,
      ],
      {},
      join(this.dir, 'victorialogs.log'),
    );
    await this.readying(() =>
      waitFor(async () => (await fetch(`${this.url}/health`)).ok, 60_000, 'VictoriaLogs').then(
        () => undefined,
      ),
    );
    return this;
  }

  /** Records matching a LogsQL query, oldest first (all of time unless the query says otherwise). */
  async query(logsql: string, limit = 100_000): Promise<LogRow[]> {
    const response = await fetch(`${this.url}/select/logsql/query`, {
      method: 'POST',
      body: new URLSearchParams({ query: logsql, limit: String(limit) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`VictoriaLogs query ${logsql}: ${response.status} ${text}`);
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogRow)
      .sort((a, b) => (a._time! < b._time! ? -1 : a._time! > b._time! ? 1 : 0));
  }

  /** How many records a LogsQL filter matches. */
  async count(filter: string): Promise<number> {
    const [row] = await this.query(`${filter} | stats count() as n`);
    return Number(row?.n ?? 0);
  }

  /** Every record of one trace, oldest first. */
  trace(traceId: string): Promise<LogRow[]> {
    return this.query(`trace_id:=${quote(traceId)}`);
  }
}

/** A LogsQL string literal. */
export function quote(value: string): string {
  return JSON.stringify(value);
}

/** One span as Jaeger's query API returns it, with its tags and process flattened. */
export interface JaegerSpan {
  traceId: string;
  spanId: string;
  /** The CHILD_OF reference's span id; undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  service: string;
  /** server, client, producer, consumer or internal (Jaeger's `span.kind` tag). */
  kind: string;
  /** ERROR, OK or UNSET (Jaeger's `otel.status_code` tag, UNSET when absent). */
  status: string;
  /** Start, microseconds since the epoch. */
  startUs: number;
  durationUs: number;
  /** The span's attributes. */
  tags: Record<string, unknown>;
  /** The resource's attributes, service.name included. */
  resource: Record<string, unknown>;
}

interface JaegerTrace {
  spans: Array<{
    traceID: string;
    spanID: string;
    operationName: string;
    references?: Array<{ refType: string; spanID: string }>;
    startTime: number;
    duration: number;
    tags?: Array<{ key: string; value: unknown }>;
    processID: string;
  }>;
  processes: Record<string, { serviceName: string; tags?: Array<{ key: string; value: unknown }> }>;
}

const tagMap = (tags: Array<{ key: string; value: unknown }> = []) =>
  Object.fromEntries(tags.map((t) => [t.key, t.value]));

/** Jaeger's trace ids are 32 hex digits, but ids whose upper half is zero come back shorter. */
const traceIdOf = (id: string) => id.padStart(32, '0');

/**
 * Jaeger v2, our trace store: spans arrive from the collector's `otlp_http/jaeger` exporter
 * (collector/destinations/jaeger.yaml) into Badger, and are read back with its query API.
 */
export class Jaeger extends Managed {
  readonly dir = workDir('jaeger');
  queryPort = 0;
  otlpPort = 0;
  private ports: Record<string, number> = {};

  /** `env`: settings of collector/jaeger/config.yaml to override (e.g. TRACELOG_JAEGER_SPAN_TTL). */
  constructor(private readonly env: Record<string, string> = {}) {
    super();
  }

  /** The query API (Grafana's Jaeger data source URL). */
  get url(): string {
    return `http://127.0.0.1:${this.queryPort}`;
  }

  /** Where OTLP/HTTP spans go (the collector appends /v1/traces). */
  get otlpUrl(): string {
    return `http://127.0.0.1:${this.otlpPort}`;
  }

  async start(): Promise<this> {
    const bin = stackBinaries();
    if (!this.queryPort) {
      this.queryPort = await freePort();
      this.otlpPort = await freePort();
      this.ports = {
        TRACELOG_JAEGER_QUERY_GRPC_PORT: await freePort(),
        TRACELOG_JAEGER_OTLP_GRPC_PORT: await freePort(),
        TRACELOG_JAEGER_HEALTH_PORT: await freePort(),
        TRACELOG_JAEGER_METRICS_PORT: await freePort(),
      };
    }
    this.launch(
      bin.jaegerBin,
      ['--config', bin.jaegerConfig],
      {
        TRACELOG_JAEGER_DATA_DIR: this.dir,
        TRACELOG_JAEGER_QUERY_PORT: String(this.queryPort),
        TRACELOG_JAEGER_OTLP_HTTP_PORT: String(this.otlpPort),
        ...Object.fromEntries(Object.entries(this.ports).map(([k, v]) => [k, String(v)])),
        ...this.env,
      },
      join(this.dir, 'jaeger.log'),
    );
    await this.readying(() =>
      waitFor(async () => (await fetch(`${this.url}/api/services`)).ok, 60_000, 'Jaeger').then(
        () => undefined,
      ),
    );
    return this;
  }

  /** Every span of one trace (empty while Jaeger has none of it). */
  async trace(traceId: string): Promise<JaegerSpan[]> {
    const response = await fetch(`${this.url}/api/traces/${traceId}`);
    if (response.status === 404) return [];
    const body = (await response.json()) as { data?: JaegerTrace[] };
    if (!response.ok) throw new Error(`Jaeger trace ${traceId}: ${response.status}`);
    return (body.data ?? []).flatMap(spansOf);
  }

  /** The spans of a service's most recent traces (whole traces, other services' spans included). */
  async traces(service: string, params: Record<string, string> = {}): Promise<JaegerSpan[]> {
    const search = new URLSearchParams({ service, limit: '1000', lookback: '2h', ...params });
    const response = await fetch(`${this.url}/api/traces?${search}`);
    const body = (await response.json()) as { data?: JaegerTrace[]; errors?: unknown };
    if (!response.ok)
      throw new Error(
        `Jaeger traces ${service}: ${response.status} ${JSON.stringify(body.errors)}`,
      );
    return (body.data ?? []).flatMap(spansOf);
  }

  /** The services Jaeger has spans of. */
  async services(): Promise<string[]> {
    const body = (await (await fetch(`${this.url}/api/services`)).json()) as { data?: string[] };
    return body.data ?? [];
  }
}

function spansOf(trace: JaegerTrace): JaegerSpan[] {
  return trace.spans.map((span) => {
    const tags = tagMap(span.tags);
    const process = trace.processes[span.processID];
    const kind = String(tags['span.kind'] ?? 'internal');
    const status = String(tags['otel.status_code'] ?? 'UNSET');
    delete tags['span.kind'];
    delete tags['otel.status_code'];
    return {
      traceId: traceIdOf(span.traceID),
      spanId: span.spanID,
      parentSpanId: span.references?.find((r) => r.refType === 'CHILD_OF')?.spanID,
      name: span.operationName,
      service: process?.serviceName ?? '',
      kind,
      status,
      startUs: span.startTime,
      durationUs: span.duration,
      tags,
      resource: { ...tagMap(process?.tags), 'service.name': process?.serviceName },
    };
  });
}

/**
 * Elasticsearch's distributions are not permissively licensed: the tests never fetch or start it.
 * Its cases run against an Elasticsearch the user runs and names in TRACELOG_ES_URL (the compose
 * file's `elasticsearch` profile, with the templates in collector/elasticsearch); without one
 * they are skipped, with `ES_SKIP_REASON` in their titles (see `esTitle`).
 */
export const esUrl: string | undefined =
  process.env.TRACELOG_ES_URL?.trim().replace(/\/+$/, '') || undefined;

export const ES_SKIP_REASON =
  'needs an Elasticsearch you run: set TRACELOG_ES_URL (e.g. docker compose -f collector/docker-compose.yml --profile elasticsearch up)';

/** A test or suite title that says, when no Elasticsearch was given, why it is skipped. */
export function esTitle(title: string): string {
  return esUrl ? title : `${title} [skipped: ${ES_SKIP_REASON}]`;
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
  for (const resourceLogs of lengthDelimited(body, 1))
    for (const scopeLogs of lengthDelimited(resourceLogs, 2))
      count += lengthDelimited(scopeLogs, 2).length;
  return count;
}

/**
 * VictoriaLogs, Jaeger and our collector for one test file, or one `describe` block: started
 * before its tests, stopped after them (their work folders removed), also when a test failed.
 * Read them inside tests. `traces: false` leaves Jaeger out (a log-only stack).
 */
export function useStack(options: { traces?: boolean } = {}): {
  readonly logs: VictoriaLogs;
  readonly traces: Jaeger;
  readonly collector: Collector;
} {
  const stack = {} as { logs: VictoriaLogs; traces: Jaeger; collector: Collector };
  beforeAll(async () => {
    [stack.logs, stack.traces] = (await Promise.all([
      new VictoriaLogs().start(),
      options.traces === false ? undefined : new Jaeger().start(),
    ])) as [VictoriaLogs, Jaeger];
    stack.collector = await new Collector({ logs: stack.logs, traces: stack.traces }).start();
  });
  afterAll(async () => {
    await stack.collector?.stop();
    await Promise.all([stack.logs?.stop(), stack.traces?.stop()]);
    // Only its own folders: another stack of the same file may still be running.
    for (const part of [stack.collector, stack.logs, stack.traces])
      if (part) rmSync(part.dir, { recursive: true, force: true });
  });
  return stack;
}

export interface CollectorOptions {
  /** The log store (destinations/victorialogs.yaml); none: no logs pipeline to a store. */
  logs?: VictoriaLogs;
  /** The trace store (destinations/jaeger.yaml); none: no traces pipeline to a store. */
  traces?: Jaeger;
  /** A Loki to export logs to as well (the user's, or a `LokiGate` in front of it). */
  lokiUrl?: string;
  /** An Elasticsearch to export logs and spans to as well (the user's). */
  esUrl?: string;
  /** Extra environment for the collector (e.g. TRACELOG_CORS_ORIGIN). */
  env?: Record<string, string>;
  /** Overlays after the destinations (e.g. collector/config.auth.yaml). */
  overlays?: string[];
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

  /** The --config files: the base, then one overlay per configured destination. */
  get configs(): string[] {
    const bin = stackBinaries();
    const { logs, traces, lokiUrl, esUrl: es, overlays = [] } = this.opts;
    const destinations = [
      logs && 'victorialogs',
      traces && 'jaeger',
      lokiUrl && 'loki',
      es && 'elasticsearch',
    ].filter((name): name is string => Boolean(name));
    return [
      bin.collectorConfig,
      ...destinations.map((name) => join(bin.destinationsDir, `${name}.yaml`)),
      ...overlays,
    ];
  }

  async start(): Promise<this> {
    const bin = stackBinaries();
    if (!this.httpPort) {
      this.httpPort = await freePort();
      this.grpcPort = await freePort();
      this.healthPort = await freePort();
    }
    const { logs, traces, lokiUrl, esUrl: es } = this.opts;
    this.launch(
      bin.collectorBin,
      this.configs.flatMap((file) => ['--config', file]),
      {
        ...(logs ? { TRACELOG_VICTORIALOGS_ENDPOINT: logs.url } : {}),
        ...(traces ? { TRACELOG_JAEGER_OTLP_ENDPOINT: traces.otlpUrl } : {}),
        ...(lokiUrl ? { TRACELOG_LOKI_ENDPOINT: `${lokiUrl}/otlp` } : {}),
        ...(es ? { TRACELOG_ES_ENDPOINT: es } : {}),
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
