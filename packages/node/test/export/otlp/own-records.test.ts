import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { createRedactor, setOwnRecordSink, setPipelineRedactor } from '@tracelog/core';
import { runJob } from '@tracelog/queue-instrumentation';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { withContext } from '../../../src/context.js';
import { ProtobufBatch } from '../../../src/export/otlp/batch.js';
import { LOG_RECORD } from '../../../src/export/otlp/logs.js';
import type { LogItem } from '../../../src/export/otlp/logs.js';
import { OwnRecords } from '../../../src/export/otlp/own-records.js';
import { instrumentHttpServer } from '../../../src/instrumentations/http-server.js';
import { task } from '../../../src/traces/task.js';
import { RecordProvider } from '../../../src/logs/log-provider.js';
import { LogPipeline } from '../../../src/logs/pipeline.js';
import { Diagnostics } from '../../../src/internal/diag.js';
import { createPropagator } from '../../../src/traces/propagation.js';
import { SpanProvider } from '../../../src/traces/span-provider.js';
import { SpanPipeline } from '../../../src/traces/span-pipeline.js';
import { decodeRequest, loadOtlpProtos } from '@tracelog/test-utils';

// Our own records (`http.request`, `job.*`) written by the direct path against the same records
// through the logs API and the pipeline: the same request and the same job run once each way, the
// bytes decoded with the official proto definitions, and the decoded requests compared whole.

const LOGS = 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

let root: ReturnType<typeof loadOtlpProtos>;
const redactor = createRedactor();
const resource = resourceFromAttributes({ 'service.name': 'own-records-test' });
const general = new ProtobufBatch<LogItem>(LOG_RECORD);
const direct = new ProtobufBatch<LogItem>(LOG_RECORD);
const baggageKeys = new Set(['tenant.id']);
const sink = new OwnRecords({ resource, redactor, baggageKeys, add: (item) => direct.add(item) });
/** Span contexts in the order spans ended, so each path's records can name theirs by its place. */
const spanIds: Array<{ traceId: string; spanId: string }> = [];
let stopHttp: () => void;

const toBatch: LogRecordProcessor = {
  onEmit: (record) => general.add(record as ReadableLogRecord),
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
const spansEnded: SpanProcessor = {
  onStart: () => undefined,
  onEnd: (span: ReadableSpan) => void spanIds.push(span.spanContext()),
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

beforeAll(() => {
  root = loadOtlpProtos();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(createPropagator(['tracecontext', 'baggage']));
  const tracerProvider = new SpanProvider(
    resource,
    new AlwaysOnSampler(),
    new SpanPipeline(redactor, [spansEnded]),
  );
  trace.setGlobalTracerProvider(tracerProvider);
  const pipeline = new LogPipeline({
    redactor,
    baggageKeys,
    debugSampleEvery: 1,
    dedupeWindowMs: 0,
    rateLimit: undefined,
    sinks: [toBatch],
    diag: new Diagnostics(),
  });
  logs.setGlobalLoggerProvider(new RecordProvider(resource, pipeline));
  const meterProvider = new MeterProvider({ resource });
  metrics.setGlobalMeterProvider(meterProvider);
  setPipelineRedactor(redactor);
  stopHttp = instrumentHttpServer(
    { quietPaths: new Set(), headers: ['x-tenant', 'authorization'], correlationHeader: undefined },
    { tracerProvider, meterProvider },
  );
  // One clock for both runs: the records' times, the request's and the job's durations.
  vi.spyOn(Date, 'now').mockReturnValue(1_764_547_200_123);
  vi.spyOn(performance, 'now').mockReturnValue(5_000);
});

afterAll(() => {
  vi.restoreAllMocks();
  stopHttp();
  setOwnRecordSink();
  setPipelineRedactor();
  trace.disable();
  logs.disable();
  metrics.disable();
  propagation.disable();
  context.disable();
});

/** Runs `work` once through the logs API and once through the direct path; both requests decoded. */
async function bothWays(work: () => Promise<void>): Promise<[unknown, unknown]> {
  setOwnRecordSink();
  spanIds.length = 0;
  await work();
  const viaApi = decoded(general.finish(), spanIds.splice(0));
  expect(direct.count).toBe(0);
  setOwnRecordSink(sink);
  await work();
  setOwnRecordSink();
  const viaDirect = decoded(direct.finish(), spanIds.splice(0));
  expect(general.count).toBe(0);
  return [viaApi, viaDirect];
}

/** The decoded request, each trace and span id replaced by its span's place among those ended. */
function decoded(body: Uint8Array | undefined, spans: Array<{ traceId: string; spanId: string }>) {
  expect(body).toBeDefined();
  const base64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
  const places = new Map<string, string>();
  spans.forEach(({ traceId, spanId }, i) => {
    places.set(base64(spanId), `span #${i}`);
    if (!places.has(base64(traceId))) places.set(base64(traceId), `trace of span #${i}`);
  });
  const request = decodeRequest(root, LOGS, body!) as {
    resourceLogs: Array<{
      scopeLogs: Array<{ logRecords: Array<{ traceId?: string; spanId?: string }> }>;
    }>;
  };
  for (const resourceLogs of request.resourceLogs)
    for (const scopeLogs of resourceLogs.scopeLogs)
      for (const record of scopeLogs.logRecords) {
        if (record.spanId) record.spanId = places.get(record.spanId) ?? record.spanId;
        if (record.traceId) record.traceId = places.get(record.traceId) ?? record.traceId;
      }
  return request;
}

async function serve(
  handler: (path: string) => void,
  run: (port: number) => Promise<void>,
): Promise<void> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    handler(req.url ?? '/');
    res.writeHead(req.url?.startsWith('/missing') ? 404 : 200);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run((server.address() as AddressInfo).port);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function get(port: number, path: string, headers: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      // The record is written when the server side closes, just after the response ends.
      res.on('end', () => setTimeout(resolve, 20));
    });
    req.on('error', reject);
    req.end();
  });
}

const HEADERS = {
  traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
  baggage: 'tenant.id=acme,other=ignored',
  'x-forwarded-for': '203.0.113.9, 10.0.0.1',
  'x-tenant': 'acme; token=abc123',
  authorization: 'Bearer abcdef0123456789abcdef',
  'user-agent': 'own-records-test/1.0',
};

describe('own records: the direct path writes what the logs API path writes', () => {
  it('http.request, with a query, headers, baggage and an error status', async () => {
    const [viaApi, viaDirect] = await bothWays(() =>
      serve(
        () => undefined,
        async (port) => {
          await get(port, '/orders/42?token=s3cr3t&page=2', HEADERS);
          await get(port, '/missing/%C3%BC', { ...HEADERS, 'x-forwarded-for': '' });
        },
      ),
    );
    expect(viaDirect).toEqual(viaApi);
    const records = (
      viaApi as { resourceLogs: Array<{ scopeLogs: Array<{ logRecords: unknown[] }> }> }
    ).resourceLogs[0]!.scopeLogs[0]!.logRecords;
    expect(records).toHaveLength(2);
    expect(JSON.stringify(records)).not.toContain('s3cr3t');
    expect(JSON.stringify(records)).not.toContain('abcdef0123456789abcdef');
  });

  it('http.request whose handler scoped attributes of its own', async () => {
    const [viaApi, viaDirect] = await bothWays(() =>
      serve(
        () =>
          withContext({ 'user.id': 'u-7', 'url.path': '/scoped', api_key: 'k' }, () => undefined),
        (port) => get(port, '/orders/7', HEADERS),
      ),
    );
    expect(viaDirect).toEqual(viaApi);
    expect(JSON.stringify(viaApi)).toContain('u-7');
  });

  it('job.started and job.succeeded, job.started and job.retrying', async () => {
    const carrier = {
      traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
      scoped: { 'tenant.id': 'acme', password: 'hunter2' },
    };
    const info = {
      system: 'bullmq',
      queue: 'orders',
      name: 'settle',
      id: '7',
      attempt: 1,
      maxAttempts: 3,
      carrier,
      enqueuedAt: 1_764_547_200_000,
      data: { orderId: 7, card: '4111 1111 1111 1111' },
    };
    // One error for both runs: its stack is part of the record.
    const refused = new TypeError('token=abc123 refused');
    const [viaApi, viaDirect] = await bothWays(async () => {
      await runJob(info, () => 'done', { recordJobData: true });
      await runJob({ ...info, id: '8' }, () => {
        throw refused;
      }).catch(() => undefined);
    });
    expect(viaDirect).toEqual(viaApi);
    const text = JSON.stringify(viaApi);
    expect(text).toContain('job.retrying');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('4111 1111 1111 1111');
  });

  it('task.start, task.step and task.success, task.failure', async () => {
    const failed = new RangeError('limit reached for api_key=abc123');
    const [viaApi, viaDirect] = await bothWays(async () => {
      await task(
        'settle',
        {
          id: 'run-1',
          category: 'data',
          args: { orderId: 7, password: 'hunter2' },
          attributes: { 'order.id': 7, 'customer.email': 'ada@example.com' },
        },
        (t) => t.step('fetched', { rows: 3, 'db.statement': 'select 1' }),
      );
      await task('settle', { id: 'run-2' }, () => {
        throw failed;
      }).catch(() => undefined);
    });
    expect(viaDirect).toEqual(viaApi);
    const text = JSON.stringify(viaApi);
    expect(text).toContain('task.failure');
    expect(text).not.toContain('hunter2');
  });
});
