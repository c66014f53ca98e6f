import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A log record as the receiver decoded it from OTLP/JSON, flattened for assertions. */
export interface ReceivedLog {
  service: string | undefined;
  resource: Record<string, unknown>;
  scope: string;
  eventName: string | undefined;
  severityText: string | undefined;
  severityNumber: number | undefined;
  body: unknown;
  traceId: string | undefined;
  spanId: string | undefined;
  attributes: Record<string, unknown>;
}

export interface ReceivedSpan {
  service: string | undefined;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
  events: Array<{ name: string; attributes: Record<string, unknown> }>;
}

/**
 * A real OTLP/HTTP JSON receiver on loopback, for tests of the SDK's export path: it decodes what
 * it gets, can be told to fail (to simulate an outage) and can be stopped and started on the
 * same port.
 */
export class OtlpReceiver {
  readonly logs: ReceivedLog[] = [];
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: unknown[] = [];
  /** Raw request bodies, to search for leaks as text. */
  readonly raw: string[] = [];
  requests = 0;
  failWith: number | undefined;
  private server: Server | undefined;
  port = 0;

  async start(port = this.port): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.requests++;
        if (this.failWith) {
          res.writeHead(this.failWith).end();
          return;
        }
        const text = Buffer.concat(chunks).toString('utf8');
        this.raw.push(text);
        try {
          this.decode(req.url ?? '', JSON.parse(text) as Record<string, unknown>);
        } catch {
          res.writeHead(400).end('bad json');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Polls until `predicate` holds, or fails after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private decode(path: string, body: Record<string, unknown>): void {
    if (path.endsWith('/v1/logs')) {
      for (const rl of (body.resourceLogs ?? []) as Array<Record<string, unknown>>) {
        const resource = attrs((rl.resource as { attributes?: unknown[] } | undefined)?.attributes);
        for (const sl of (rl.scopeLogs ?? []) as Array<Record<string, unknown>>) {
          const scope = (sl.scope as { name?: string } | undefined)?.name ?? '';
          for (const r of (sl.logRecords ?? []) as Array<Record<string, unknown>>) {
            this.logs.push({
              service: resource['service.name'] as string | undefined,
              resource,
              scope,
              eventName: (r.eventName as string | undefined) || undefined,
              severityText: r.severityText as string | undefined,
              severityNumber: r.severityNumber as number | undefined,
              body: value(r.body as Record<string, unknown> | undefined),
              traceId: (r.traceId as string | undefined) || undefined,
              spanId: (r.spanId as string | undefined) || undefined,
              attributes: attrs(r.attributes as unknown[] | undefined),
            });
          }
        }
      }
    } else if (path.endsWith('/v1/traces')) {
      for (const rs of (body.resourceSpans ?? []) as Array<Record<string, unknown>>) {
        const resource = attrs((rs.resource as { attributes?: unknown[] } | undefined)?.attributes);
        for (const ss of (rs.scopeSpans ?? []) as Array<Record<string, unknown>>) {
          for (const s of (ss.spans ?? []) as Array<Record<string, unknown>>) {
            this.spans.push({
              service: resource['service.name'] as string | undefined,
              name: s.name as string,
              kind: s.kind as number,
              traceId: s.traceId as string,
              spanId: s.spanId as string,
              parentSpanId: (s.parentSpanId as string | undefined) || undefined,
              status: (s.status ?? {}) as { code?: number; message?: string },
              attributes: attrs(s.attributes as unknown[] | undefined),
              events: ((s.events ?? []) as Array<Record<string, unknown>>).map((e) => ({
                name: e.name as string,
                attributes: attrs(e.attributes as unknown[] | undefined),
              })),
            });
          }
        }
      }
    } else if (path.endsWith('/v1/metrics')) {
      this.metrics.push(body);
    }
  }
}

function attrs(list: unknown[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of (list ?? []) as Array<{ key: string; value: Record<string, unknown> }>) {
    out[item.key] = value(item.value);
  }
  return out;
}

function value(v: Record<string, unknown> | undefined): unknown {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) {
    return ((v.arrayValue as { values?: Array<Record<string, unknown>> }).values ?? []).map(value);
  }
  if ('kvlistValue' in v) {
    return attrs((v.kvlistValue as { values?: unknown[] }).values);
  }
  return undefined;
}
