import { context, trace } from '@opentelemetry/api';
import type { Context, Span, SpanOptions, Tracer } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/sdk-trace';

/** The W3C `random` trace flag (bit 1, level 2), which @opentelemetry/api has no constant for. */
const RANDOM_TRACE_ID = 0x02;

/**
 * W3C Trace Context level 2: a span continuing its parent's trace keeps the parent's
 * random-trace-id flag, sampled or not. The SDK's tracer sets only `sampled` on new spans, so the
 * flag would be lost at the first hop. `startActiveSpan` goes through `startSpan`, so wrapping
 * the latter on each tracer covers both. The provider hands out one cached tracer per name, and
 * code asks for it again and again (`trace.getTracer()` per request): each is wrapped once.
 */
export function keepRandomTraceFlag(provider: TracerProvider): void {
  const getTracer = provider.getTracer.bind(provider);
  const wrapped = new WeakSet<Tracer>();
  provider.getTracer = (...args: Parameters<TracerProvider['getTracer']>): Tracer => {
    const tracer = getTracer(...args);
    if (wrapped.has(tracer)) return tracer;
    wrapped.add(tracer);
    const startSpan = tracer.startSpan.bind(tracer);
    tracer.startSpan = (name: string, options?: SpanOptions, parent?: Context): Span => {
      const span = startSpan(name, options, parent);
      const from = options?.root ? undefined : trace.getSpanContext(parent ?? context.active());
      if (from && from.traceFlags & RANDOM_TRACE_ID) {
        const own = span.spanContext();
        if (own.traceId === from.traceId) own.traceFlags |= RANDOM_TRACE_ID;
      }
      return span;
    };
    return tracer;
  };
}
