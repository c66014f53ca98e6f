import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/**
 * The one OTLP/HTTP receiver for tests, on loopback: accepts `/v1/logs`, `/v1/traces` and
 * `/v1/metrics` as JSON or protobuf (metrics as JSON), gzip or not, decodes them into flat
 * records and data points, and can be told to fail (status, Retry-After) or to go down and come
 * back on the same port.
 */

export type Attrs = Record<string, unknown>;

export interface ReceivedLog {
  /** `service.name` of the resource. */
  service: string | undefined;
  resource: Attrs;
  scope: string;
  timeUnixNano: string;
  severityNumber: number;
  severityText: string | undefined;
  body: unknown;
  attributes: Attrs;
  eventName: string | undefined;
  traceId: string | undefined;
  spanId: string | undefined;
}

export interface ReceivedSpan {
  /** `service.name` of the resource. */
  service: string | undefined;
  resource: Attrs;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Attrs;
  status: { code: number; message: string | undefined };
  events: Array<{ name: string; attributes: Attrs }>;
}

/** One data point of one exported metric (OTLP/JSON metrics). */
export interface ReceivedMetricPoint {
  service: string | undefined;
  resource: Attrs;
  scope: string;
  name: string;
  unit: string | undefined;
  kind: 'sum' | 'gauge' | 'histogram' | 'exponentialHistogram';
  attributes: Attrs;
  /** Sum and gauge points: the value. */
  value: number | undefined;
  /** Histogram points: how many measurements and their sum. */
  count: number | undefined;
  sum: number | undefined;
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  contentType: string;
  bytes: number;
  /** The decoded JSON body (JSON requests only). */
  json: unknown;
  /** The body as text (gunzipped), to search for leaked values whatever the encoding. */
  text: string;
}

export interface OtlpReceiverOptions {
  /** Answer CORS preflights and allow any origin (for browser tests). */
  cors?: boolean;
}

export class OtlpReceiver {
  readonly logs: ReceivedLog[] = [];
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetricPoint[] = [];
  readonly requests: ReceivedRequest[] = [];
  port = 0;
  private failure: { status: number; headers: Record<string, string> } | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;

  constructor(private readonly options: OtlpReceiverOptions = {}) {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every request body as text: to prove a value was never exported. */
  get raw(): string[] {
    return this.requests.map((r) => r.text);
  }

  /** Listens on `port` (a free one by default, or the one it had). */
  async start(port = this.port): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as { port: number }).port;
    return this;
  }

  /** Answer every request with this status (and headers) instead of 200; undefined restores. */
  failWith(status: number | undefined, headers: Record<string, string> = {}): void {
    this.failure = status === undefined ? undefined : { status, headers };
  }

  /** Waits until `check()` is true (polling), or throws after `timeoutMs` naming `what`. */
  async waitFor(check: () => boolean, what = 'condition', timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Stops listening and drops open connections; `up()` listens again on the same port. */
  down(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }

  async up(): Promise<void> {
    await this.start(this.port);
  }

  clear(): void {
    this.logs.length = 0;
    this.spans.length = 0;
    this.metrics.length = 0;
    this.requests.length = 0;
  }

  stop(): Promise<void> {
    return this.down();
  }

  private cors(res: ServerResponse): void {
    if (!this.options.cors) return;
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-headers', 'content-type');
    res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.cors(res);
      if (req.method === 'OPTIONS') return void res.writeHead(204).end();
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method !== 'POST' || !/\/v1\/(logs|traces|metrics)$/.test(path)) {
        return void res.writeHead(404).end();
      }
      if (this.failure) {
        return void res.writeHead(this.failure.status, this.failure.headers).end('{}');
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      const contentType = String(req.headers['content-type'] ?? '');
      const isJson = contentType.includes('json');
      let json: unknown;
      try {
        if (isJson) json = JSON.parse(body.toString('utf8'));
        this.requests.push({
          path,
          headers: req.headers,
          contentType,
          bytes: body.length,
          json,
          text: body.toString('utf8'),
        });
        if (path.endsWith('/logs'))
          this.logs.push(...(isJson ? logsFromJson(json) : logsFromProto(body)));
        if (path.endsWith('/traces'))
          this.spans.push(...(isJson ? spansFromJson(json) : spansFromProto(body)));
        if (path.endsWith('/metrics') && isJson) this.metrics.push(...metricsFromJson(json));
      } catch (error) {
        return void res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
      if (isJson) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  }
}

/** A receiver already listening (on `port`, or a free one). */
export function startOtlpReceiver(
  options: OtlpReceiverOptions & { port?: number } = {},
): Promise<OtlpReceiver> {
  return new OtlpReceiver(options).start(options.port);
}

// ---- OTLP/JSON ------------------------------------------------------------------------------

interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
  bytesValue?: string;
}

/** AnyValue → plain JS (int64 as number when safe, else string). */
export function fromAnyValue(v: JsonAnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) {
    const n = Number(v.intValue);
    return Number.isSafeInteger(n) ? n : String(v.intValue);
  }
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(fromAnyValue);
  if (v.kvlistValue) return fromKeyValues(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return undefined;
}

export function fromKeyValues(kvs: JsonKeyValue[] | undefined): Attrs {
  const out: Attrs = {};
  for (const kv of kvs ?? []) out[kv.key] = fromAnyValue(kv.value);
  return out;
}

type J = Record<string, unknown>;
const arr = (v: unknown): J[] => (Array.isArray(v) ? (v as J[]) : []);
const str = (v: unknown): string | undefined =>
  v === undefined || v === '' ? undefined : String(v);

function logsFromJson(body: unknown): ReceivedLog[] {
  const out: ReceivedLog[] = [];
  for (const rl of arr((body as J).resourceLogs)) {
    const resource = fromKeyValues((rl.resource as J | undefined)?.attributes as JsonKeyValue[]);
    for (const sl of arr(rl.scopeLogs)) {
      const scope = String((sl.scope as J | undefined)?.name ?? '');
      for (const r of arr(sl.logRecords)) {
        out.push({
          service: serviceOf(resource),
          resource,
          scope,
          timeUnixNano: String(r.timeUnixNano ?? '0'),
          severityNumber: Number(r.severityNumber ?? 0),
          severityText: str(r.severityText),
          body: fromAnyValue(r.body as JsonAnyValue),
          attributes: fromKeyValues(r.attributes as JsonKeyValue[]),
          eventName: str(r.eventName),
          traceId: str(r.traceId),
          spanId: str(r.spanId),
        });
      }
    }
  }
  return out;
}

const serviceOf = (resource: Attrs) =>
  resource['service.name'] === undefined ? undefined : String(resource['service.name']);

const METRIC_KINDS = ['sum', 'gauge', 'histogram', 'exponentialHistogram'] as const;
const num = (v: unknown) => (v === undefined ? undefined : Number(v));

function metricsFromJson(body: unknown): ReceivedMetricPoint[] {
  const out: ReceivedMetricPoint[] = [];
  for (const rm of arr((body as J).resourceMetrics)) {
    const resource = fromKeyValues((rm.resource as J | undefined)?.attributes as JsonKeyValue[]);
    for (const sm of arr(rm.scopeMetrics)) {
      const scope = String((sm.scope as J | undefined)?.name ?? '');
      for (const m of arr(sm.metrics)) {
        for (const kind of METRIC_KINDS) {
          for (const dp of arr((m[kind] as J | undefined)?.dataPoints)) {
            out.push({
              service: serviceOf(resource),
              resource,
              scope,
              name: String(m.name),
              unit: str(m.unit),
              kind,
              attributes: fromKeyValues(dp.attributes as JsonKeyValue[]),
              value: num(dp.asInt ?? dp.asDouble),
              count: num(dp.count),
              sum: num(dp.sum),
            });
          }
        }
      }
    }
  }
  return out;
}

function spansFromJson(body: unknown): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of arr((body as J).resourceSpans)) {
    const resource = fromKeyValues((rs.resource as J | undefined)?.attributes as JsonKeyValue[]);
    for (const ss of arr(rs.scopeSpans)) {
      const scope = String((ss.scope as J | undefined)?.name ?? '');
      for (const s of arr(ss.spans)) {
        const status = (s.status ?? {}) as J;
        out.push({
          service: serviceOf(resource),
          resource,
          scope,
          traceId: String(s.traceId),
          spanId: String(s.spanId),
          parentSpanId: str(s.parentSpanId),
          name: String(s.name),
          kind: Number(s.kind ?? 0),
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          attributes: fromKeyValues(s.attributes as JsonKeyValue[]),
          status: { code: Number(status.code ?? 0), message: str(status.message) },
          events: arr(s.events).map((e) => ({
            name: String(e.name),
            attributes: fromKeyValues(e.attributes as JsonKeyValue[]),
          })),
        });
      }
    }
  }
  return out;
}

// ---- OTLP/protobuf: a minimal wire-format reader for the fields tests look at ------------------

type Field = bigint | Uint8Array | number;
type Fields = Map<number, Field[]>;

function readMessage(buf: Uint8Array): Fields {
  const fields: Fields = new Map();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const tag = Number(varint());
    const field = tag >>> 3;
    let value: Field;
    switch (tag & 7) {
      case 0:
        value = varint();
        break;
      case 1:
        value = new DataView(buf.buffer, buf.byteOffset + pos, 8).getBigUint64(0, true);
        pos += 8;
        break;
      case 2: {
        const len = Number(varint());
        value = buf.subarray(pos, pos + len);
        pos += len;
        break;
      }
      case 5:
        value = new DataView(buf.buffer, buf.byteOffset + pos, 4).getUint32(0, true);
        pos += 4;
        break;
      default:
        throw new Error(`unsupported protobuf wire type ${tag & 7}`);
    }
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

const dec = new TextDecoder();
const msgs = (f: Fields, n: number) => (f.get(n) ?? []).map((v) => readMessage(v as Uint8Array));
const one = (f: Fields, n: number) => f.get(n)?.[0];
const text = (f: Fields, n: number) => {
  const v = one(f, n);
  return v instanceof Uint8Array ? dec.decode(v) : undefined;
};
const hex = (f: Fields, n: number) => {
  const v = one(f, n);
  return v instanceof Uint8Array && v.length ? Buffer.from(v).toString('hex') : undefined;
};

function protoAnyValue(f: Fields): unknown {
  if (f.has(1)) return text(f, 1);
  if (f.has(2)) return one(f, 2) === 1n;
  if (f.has(3)) {
    const n = BigInt.asIntN(64, one(f, 3) as bigint);
    return Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
  }
  if (f.has(4)) {
    const b = new DataView(new ArrayBuffer(8));
    b.setBigUint64(0, one(f, 4) as bigint, true);
    return b.getFloat64(0, true);
  }
  if (f.has(5)) return msgs(readMessage(one(f, 5) as Uint8Array), 1).map(protoAnyValue);
  if (f.has(6)) return protoKeyValues(msgs(readMessage(one(f, 6) as Uint8Array), 1));
  if (f.has(7)) return Buffer.from(one(f, 7) as Uint8Array).toString('base64');
  return undefined;
}

function protoKeyValues(kvs: Fields[]): Attrs {
  const out: Attrs = {};
  for (const kv of kvs) {
    const value = one(kv, 2);
    out[text(kv, 1) ?? ''] =
      value instanceof Uint8Array ? protoAnyValue(readMessage(value)) : undefined;
  }
  return out;
}

function logsFromProto(body: Uint8Array): ReceivedLog[] {
  const out: ReceivedLog[] = [];
  for (const rl of msgs(readMessage(body), 1)) {
    const res = msgs(rl, 1)[0];
    const resource = res ? protoKeyValues(msgs(res, 1)) : {};
    for (const sl of msgs(rl, 2)) {
      const scopeMsg = msgs(sl, 1)[0];
      const scope = scopeMsg ? (text(scopeMsg, 1) ?? '') : '';
      for (const r of msgs(sl, 2)) {
        const b = one(r, 5);
        out.push({
          service: serviceOf(resource),
          resource,
          scope,
          timeUnixNano: String(one(r, 1) ?? 0n),
          severityNumber: Number(one(r, 2) ?? 0n),
          severityText: text(r, 3),
          body: b instanceof Uint8Array ? protoAnyValue(readMessage(b)) : undefined,
          attributes: protoKeyValues(msgs(r, 6)),
          eventName: text(r, 12),
          traceId: hex(r, 9),
          spanId: hex(r, 10),
        });
      }
    }
  }
  return out;
}

function spansFromProto(body: Uint8Array): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of msgs(readMessage(body), 1)) {
    const res = msgs(rs, 1)[0];
    const resource = res ? protoKeyValues(msgs(res, 1)) : {};
    for (const ss of msgs(rs, 2)) {
      const scopeMsg = msgs(ss, 1)[0];
      const scope = scopeMsg ? (text(scopeMsg, 1) ?? '') : '';
      for (const s of msgs(ss, 2)) {
        const status = msgs(s, 15)[0];
        out.push({
          service: serviceOf(resource),
          resource,
          scope,
          traceId: hex(s, 1) ?? '',
          spanId: hex(s, 2) ?? '',
          parentSpanId: hex(s, 4),
          name: text(s, 5) ?? '',
          kind: Number(one(s, 6) ?? 0n),
          startTimeUnixNano: String(one(s, 7) ?? 0n),
          endTimeUnixNano: String(one(s, 8) ?? 0n),
          attributes: protoKeyValues(msgs(s, 9)),
          status: {
            code: status ? Number(one(status, 3) ?? 0n) : 0,
            message: status ? text(status, 2) : undefined,
          },
          events: msgs(s, 11).map((e) => ({
            name: text(e, 2) ?? '',
            attributes: protoKeyValues(msgs(e, 3)),
          })),
        });
      }
    }
  }
  return out;
}
