import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtobufBatch } from '../../../src/export/otlp/batch.js';
import { LOG_RECORD } from '../../../src/export/otlp/logs.js';
import { SPAN } from '../../../src/export/otlp/spans.js';
import { decodeRequest, loadOtlpProtos } from '@tracelog/test-utils';

// Our single-pass OTLP encoder against the upstream serializer: both outputs decoded with the
// official proto definitions must be the same messages, on a corpus of awkward values.

let root: ReturnType<typeof loadOtlpProtos>;
beforeAll(() => {
  root = loadOtlpProtos();
});

const LOGS = 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest';
const TRACES = 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest';

const awkward: Attributes = {
  'text.unicode': 'Zürich ✓ 日本語 😀 \u0000 end',
  'text.empty': '',
  'text.long': 'x'.repeat(70_000) + 'é',
  'int.small': 7,
  'int.negative': -42,
  'int.beyond_2^53': 2 ** 60,
  'int.negative_beyond_2^53': -(2 ** 60),
  'int.max_uint32': 0xffffffff,
  'double.fraction': 3.14159,
  'double.tiny': 5e-324,
  'double.huge': 1e300,
  'bool.true': true,
  'bool.false': false,
  'array.strings': ['a', '', 'ü'],
  'array.numbers': [1, 2.5, -3],
  'array.empty': [],
};

const resource = resourceFromAttributes({
  'service.name': 'encoding-test',
  'service.instance.id': 'ü-instance',
  'process.pid': 4242,
});
const otherResource = resourceFromAttributes({ 'service.name': 'other' });
const scope = { name: 'orders.api', version: '1.2.3' };
const otherScope = { name: 'http' };

function log(overrides: Partial<ReadableLogRecord>): ReadableLogRecord {
  return {
    hrTime: [1_764_547_200, 123_456_789],
    hrTimeObserved: [1_764_547_200, 223_456_789],
    severityNumber: 9,
    severityText: 'INFO',
    body: 'order placed',
    attributes: {},
    droppedAttributesCount: 0,
    resource,
    instrumentationScope: scope,
    ...overrides,
  } as ReadableLogRecord;
}

const spanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
};

function span(overrides: Partial<ReadableSpan>): ReadableSpan {
  const base = {
    name: 'GET /orders/:id',
    kind: SpanKind.SERVER,
    spanContext: () => spanContext,
    parentSpanContext: undefined,
    startTime: [1_764_547_200, 1] as [number, number],
    endTime: [1_764_547_201, 999_999_999] as [number, number],
    status: { code: SpanStatusCode.UNSET },
    attributes: {},
    links: [],
    events: [],
    duration: [1, 999_999_998] as [number, number],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
  return { ...base, ...overrides } as ReadableSpan;
}

const logCorpus: ReadableLogRecord[] = [
  log({ attributes: awkward }),
  log({
    body: {
      nested: { map: { deep: [1, 'two', { three: true }] } },
      bytes: new Uint8Array([0, 255, 7]),
    },
  }),
  log({ body: '', severityNumber: 0, severityText: undefined, eventName: 'http.request' }),
  log({ body: undefined, droppedAttributesCount: 3 }),
  log({ body: 12.5, spanContext: { ...spanContext, traceFlags: TraceFlags.NONE } }),
  log({
    body: 2 ** 62,
    spanContext,
    eventName: 'task.failure',
    severityNumber: 17,
    severityText: 'ERROR',
  }),
  log({ instrumentationScope: otherScope, body: ['list', 1, false] }),
  log({ resource: otherResource, body: new Uint8Array([1, 2, 3]) }),
  log({ hrTime: [0, 0], hrTimeObserved: [4_294_967_296, 999_999_999] }),
];

const spanCorpus: ReadableSpan[] = [
  span({ attributes: awkward }),
  span({
    kind: SpanKind.CLIENT,
    parentSpanContext: { ...spanContext, spanId: '00f067aa0ba902b7', isRemote: true },
    status: { code: SpanStatusCode.ERROR, message: 'boom — ünïcode' },
    events: [
      {
        name: 'exception',
        time: [1_764_547_200, 5],
        attributes: { 'exception.type': 'TypeError' },
      },
      { name: 'empty', time: [1_764_547_200, 6], droppedAttributesCount: 2 },
    ],
    links: [
      {
        context: {
          traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
          spanId: '00f067aa0ba902b7',
          traceFlags: TraceFlags.NONE,
          isRemote: true,
          traceState: new TraceState('vendor=value,other=x'),
        },
        attributes: { 'link.kind': 'fan-in', count: 3 },
        droppedAttributesCount: 1,
      },
      { context: { ...spanContext, spanId: '1111111111111111' } },
    ],
    droppedAttributesCount: 4,
    droppedEventsCount: 5,
    droppedLinksCount: 6,
  }),
  span({
    kind: SpanKind.INTERNAL,
    name: '',
    spanContext: () => ({
      ...spanContext,
      traceFlags: 0x03,
      traceState: new TraceState('congo=t61rcWkgMzE'),
    }),
    status: { code: SpanStatusCode.OK },
  }),
  span({ kind: SpanKind.PRODUCER, instrumentationScope: otherScope }),
  span({ kind: SpanKind.CONSUMER, resource: otherResource }),
];

function ours<T>(codec: typeof LOG_RECORD | typeof SPAN, items: T[]): Uint8Array {
  const batch = new ProtobufBatch(codec as never);
  for (const item of items) batch.add(item as never);
  return batch.finish()!;
}

describe('single-pass OTLP protobuf encoding', () => {
  it('writes the same log messages as the upstream serializer', () => {
    const expected = decodeRequest(root, LOGS, ProtobufLogsSerializer.serializeRequest(logCorpus)!);
    const actual = decodeRequest(root, LOGS, ours(LOG_RECORD, logCorpus));
    expect(actual).toEqual(expected);
    // The corpus really went through: two resources, and the first one's two scopes.
    const request = actual as { resourceLogs: Array<{ scopeLogs: unknown[] }> };
    expect(request.resourceLogs).toHaveLength(2);
    expect(request.resourceLogs[0]!.scopeLogs).toHaveLength(2);
  });

  it('writes the same span messages as the upstream serializer', () => {
    const expected = decodeRequest(
      root,
      TRACES,
      ProtobufTraceSerializer.serializeRequest(spanCorpus)!,
    );
    const actual = decodeRequest(root, TRACES, ours(SPAN, spanCorpus));
    expect(actual).toEqual(expected);
    const request = actual as { resourceSpans: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> };
    expect(request.resourceSpans[0]!.scopeSpans[0]!.spans).toHaveLength(3);
  });

  it('starts each batch afresh and keeps its bytes exact across batches', () => {
    const batch = new ProtobufBatch(LOG_RECORD);
    for (const record of logCorpus) batch.add(record);
    const first = batch.finish()!;
    expect(batch.count).toBe(0);
    expect(batch.finish()).toBeUndefined();
    batch.add(logCorpus[0]!);
    const second = decodeRequest(root, LOGS, batch.finish()!);
    expect(second).toEqual(
      decodeRequest(root, LOGS, ProtobufLogsSerializer.serializeRequest([logCorpus[0]!])!),
    );
    expect(first.byteLength).toBeGreaterThan(70_000);
  });

  it('takes back a record that fails half-way, leaving the batch well-formed', () => {
    const batch = new ProtobufBatch(LOG_RECORD);
    batch.add(logCorpus[0]!);
    const hostile = log({});
    Object.defineProperty(hostile, 'hrTimeObserved', {
      get() {
        throw new Error('getter throws');
      },
    });
    expect(() => batch.add(hostile)).toThrow('getter throws');
    expect(batch.count).toBe(1);
    expect(decodeRequest(root, LOGS, batch.finish()!)).toEqual(
      decodeRequest(root, LOGS, ProtobufLogsSerializer.serializeRequest([logCorpus[0]!])!),
    );
  });
});
