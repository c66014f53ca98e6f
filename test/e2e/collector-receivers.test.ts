import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Collector,
  Jaeger,
  VictoriaLogs,
  freePort,
  quote,
  removeWorkDirs,
  waitFor,
} from '../support/stack.ts';
import type { JaegerSpan } from '../support/stack.ts';

// What reaches the collector other than through our SDK: OTLP/gRPC from the collector project's
// own load generator (telemetrygen) on the gRPC port, stored in VictoriaLogs and Jaeger; and a
// careless client's raw OTLP/JSON span, whose secrets the collector masks before Jaeger stores it.
const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;
const tag = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

let logs: VictoriaLogs;
let traces: Jaeger;
let collector: Collector;
let grpcEndpoint: string;

/** The telemetrygen binary the stack script builds (`stack.sh bench-env`). */
function telemetrygen(): string {
  const out = execFileSync('bash', [`${repo}collector/scripts/stack.sh`, 'bench-env'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 1_800_000,
  });
  const bin = /^TRACELOG_TELEMETRYGEN_BIN=(.*)$/m.exec(out)?.[1]?.replace(/^'(.*)'$/, '$1');
  if (!bin) throw new Error(`stack.sh bench-env named no telemetrygen:\n${out}`);
  return bin;
}

beforeAll(async () => {
  [logs, traces] = await Promise.all([new VictoriaLogs().start(), new Jaeger().start()]);
  // The gRPC port is chosen here, so the test knows where to send.
  grpcEndpoint = `127.0.0.1:${await freePort()}`;
  collector = await new Collector({
    logs,
    traces,
    env: { TRACELOG_OTLP_GRPC_ENDPOINT: grpcEndpoint },
  }).start();
});

afterAll(async () => {
  await collector?.stop();
  await Promise.all([logs?.stop(), traces?.stop()]);
  removeWorkDirs();
});

describe('OTLP/gRPC receiver', () => {
  it('a log record sent over gRPC is stored in VictoriaLogs with its body, trace id and service', async () => {
    const service = `grpc-logs-${tag}`;
    const traceId = randomBytes(16).toString('hex');
    const spanId = randomBytes(8).toString('hex');
    await run(
      telemetrygen(),
      [
        'logs',
        '--otlp-endpoint',
        grpcEndpoint,
        '--otlp-insecure',
        '--logs',
        '1',
        '--service',
        service,
        '--body',
        `settlement over grpc ${tag}`,
        '--severity-text',
        'Warn',
        '--severity-number',
        '13',
        '--trace-id',
        traceId,
        '--span-id',
        spanId,
      ],
      { timeout: 60_000 },
    );
    const [row] = await waitFor(
      async () => {
        const rows = await logs.query(`service.name:=${quote(service)}`);
        return rows.length > 0 ? rows : undefined;
      },
      60_000,
      'the gRPC log record in VictoriaLogs',
    );
    expect(row).toMatchObject({
      _msg: `settlement over grpc ${tag}`,
      trace_id: traceId,
      span_id: spanId,
      severity_number: '13',
    });
  });

  it('a trace sent over gRPC is stored in Jaeger, parent and child, with its attributes', async () => {
    const service = `grpc-traces-${tag}`;
    await run(
      telemetrygen(),
      [
        'traces',
        '--otlp-endpoint',
        grpcEndpoint,
        '--otlp-insecure',
        '--traces',
        '1',
        '--child-spans',
        '1',
        '--service',
        service,
        '--telemetry-attributes',
        `probe.run="${tag}"`,
      ],
      { timeout: 60_000 },
    );
    const spans = await waitFor(
      async () => {
        const found = await traces.traces(service);
        return found.length >= 2 ? found : undefined;
      },
      60_000,
      'the gRPC trace in Jaeger',
    );
    expect(spans).toHaveLength(2);
    expect(new Set(spans.map((s) => s.traceId)).size).toBe(1);
    const root = spans.find((s) => s.parentSpanId === undefined)!;
    const child = spans.find((s) => s.parentSpanId !== undefined)!;
    expect(child.parentSpanId).toBe(root.spanId);
    for (const span of spans) {
      expect(span.service).toBe(service);
      expect(span.tags['probe.run']).toBe(tag);
    }
  });
});

describe('collector-side redaction of span attributes', () => {
  const BEARER = 'Bearer dGVzdC1zZWNyZXQtOTQ2MQ';
  const AWS_KEY = 'AKIAZ7VRSQ4T2BXPLM3K';

  /** One span with secrets in its attributes, posted as raw OTLP/JSON, as Jaeger stored it. */
  async function storedSpan(): Promise<JaegerSpan> {
    const traceId = randomBytes(16).toString('hex');
    const now = BigInt(Date.now()) * 1_000_000n;
    const s = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const response = await fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [s('service.name', `careless-${tag}`)] },
            scopeSpans: [
              {
                scope: { name: 'careless-client' },
                spans: [
                  {
                    traceId,
                    spanId: randomBytes(8).toString('hex'),
                    name: 'GET /quotes',
                    kind: 3,
                    startTimeUnixNano: String(now),
                    endTimeUnixNano: String(now + 5_000_000n),
                    attributes: [
                      s('http.request.header.forwarded-auth', `${BEARER}`),
                      s('upstream.note', `retried with ${AWS_KEY} after 401`),
                      s('db.password', 'correct horse battery staple'),
                      s('http.route', '/quotes'),
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    });
    expect(response.status, await response.text()).toBe(200);
    const [span] = await waitFor(
      async () => {
        const found = await traces.trace(traceId);
        return found.length > 0 ? found : undefined;
      },
      60_000,
      'the span in Jaeger',
    );
    return span!;
  }

  it('a secret in an attribute value is masked where it stands; a sensitive key masks the whole value; the rest is kept', async () => {
    const span = await storedSpan();
    expect(span.tags).toMatchObject({
      'http.request.header.forwarded-auth': '****',
      'upstream.note': 'retried with **** after 401',
      'db.password': '****',
      'http.route': '/quotes',
    });
    expect(JSON.stringify(span)).not.toMatch(/dGVzdC1zZWNyZXQtOTQ2MQ|AKIAZ7VRSQ4T2BXPLM3K|horse/);
  });
});
