import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { gunzipSync } from 'node:zlib';

/**
 * Where a collector under test pushes its own metrics. `service.telemetry.metrics` in
 * collector/config.yaml exports them as OTLP/HTTP protobuf to TRACELOG_PROMETHEUS_OTLP_ENDPOINT
 * (plus `/api/v1/otlp/v1/metrics`) every TRACELOG_COLLECTOR_METRICS_INTERVAL_MS. This keeps the
 * last value of every sum and gauge series it received. The collector's counters are cumulative,
 * so a counter's last value is its total so far.
 */
export class CollectorTelemetry {
  port = 0;
  /** How many exports arrived. */
  exports = 0;
  /** The last value of each series, by metric name and attribute set. */
  private readonly latest = new Map<string, Series>();
  private server: Server | undefined;

  /** The value for TRACELOG_PROMETHEUS_OTLP_ENDPOINT. */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          const raw = Buffer.concat(chunks);
          const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
          if (request.url?.endsWith('/v1/metrics')) this.keep(body);
          response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        } catch (error) {
          response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  /** The names of every metric received so far. */
  names(): string[] {
    return [...new Set([...this.latest.values()].map((series) => series.name))].sort();
  }

  /**
   * The sum of the last values of the series of `name` whose attributes include `where`
   * (undefined when no such series arrived): a counter's total over the attributes not named.
   */
  total(name: string, where: Attributes): number | undefined {
    const matching = [...this.latest.values()].filter(
      (series) =>
        series.name === name &&
        Object.entries(where).every(([key, value]) => series.attributes[key] === value),
    );
    return matching.length ? matching.reduce((sum, series) => sum + series.value, 0) : undefined;
  }

  /** The attribute sets received for `name`, to say what did arrive when a lookup fails. */
  series(name: string): Attributes[] {
    return [...this.latest.values()].filter((s) => s.name === name).map((s) => s.attributes);
  }

  // ExportMetricsServiceRequest (opentelemetry-proto collector/metrics/v1, metrics/v1):
  // resource_metrics = 1 → scope_metrics = 2 → metrics = 2 → Metric{name = 1, gauge = 5,
  // sum = 7} → data_points = 1 → NumberDataPoint{attributes = 7, as_double = 4, as_int = 6}.
  private keep(body: Buffer): void {
    this.exports++;
    for (const resourceMetrics of lengthDelimited(body, 1))
      for (const scopeMetrics of lengthDelimited(resourceMetrics, 2))
        for (const metric of lengthDelimited(scopeMetrics, 2)) {
          const name = lengthDelimited(metric, 1)[0]?.toString('utf8') ?? '';
          for (const data of [...lengthDelimited(metric, 5), ...lengthDelimited(metric, 7)])
            for (const point of lengthDelimited(data, 1)) {
              const attributes = attributesOf(point);
              const key = `${name}${JSON.stringify(Object.entries(attributes).sort())}`;
              this.latest.set(key, { name, attributes, value: valueOf(point) });
            }
        }
  }
}

export type Attributes = Record<string, string>;

interface Series {
  name: string;
  attributes: Attributes;
  value: number;
}

function attributesOf(point: Buffer): Attributes {
  const attributes: Attributes = {};
  for (const keyValue of lengthDelimited(point, 7)) {
    const key = lengthDelimited(keyValue, 1)[0]?.toString('utf8') ?? '';
    const value = lengthDelimited(keyValue, 2)[0];
    // AnyValue: string_value = 1 (every attribute the collector puts on its own metrics).
    attributes[key] = value ? (lengthDelimited(value, 1)[0]?.toString('utf8') ?? '') : '';
  }
  return attributes;
}

function valueOf(point: Buffer): number {
  for (const field of fields(point)) {
    if (field.number === 4 && field.fixed64) return field.fixed64.readDoubleLE(0);
    if (field.number === 6 && field.fixed64) return Number(field.fixed64.readBigInt64LE(0));
  }
  return 0;
}

interface Field {
  number: number;
  /** Wire type 2 (bytes, strings, messages). */
  bytes?: Buffer;
  /** Wire type 1 (fixed64, sfixed64, double), little-endian. */
  fixed64?: Buffer;
}

/** The length-delimited values (messages, strings, bytes) of one field number in a protobuf message. */
export function lengthDelimited(message: Buffer, wanted: number): Buffer[] {
  const out: Buffer[] = [];
  for (const field of fields(message))
    if (field.number === wanted && field.bytes) out.push(field.bytes);
  return out;
}

function* fields(message: Buffer): Generator<Field> {
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
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      varint();
      yield { number };
    } else if (wire === 1) {
      yield { number, fixed64: message.subarray(at, at + 8) };
      at += 8;
    } else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      yield { number, bytes: message.subarray(at, at + length) };
      at += length;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
}
