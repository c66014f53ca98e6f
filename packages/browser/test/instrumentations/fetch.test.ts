import { describe, expect, it } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { attr, exportsOf, recordsOf, startBrowser, useFakeBrowser } from '../fakes.js';

const env = useFakeBrowser();

interface SentSpan {
  traceId: string;
  spanId: string;
  kind: number;
  status: { code: number };
  attributes: { key: string; value: Record<string, unknown> }[];
}

describe('fetch instrumentation', () => {
  it('sends traceparent to the same origin and allow-listed origins only, and reads the correlation id back', async () => {
    const t = startBrowser(env, { propagateTo: ['https://api.example.com'] });
    env.fake.answers.push(
      { status: 200, headers: { 'x-correlation-id': 'corr-123' } },
      { status: 200 },
      { status: 500 },
    );
    await fetch('/api/orders');
    await fetch('https://api.example.com/quotes');
    await fetch('https://cdn.other.com/lib.js');
    const calls = env.fake.sent.filter((s) => !s.url.includes('/otlp/'));
    expect(calls[0]!.headers.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
    expect(calls[1]!.headers.traceparent).toMatch(/^00-[\da-f]{32}-[\da-f]{16}-01$/);
    expect(calls[2]!.headers.traceparent).toBeUndefined();
    await t.flush();
    const spans = exportsOf(env)
      .filter((s) => s.url.endsWith('/v1/traces'))
      .flatMap(
        (s) =>
          (JSON.parse(s.body) as { resourceSpans: { scopeSpans: { spans: SentSpan[] }[] }[] })
            .resourceSpans[0]!.scopeSpans[0]!.spans,
      );
    expect(spans).toHaveLength(3);
    expect(spans.every((s) => s.kind === 3)).toBe(true);
    expect(calls[0]!.headers.traceparent).toBe(`00-${spans[0]!.traceId}-${spans[0]!.spanId}-01`);
    expect(attr(spans[0]!.attributes, ATTR.CORRELATION_ID)).toBe('corr-123');
    expect(spans[2]!.status.code).toBe(2);
    // The failed call is also a warn record in its span's trace.
    const failed = recordsOf(env).find((r) => r.eventName === EVENT.HTTP_REQUEST)!;
    expect(failed.traceId).toBe(spans[2]!.traceId);
    expect(attr(failed.attributes, ATTR.HTTP_RESPONSE_STATUS_CODE)).toBe('500');
    // The SDK's own export requests carry no trace context.
    expect(exportsOf(env).every((s) => s.headers.traceparent === undefined)).toBe(true);
  });
});
