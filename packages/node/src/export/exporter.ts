import { join } from 'node:path';
import type { Meter } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufMetricsSerializer,
} from '@opentelemetry/otlp-transformer';
import type { LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricProducer, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { METRIC } from '@tracelog/core';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Diagnostics } from '../internal/diag.js';
import { Batcher } from './batcher.js';
import { Channel } from './channel.js';
import { FileTarget } from './file-target.js';
import { HttpTarget } from './http-target.js';
import { JsonBatch, ProtobufBatch } from './otlp/batch.js';
import type { BatchEncoder } from './otlp/batch.js';
import { LOG_RECORD } from './otlp/logs.js';
import { SPAN } from './otlp/spans.js';
import { ChannelMetricExporter } from './metric-exporter.js';
import {
  ExportLogProcessor,
  ExportSpanProcessor,
  estimateLogRecord,
  estimateSpan,
} from './processors.js';
import { Spool } from './spool.js';
import type { Encoding, ExportTarget } from './target.js';

type Signal = 'logs' | 'traces' | 'metrics';

/** What the export path needs to know; the rest of the configuration stays outside. */
export type ExportConfig = Pick<
  ResolvedConfig,
  | 'endpoint'
  | 'signalEndpoints'
  | 'headers'
  | 'protocol'
  | 'file'
  | 'spool'
  | 'maxMemoryBytes'
  | 'metricsIntervalMs'
  | 'timeoutsMs'
>;

/** The export path of one process: what the providers plug into, and its one flush. */
export interface Exporter {
  readonly logProcessor: LogRecordProcessor;
  readonly spanProcessor: SpanProcessor;
  readonly metricReader: MetricReader;
  /** The collector URL, or the local file when no endpoint is configured. */
  readonly destination: string;
  /**
   * Encodes what the batchers hold and waits until everything accepted so far was sent (or
   * spooled because the collector is unreachable), or until `deadline` (epoch ms).
   */
  flush(deadline: number): Promise<void>;
  /** True when no record waits in a batcher, in memory or in flight. */
  readonly idle: boolean;
  /**
   * Last step at process exit, synchronous: what is still buffered is written to the local
   * file or the spool. Afterwards nothing more is accepted.
   */
  close(): void;
  /** Reports `tracelog.export.*` on `meter` from the export counters. */
  observe(meter: Meter): void;
  readonly memoryBytes: number;
  readonly spoolBytes: number;
}

/**
 * Builds the whole export path from the configuration: one target per signal (the collector over
 * OTLP/HTTP, or the local file of OTLP/JSON lines), a spool per signal when sending to a
 * collector, a channel per signal, the batchers that encode records into requests, and the
 * processors and metric reader the SDK providers plug into. Nothing outside wires its parts.
 */
export function createExporter(
  config: ExportConfig,
  diag: Diagnostics,
  metricProducers: MetricProducer[] = [],
): Exporter {
  const encoding: Encoding =
    config.protocol === 'http/json' || !config.endpoint ? 'json' : 'protobuf';
  const json = encoding === 'json';
  const fileTarget = config.endpoint
    ? undefined
    : new FileTarget({ path: config.file, maxBytes: 64 * 1024 * 1024 });

  const channels: Channel[] = [];
  const channel = (signal: Signal): Channel => {
    const target: ExportTarget =
      fileTarget ??
      new HttpTarget({
        url: config.signalEndpoints[signal],
        headers: config.headers,
        timeoutMs: config.timeoutsMs[signal],
      });
    const spool =
      config.spool && config.endpoint
        ? new Spool({
            directory: join(config.spool.directory, signal),
            signal,
            maxBytes: config.spool.maxBytes,
            diag,
          })
        : undefined;
    const created = new Channel({
      signal,
      target,
      encoding,
      spool,
      maxMemoryBytes: config.maxMemoryBytes,
      diag,
    });
    channels.push(created);
    return created;
  };

  const batchers: Array<Batcher<never>> = [];
  const batcher = <T>(signal: Signal, encoder: BatchEncoder<T>): Batcher<T> => {
    const created = new Batcher<T>({
      signal,
      channel: channel(signal),
      encoder,
      maxBatchRecords: 512,
      // Protobuf batches grow record by record, so a large one costs no pause; OTLP/JSON is
      // encoded at once, so its batches stay small even in a burst.
      burstBatchRecords: json ? 512 : 8192,
      maxBatchBytes: 1024 * 1024,
      flushIntervalMs: 1000,
      diag,
    });
    batchers.push(created as unknown as Batcher<never>);
    return created;
  };

  // Protobuf, the default, is encoded record by record as records arrive (export/otlp/);
  // OTLP/JSON keeps the records and uses the upstream serializer.
  const logBatcher = batcher<ReadableLogRecord>(
    'logs',
    json
      ? new JsonBatch((items) => JsonLogsSerializer.serializeRequest(items), estimateLogRecord)
      : new ProtobufBatch(LOG_RECORD),
  );
  const spanBatcher = batcher<ReadableSpan>(
    'traces',
    json
      ? new JsonBatch((items) => JsonTraceSerializer.serializeRequest(items), estimateSpan)
      : new ProtobufBatch(SPAN),
  );
  const metricReader = new PeriodicExportingMetricReader({
    exporter: new ChannelMetricExporter(
      channel('metrics'),
      (data) => (json ? JsonMetricsSerializer : ProtobufMetricsSerializer).serializeRequest(data),
      diag,
    ),
    exportIntervalMillis: config.metricsIntervalMs,
    metricProducers,
  });

  const encodeAll = () => {
    for (const b of batchers) b.flush();
  };

  return {
    logProcessor: new ExportLogProcessor(logBatcher),
    spanProcessor: new ExportSpanProcessor(spanBatcher),
    metricReader,
    destination: config.endpoint ?? config.file,
    async flush(deadline) {
      encodeAll();
      await Promise.all(channels.map((ch) => ch.flush(Math.max(0, deadline - Date.now()))));
    },
    get idle() {
      return batchers.every((b) => b.empty) && channels.every((ch) => ch.idle);
    },
    close() {
      encodeAll();
      for (const ch of channels) ch.close();
    },
    observe(meter) {
      const counters = diag.counters;
      meter
        .createObservableCounter(METRIC.EXPORT_DROPPED, {
          description: 'Telemetry records this process could not deliver',
          unit: '{record}',
        })
        .addCallback((result) => result.observe(counters.dropped));
      meter
        .createObservableCounter(METRIC.EXPORT_SPOOLED, {
          description:
            'Telemetry records kept in the local spool while the collector was unreachable',
          unit: '{record}',
        })
        .addCallback((result) => result.observe(counters.spooled));
    },
    get memoryBytes() {
      return channels.reduce((sum, ch) => sum + ch.memoryBytes, 0);
    },
    get spoolBytes() {
      return channels.reduce((sum, ch) => sum + ch.spoolBytes, 0);
    },
  };
}
