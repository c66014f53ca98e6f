import type { Link, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { ItemCodec } from './batch.js';
import { writeAttributes } from './common.js';
import type { ProtoWriter } from './writer.js';

// Span.flags: the W3C trace flags in the low byte, and whether the parent was remote.
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

/** trace_id, span_id and trace_state: fields 1 to 3 of both Span and Span.Link. */
function writeIds(w: ProtoWriter, context: SpanContext): void {
  w.tag(1, 2);
  w.hexId(context.traceId);
  w.tag(2, 2);
  w.hexId(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    w.tag(3, 2);
    w.string(traceState);
  }
}

function writeEvent(w: ProtoWriter, event: TimedEvent): void {
  w.tag(1, 1);
  w.hrTime(event.time);
  w.tag(2, 2);
  w.string(event.name);
  if (event.attributes) writeAttributes(w, 3, event.attributes);
  w.tag(4, 0);
  w.varint32(event.droppedAttributesCount ?? 0);
}

function writeLink(w: ProtoWriter, link: Link): void {
  const context: SpanContext = link.context;
  writeIds(w, context);
  if (link.attributes) writeAttributes(w, 4, link.attributes);
  w.tag(5, 0);
  w.varint32(link.droppedAttributesCount ?? 0);
  w.tag(6, 5);
  w.fixed32(spanFlags(context.traceFlags, context.isRemote));
}

/** `repeated` message field: each item's tag, length and fields. */
function writeMessages<T>(
  w: ProtoWriter,
  field: number,
  items: readonly T[],
  write: (w: ProtoWriter, item: T) => void,
): void {
  for (const item of items) {
    w.tag(field, 2);
    const start = w.begin();
    write(w, item);
    w.end(start);
  }
}

/**
 * A Span message (opentelemetry/proto/trace/v1/trace.proto), field for field as the upstream
 * serializer writes it.
 */
function writeSpan(w: ProtoWriter, span: ReadableSpan): void {
  const context = span.spanContext();
  writeIds(w, context);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    w.tag(4, 2);
    w.hexId(parent.spanId);
  }
  w.tag(5, 2);
  w.string(span.name);
  // OTLP's SpanKind counts from SPAN_KIND_UNSPECIFIED = 0; the API's from INTERNAL = 0.
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    w.tag(6, 0);
    w.varint32(kind);
  }
  w.tag(7, 1);
  w.hrTime(span.startTime);
  w.tag(8, 1);
  w.hrTime(span.endTime);
  writeAttributes(w, 9, span.attributes);
  w.tag(10, 0);
  w.varint32(span.droppedAttributesCount);
  writeMessages(w, 11, span.events, writeEvent);
  w.tag(12, 0);
  w.varint32(span.droppedEventsCount);
  writeMessages(w, 13, span.links, writeLink);
  w.tag(14, 0);
  w.varint32(span.droppedLinksCount);
  w.tag(15, 2);
  const status = w.begin();
  if (span.status.message) {
    w.tag(2, 2);
    w.string(span.status.message);
  }
  w.tag(3, 0);
  w.varint32(span.status.code);
  w.end(status);
  w.tag(16, 5);
  w.fixed32(spanFlags(context.traceFlags, parent?.isRemote));
}

export const SPAN: ItemCodec<ReadableSpan> = {
  resource: (span) => span.resource,
  scope: (span) => span.instrumentationScope,
  write: writeSpan,
};
