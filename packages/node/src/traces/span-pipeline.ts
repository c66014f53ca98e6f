import type { Context } from '@opentelemetry/api';
import type { Span, SpanProcessor, ReadableSpan } from '@opentelemetry/sdk-trace';
import { getScopedAttributes } from '@tracelog/core';
import type { Redactor } from '@tracelog/core';
import { redactAttributes } from '../internal/redact-attributes.js';
import type { PreRedacted } from '../internal/redact-attributes.js';

/**
 * Spans started inside `withContext` carry its attributes; their string attributes (URLs, db
 * statements, …) are redacted when they end.
 */
export class SpanPipeline implements SpanProcessor {
  constructor(
    private readonly redactor: Redactor | undefined,
    private readonly sinks: SpanProcessor[],
  ) {}

  onStart(span: Span, parentContext: Context): void {
    const scoped = getScopedAttributes(parentContext);
    for (const key in scoped) {
      if (!(key in span.attributes)) span.setAttribute(key, scoped[key]!);
    }
    for (const sink of this.sinks) sink.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if (this.redactor) {
      redactAttributes(span.attributes, this.redactor, span as Partial<PreRedacted>);
      for (const event of span.events) {
        const attrs = event.attributes as Record<string, unknown> | undefined;
        if (!attrs) continue;
        for (const key in attrs) attrs[key] = this.redactor.redactValue(attrs[key], key);
      }
      if (span.status.message) {
        (span.status as { message?: string }).message = this.redactor.redactString(
          span.status.message,
        );
      }
    }
    for (const sink of this.sinks) sink.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.forceFlush().catch(() => undefined)));
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.sinks.map((sink) => sink.shutdown().catch(() => undefined)));
  }
}
