import { ROOT_CONTEXT, SpanStatusCode, TraceFlags, context, trace } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, Sampler, SpanProcessor } from '@opentelemetry/sdk-trace';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanProvider } from '../../src/traces/span-provider.js';

const remote = (traceFlags: number) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '12345678901234567890123456789012',
    spanId: '1234567890123456',
    traceFlags,
    isRemote: true,
  });

function setup(sampler: Sampler = new ParentBasedSampler({ root: new AlwaysOnSampler() })) {
  const started: string[] = [];
  const ended: ReadableSpan[] = [];
  const processor: SpanProcessor = {
    onStart: (span) => started.push(span.name),
    onEnd: (span) => ended.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  const resource = resourceFromAttributes({ 'service.name': 'test' });
  const provider = new SpanProvider(resource, sampler, processor);
  return { provider, tracer: provider.getTracer('test', '1.0.0'), started, ended, resource };
}

describe('SpanProvider', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  });
  afterAll(() => context.disable());

  it('continues the parent trace, with the parent recorded and a fresh span id', () => {
    const { tracer, ended } = setup();
    const span = tracer.startSpan('child', {}, remote(TraceFlags.SAMPLED));
    span.end();
    const [done] = ended;
    expect(done!.spanContext().traceId).toBe('12345678901234567890123456789012');
    expect(done!.spanContext().spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(done!.spanContext().spanId).not.toBe('1234567890123456');
    expect(done!.parentSpanContext?.spanId).toBe('1234567890123456');
  });

  it('starts a new trace with unique random ids at the root', () => {
    const { tracer } = setup();
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { traceId, spanId } = tracer.startSpan('root').spanContext();
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      ids.add(traceId);
    }
    expect(ids.size).toBe(2000);
  });

  it('a child of a random-flagged parent keeps the flag, sampled or not', () => {
    const { tracer } = setup();
    const unsampled = tracer.startSpan('child', {}, remote(0x02));
    expect(unsampled.spanContext().traceFlags).toBe(0x02);
    expect(unsampled.isRecording()).toBe(false);
    const sampled = tracer.startSpan('child', {}, remote(0x03));
    expect(sampled.spanContext().traceFlags).toBe(0x03);
    tracer.startActiveSpan('active', {}, remote(0x03), (span) => {
      expect(trace.getActiveSpan()).toBe(span);
      expect(tracer.startSpan('grandchild').spanContext().traceFlags).toBe(0x03);
      span.end();
    });
  });

  it('sets no random flag for a parent without it, or for a new root', () => {
    const { tracer } = setup();
    expect(tracer.startSpan('child', {}, remote(TraceFlags.SAMPLED)).spanContext().traceFlags).toBe(
      TraceFlags.SAMPLED,
    );
    const root = tracer.startSpan('root', { root: true }, remote(0x03));
    expect(root.spanContext().traceFlags & 0x02).toBe(0);
    expect(root.spanContext().traceId).not.toBe('12345678901234567890123456789012');
  });

  it('leaves sampling to the sampler, and records nothing it drops or tracing suppressed', () => {
    const always = setup(new AlwaysOnSampler());
    expect(always.tracer.startSpan('child', {}, remote(0x02)).spanContext().traceFlags).toBe(0x03);
    const never = setup(new AlwaysOffSampler());
    const dropped = never.tracer.startSpan('dropped');
    dropped.end();
    expect(dropped.isRecording()).toBe(false);
    expect(never.started).toEqual([]);
    expect(never.ended).toEqual([]);
    const quiet = setup();
    const suppressed = quiet.tracer.startSpan('quiet', {}, suppressTracing(context.active()));
    expect(trace.isSpanContextValid(suppressed.spanContext())).toBe(false);
    expect(quiet.started).toEqual([]);
  });

  it('hands the same tracer out for the same name and version', () => {
    const { provider } = setup();
    expect(provider.getTracer('a', '1')).toBe(provider.getTracer('a', '1'));
    expect(provider.getTracer('a', '1')).not.toBe(provider.getTracer('a', '2'));
  });

  it('records what the span API is given, checks attributes, and freezes at end', () => {
    const { tracer, ended, resource } = setup();
    const before = Date.now();
    const span = tracer.startSpan('work', {
      attributes: { kept: 'yes', bad: { fn: () => 1 } as never, gone: undefined },
      links: [{ context: trace.getSpanContext(remote(1))!, attributes: { why: 'x' } }],
    });
    span.setAttribute('count', 3).setAttributes({ list: [1, 2], nested: { a: 'b' } });
    span.addEvent('step', { at: 1 });
    span.recordException(new TypeError('broke'));
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'failed' });
    span.updateName('work renamed');
    span.end();
    span.setAttribute('late', true);
    span.end();
    const after = Date.now();

    expect(ended).toHaveLength(1);
    const done = ended[0]!;
    expect(done.name).toBe('work renamed');
    expect(done.resource).toBe(resource);
    expect(done.instrumentationScope).toMatchObject({ name: 'test', version: '1.0.0' });
    expect(done.attributes).toEqual({ kept: 'yes', count: 3, list: [1, 2], nested: { a: 'b' } });
    expect(done.links).toHaveLength(1);
    expect(done.links[0]!.attributes).toEqual({ why: 'x' });
    expect(done.events.map((e) => e.name)).toEqual(['step', 'exception']);
    expect(done.events[1]!.attributes).toMatchObject({
      'exception.type': 'TypeError',
      'exception.message': 'broke',
    });
    expect(done.status).toEqual({ code: SpanStatusCode.ERROR, message: 'failed' });
    expect(done.ended).toBe(true);
    const ms = ([s, ns]: [number, number]) => s * 1000 + ns / 1e6;
    expect(ms(done.startTime)).toBeGreaterThanOrEqual(before - 1);
    expect(ms(done.endTime)).toBeLessThanOrEqual(after + 1);
    expect(ms(done.endTime) - ms(done.startTime)).toBeCloseTo(ms(done.duration), 3);
    expect(done.duration[0]).toBeGreaterThanOrEqual(0);
  });

  it('keeps at most 128 attributes, counting the rest, and drops empty keys', () => {
    const { tracer, ended } = setup();
    const many = Object.fromEntries(Array.from({ length: 130 }, (_, i) => [`k${i}`, i]));
    const span = tracer.startSpan('wide', { attributes: { ...many, '': 'no key' } });
    span.setAttribute('k0', 'overwritten').setAttribute('extra', 1).setAttribute('', 'x');
    span.end();
    const { attributes, droppedAttributesCount } = ended[0]!;
    expect(Object.keys(attributes)).toHaveLength(128);
    expect(attributes.k0).toBe('overwritten');
    expect(attributes).not.toHaveProperty('extra');
    expect('' in attributes).toBe(false);
    expect(droppedAttributesCount).toBe(4);

    const narrow = tracer.startSpan('narrow', { attributes: { a: 1, '': 'no key', b: 'x' } });
    narrow.end();
    expect(ended[1]!.attributes).toEqual({ a: 1, b: 'x' });
    expect(ended[1]!.droppedAttributesCount).toBe(1);
  });

  it('takes explicit start and end times as the SDK reads them', () => {
    const { tracer, ended } = setup();
    const span = tracer.startSpan('timed', { startTime: new Date(1_700_000_000_000) });
    span.end([1_700_000_002, 500_000_000]);
    expect(ended[0]!.startTime).toEqual([1_700_000_000, 0]);
    expect(ended[0]!.endTime).toEqual([1_700_000_002, 500_000_000]);
    expect(ended[0]!.duration).toEqual([2, 500_000_000]);
  });
});
