import { join } from 'node:path';
import type { Meter } from '@opentelemetry/api';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufMetricsSerializer,
} from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricProducer, MetricReader, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { METRIC } from '@tracelog/core';
import type { Redactor } from '@tracelog/core';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Diagnostics } from '../internal/diag.js';
import { Batcher } from './batcher.js';
import { Channel } from './channel.js';
import { FileTarget } from './file-target.js';
import { HttpTarget } from './http-target.js';
import { JsonBatch, ProtobufBatch } from './otlp/batch.js';
import type { BatchEncoder } from './otlp/batch.js';
import { LOG_RECORD } from './otlp/logs.js';
import type { LogItem } from './otlp/logs.js';
import { OwnRecords } from './otlp/own-records.js';
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
  /**
   * The direct path for tracelog's own records into the logs batch (`OwnRecords`), for a
   * pipeline with `redactor` and `baggageKeys`; undefined with OTLP/JSON, which keeps records.
   */
  ownRecords(
    resource: Resource,
    redactor: Redactor | undefined,
    baggageKeys: ReadonlySet<string>,
  ): OwnRecords | undefined;
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
  const encoding = encodingOf(config);
  const channels = createChannels(config, encoding, diag);
  const batchers = {
    logs: createBatcher('logs', channels.logs, logEncoder(encoding), encoding, diag),
    traces: createBatcher('traces', channels.traces, spanEncoder(encoding), encoding, diag),
  };
  const metricExporter = new ChannelMetricExporter(
    channels.metrics,
    metricSerializer(encoding),
    diag,
  );
  const metricReader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: config.metricsIntervalMs,
    // The reader refuses a timeout longer than its interval (and says so at info level): the
    // export's own timeout, within the interval.
    exportTimeoutMillis: Math.min(config.timeoutsMs.metrics, config.metricsIntervalMs),
    metricProducers,
  });
  const allChannels = Object.values(channels);
  const encodeAll = () => {
    batchers.logs.flush();
    batchers.traces.flush();
  };

  return {
    logProcessor: new ExportLogProcessor(batchers.logs),
    spanProcessor: new ExportSpanProcessor(batchers.traces),
    metricReader,
    ownRecords: (resource, redactor, baggageKeys) =>
      encoding === 'json'
        ? undefined
        : new OwnRecords({
            resource,
            redactor,
            baggageKeys,
            add: (item) => batchers.logs.add(item),
          }),
    destination: config.endpoint ?? config.file,
    async flush(deadline) {
      encodeAll();
      const remaining = Math.max(0, deadline - Date.now());
      await Promise.all([
        channels.logs.flush(remaining),
        channels.traces.flush(remaining),
        metricExporter.forceFlush(deadline),
      ]);
    },
    get idle() {
      return batchers.logs.empty && batchers.traces.empty && allChannels.every((ch) => ch.idle);
    },
    close() {
      encodeAll();
      for (const ch of allChannels) ch.close();
    },
    observe: (meter) => observeExport(meter, diag),
    get memoryBytes() {
      return allChannels.reduce((sum, ch) => sum + ch.memoryBytes, 0);
    },
    get spoolBytes() {
      return allChannels.reduce((sum, ch) => sum + ch.spoolBytes, 0);
    },
  };
}

/** OTLP/JSON when asked for, and always for the local file (people and `jq` read it); else protobuf. */
function encodingOf(config: ExportConfig): Encoding {
  return config.protocol === 'http/json' || !config.endpoint ? 'json' : 'protobuf';
}

/** A channel per signal, each with its target and, towards a collector, its spool. */
function createChannels(
  config: ExportConfig,
  encoding: Encoding,
  diag: Diagnostics,
): Record<Signal, Channel> {
  const fileTarget = config.endpoint
    ? undefined
    : new FileTarget({ path: config.file, maxBytes: 64 * 1024 * 1024 });
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
    return new Channel({
      signal,
      target,
      encoding,
      spool,
      maxMemoryBytes: config.maxMemoryBytes,
      diag,
    });
  };
  return { logs: channel('logs'), traces: channel('traces'), metrics: channel('metrics') };
}

function createBatcher<T>(
  signal: Signal,
  channel: Channel,
  encoder: BatchEncoder<T>,
  encoding: Encoding,
  diag: Diagnostics,
): Batcher<T> {
  return new Batcher<T>({
    signal,
    channel,
    encoder,
    maxBatchRecords: 512,
    // Protobuf batches grow record by record, so a large one costs no pause; OTLP/JSON is
    // encoded at once, so its batches stay small even in a burst.
    burstBatchRecords: encoding === 'json' ? 512 : 8192,
    maxBatchBytes: 1024 * 1024,
    flushIntervalMs: 1000,
    diag,
  });
}

// Protobuf, the default, is encoded record by record as records arrive (export/otlp/); OTLP/JSON
// keeps the records and uses the upstream serializer.
function logEncoder(encoding: Encoding): BatchEncoder<LogItem> {
  // JSON batches never hold own items: `ownRecords` offers no direct path with OTLP/JSON.
  return encoding === 'json'
    ? new JsonBatch(
        (items) => JsonLogsSerializer.serializeRequest(items as ReadableLogRecord[]),
        estimateLogRecord as (item: LogItem) => number,
      )
    : new ProtobufBatch(LOG_RECORD);
}

function spanEncoder(encoding: Encoding): BatchEncoder<ReadableSpan> {
  return encoding === 'json'
    ? new JsonBatch((items) => JsonTraceSerializer.serializeRequest(items), estimateSpan)
    : new ProtobufBatch(SPAN);
}

function metricSerializer(
  encoding: Encoding,
): (metrics: ResourceMetrics) => Uint8Array | undefined {
  const serializer = encoding === 'json' ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  return (metrics) => serializer.serializeRequest(metrics);
}

/** Reports `tracelog.export.*` on `meter` from the export counters. */
function observeExport(meter: Meter, diag: Diagnostics): void {
  const counters = diag.counters;
  meter
    .createObservableCounter(METRIC.EXPORT_DROPPED, {
      description: 'Telemetry records this process could not deliver',
      unit: '{record}',
    })
    .addCallback((result) => result.observe(counters.dropped));
  meter
    .createObservableCounter(METRIC.EXPORT_SPOOLED, {
      description: 'Telemetry records kept in the local spool while the collector was unreachable',
      unit: '{record}',
    })
    .addCallback((result) => result.observe(counters.spooled));
}
