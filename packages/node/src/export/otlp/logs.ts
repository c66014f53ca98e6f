import { SeverityNumber } from '@opentelemetry/api';
import type { AnyValue } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ItemCodec } from './batch.js';
import { writeAnyValue, writeAttributes } from './common.js';
import { OwnLogItem } from './own-records.js';
import type { ProtoWriter } from './writer.js';

/**
 * A LogRecord message (opentelemetry/proto/logs/v1/logs.proto), field for field as the upstream
 * serializer writes it, so a collector cannot tell the two apart.
 */
function writeLogRecord(w: ProtoWriter, record: ReadableLogRecord): void {
  w.tag(1, 1);
  w.hrTime(record.hrTime);
  if (record.severityNumber !== undefined && record.severityNumber !== SeverityNumber.UNSPECIFIED) {
    w.tag(2, 0);
    w.varint32(record.severityNumber);
  }
  if (record.severityText) {
    w.tag(3, 2);
    w.string(record.severityText);
  }
  if (record.body !== undefined) {
    w.tag(5, 2);
    const body = w.begin();
    writeAnyValue(w, record.body as AnyValue);
    w.end(body);
  }
  writeAttributes(w, 6, record.attributes);
  w.tag(7, 0);
  w.varint32(record.droppedAttributesCount);
  const span = record.spanContext;
  if (span?.traceFlags) {
    w.tag(8, 5);
    w.fixed32(span.traceFlags);
  }
  if (span?.traceId) {
    w.tag(9, 2);
    w.hexId(span.traceId);
  }
  if (span?.spanId) {
    w.tag(10, 2);
    w.hexId(span.spanId);
  }
  w.tag(11, 1);
  w.hrTime(record.hrTimeObserved);
  if (record.eventName) {
    w.tag(12, 2);
    w.string(record.eventName);
  }
}

/** What the logs batch holds: the SDK's records, and ours written by the direct path. */
export type LogItem = ReadableLogRecord | OwnLogItem;

export const LOG_RECORD: ItemCodec<LogItem> = {
  resource: (record) => record.resource,
  scope: (record) => record.instrumentationScope,
  write: (w, record) =>
    record instanceof OwnLogItem ? record.write(w) : writeLogRecord(w, record),
};
