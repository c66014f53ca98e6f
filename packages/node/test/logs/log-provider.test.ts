import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import { OWN_RECORD } from '@tracelog/core';
import type { OwnRecord } from '@tracelog/core';
import { RecordProvider } from '../../src/logs/log-provider.js';

/** A processor that keeps what it is given. */
function capture(): LogRecordProcessor & { records: ReadWriteLogRecord[]; shutdowns: number } {
  return {
    records: [],
    shutdowns: 0,
    onEmit(record) {
      this.records.push(record);
    },
    forceFlush: () => Promise.resolve(),
    shutdown() {
      this.shutdowns++;
      return Promise.resolve();
    },
  };
}

const resource = resourceFromAttributes({ 'service.name': 'orders' });
const spanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: 1,
};

describe('RecordProvider', () => {
  it('gives a third-party emitter what the SDK would: scope, resource, time, trace context, checked attributes', () => {
    const processor = capture();
    const provider = new RecordProvider(resource, processor);
    const logger = provider.getLogger('lib', '1.2.3', { schemaUrl: 'https://example.com/s' });
    expect(provider.getLogger('lib', '1.2.3', { schemaUrl: 'https://example.com/s' })).toBe(logger);
    const attributes = { ok: 'yes', nested: { a: 1 }, missing: undefined, bad: Symbol('x') };
    logger.emit({
      severityNumber: 13,
      severityText: 'WARN',
      body: 'disk almost full',
      eventName: 'disk.warning',
      timestamp: 1_700_000_000_123,
      attributes: attributes as never,
      context: trace.setSpanContext(ROOT_CONTEXT, spanContext),
    });
    const [record] = processor.records;
    expect(record!.resource).toBe(resource);
    expect(record!.instrumentationScope).toMatchObject({
      name: 'lib',
      version: '1.2.3',
      schemaUrl: 'https://example.com/s',
    });
    expect(record!.hrTime).toEqual([1_700_000_000, 123_000_000]);
    expect(record!.hrTimeObserved[0]).toBeGreaterThan(1_700_000_000);
    expect(record!.spanContext).toEqual(spanContext);
    expect(record).toMatchObject({ severityNumber: 13, body: 'disk almost full' });
    expect(record!.eventName).toBe('disk.warning');
    // Copied, not adopted: the caller's object is theirs; invalid values are left out.
    expect(record!.attributes).toEqual({ ok: 'yes', nested: { a: 1 } });
    expect(record!.attributes).not.toBe(attributes);
  });

  it('maps an exception onto exception.* attributes and ignores an invalid span context', () => {
    const processor = capture();
    const logger = new RecordProvider(resource, processor).getLogger('lib');
    const error = new TypeError('boom');
    logger.emit({
      body: 'failed',
      exception: error,
      context: trace.setSpanContext(ROOT_CONTEXT, { ...spanContext, traceId: '0'.repeat(32) }),
    });
    const [record] = processor.records;
    expect(record!.attributes).toMatchObject({
      'exception.type': 'TypeError',
      'exception.message': 'boom',
      'exception.stacktrace': error.stack,
    });
    expect(record!.spanContext).toBeUndefined();
  });

  it("adopts an own record's attributes within the count limit, and counts what is dropped later", () => {
    const processor = capture();
    const logger = new RecordProvider(resource, processor).getLogger('app');
    const attributes = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, i]));
    const own: OwnRecord = { [OWN_RECORD]: true, body: 'many', attributes };
    logger.emit(own);
    const [record] = processor.records;
    expect(record!.attributes).toBe(attributes);
    expect(Object.keys(record!.attributes)).toHaveLength(128);
    record!.setAttribute('one.more', 1);
    expect(record!.attributes['one.more']).toBeUndefined();
    expect(record!.droppedAttributesCount).toBe(1);
  });

  it('stops emitting once shut down, and shuts the processor down once', async () => {
    const processor = capture();
    const provider = new RecordProvider(resource, processor);
    const logger = provider.getLogger('app');
    await provider.shutdown();
    await provider.shutdown();
    logger.emit({ body: 'late' });
    expect(logger.enabled()).toBe(false);
    expect(processor.records).toHaveLength(0);
    expect(processor.shutdowns).toBe(1);
  });
});
