import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AlwaysOnSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { keepRandomTraceFlag } from '../src/trace-flags.js';

const remote = (traceFlags: number) =>
  trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '12345678901234567890123456789012',
    spanId: '1234567890123456',
    traceFlags,
    isRemote: true,
  });

describe('keepRandomTraceFlag', () => {
  const provider = new TracerProvider();
  keepRandomTraceFlag(provider);
  const tracer = provider.getTracer('test');

  it('a child of a random-flagged parent keeps the flag, sampled or not', () => {
    const unsampled = tracer.startSpan('child', {}, remote(0x02));
    expect(unsampled.spanContext().traceFlags).toBe(0x02);
    const sampled = tracer.startSpan('child', {}, remote(0x03));
    expect(sampled.spanContext().traceFlags).toBe(0x03);
    tracer.startActiveSpan('active', {}, remote(0x03), (span) => {
      const below = trace.setSpan(ROOT_CONTEXT, span);
      expect(tracer.startSpan('grandchild', {}, below).spanContext().traceFlags).toBe(0x03);
      span.end();
    });
  });

  it('sets nothing for a parent without it, or for a new root', () => {
    expect(tracer.startSpan('child', {}, remote(TraceFlags.SAMPLED)).spanContext().traceFlags).toBe(
      TraceFlags.SAMPLED,
    );
    const root = tracer.startSpan('root', { root: true }, remote(0x03));
    expect(root.spanContext().traceFlags & 0x02).toBe(0);
  });

  it('wraps each cached tracer once, however often it is asked for', () => {
    const first = provider.getTracer('again');
    const { startSpan } = first;
    for (let i = 0; i < 3; i++) expect(provider.getTracer('again')).toBe(first);
    expect(first.startSpan).toBe(startSpan);
  });

  it('leaves the SDK sampler in charge of the sampled flag', () => {
    const always = new TracerProvider({ sampler: new AlwaysOnSampler() });
    keepRandomTraceFlag(always);
    const span = always.getTracer('test').startSpan('child', {}, remote(0x02));
    expect(span.spanContext().traceFlags).toBe(0x03);
  });
});
