import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { DiagLogLevel, context, diag, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import {
  JsonLogsSerializer,
  JsonMetricsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufMetricsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { RESOURCE, createLevelResolver, createRedactor } from '@tracelog/core';
import { resolveConfig } from './config.js';
import type { ResolvedConfig } from './config.js';
import { configureContext } from './context.js';
import { Batcher } from './export/batcher.js';
import { Channel } from './export/channel.js';
import { FileTarget } from './export/file-target.js';
import { HttpTarget } from './export/http-target.js';
import { ChannelMetricExporter } from './export/metric-exporter.js';
import {
  ExportLogProcessor,
  ExportSpanProcessor,
  estimateLogRecord,
  estimateSpan,
} from './export/processors.js';
import { Spool } from './export/spool.js';
import type { ExportTarget } from './export/target.js';
import { createHttpInstrumentation } from './instrumentations/http.js';
import { diagnostics } from './internal/diag.js';
import { configureLoggers } from './logger.js';
import { LogPipeline, SpanPipeline } from './pipeline.js';
import { runSelfCheck } from './selfcheck.js';
import { ConsoleSink } from './sinks/console.js';
import type { BullMQOptions, InitOptions, ShutdownOptions, TracelogHandle } from './types.js';
import { VERSION } from './version.js';

type Signal = 'logs' | 'traces' | 'metrics';

let current: TracelogHandle | undefined;

/**
 * Sets up tracing, logging and metrics for this process in one call: OTLP export to the
 * collector (or, with no endpoint configured, pretty console plus a local file), HTTP
 * instrumentation, BullMQ when installed, redaction, and flushing on exit. Call it before the
 * app loads its HTTP framework, or start with `node --import @tracelog/node/register`.
 * Calling it again returns the running handle.
 */
export function init(options: InitOptions = {}): TracelogHandle {
  if (current) {
    diagnostics.warn('init-twice', 'init() was called again; keeping the first configuration');
    return current;
  }
  const { config, warnings } = resolveConfig(options, process.env);
  for (const warning of warnings) diagnostics.warn(`config:${warning}`, warning);
  current = start(config);
  return current;
}

function start(config: ResolvedConfig): TracelogHandle {
  diag.setLogger(
    {
      error: (message) => diagnostics.warn(`otel:${message}`, `OpenTelemetry: ${message}`),
      warn: (message) => diagnostics.warn(`otel:${message}`, `OpenTelemetry: ${message}`),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );

  const resource = resourceFromAttributes({
    [RESOURCE.SERVICE_NAME]: config.serviceName,
    ...(config.serviceVersion && { [RESOURCE.SERVICE_VERSION]: config.serviceVersion }),
    ...(config.serviceNamespace && { [RESOURCE.SERVICE_NAMESPACE]: config.serviceNamespace }),
    [RESOURCE.DEPLOYMENT_ENVIRONMENT]: config.environment,
    [RESOURCE.SERVICE_INSTANCE_ID]: randomUUID(),
    [RESOURCE.HOST_NAME]: hostname(),
    [RESOURCE.PROCESS_PID]: process.pid,
    [RESOURCE.TELEMETRY_SDK_NAME]: 'opentelemetry',
    [RESOURCE.TELEMETRY_SDK_LANGUAGE]: 'nodejs',
    [RESOURCE.TELEMETRY_DISTRO_NAME]: 'tracelog',
    [RESOURCE.TELEMETRY_DISTRO_VERSION]: VERSION,
    ...config.resourceAttributes,
  });

  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );

  const json = config.protocol === 'http/json' || !config.endpoint;
  const fileTarget = config.endpoint
    ? undefined
    : new FileTarget({ path: config.file, maxBytes: 64 * 1024 * 1024 });
  const channels: Channel[] = [];
  const channel = (signal: Signal): Channel => {
    const target: ExportTarget =
      fileTarget ??
      new HttpTarget({
        url: config.signalEndpoints[signal],
        contentType: json ? 'application/json' : 'application/x-protobuf',
        headers: config.headers,
        timeoutMs: 10_000,
      });
    const spool =
      config.spool && config.endpoint
        ? new Spool({
            directory: join(config.spool.directory, signal),
            signal,
            maxBytes: config.spool.maxBytes,
            diag: diagnostics,
          })
        : undefined;
    const created = new Channel({
      signal,
      target,
      spool,
      maxMemoryBytes: config.maxMemoryBytes,
      diag: diagnostics,
    });
    channels.push(created);
    return created;
  };

  const batchers: Array<Batcher<never>> = [];
  const batcher = <T>(
    signal: Signal,
    ch: Channel,
    serialize: (items: T[]) => Uint8Array | undefined,
    estimateBytes: (item: T) => number,
  ) => {
    const created = new Batcher<T>({
      signal,
      channel: ch,
      serialize,
      estimateBytes,
      maxBatchRecords: 512,
      maxBatchBytes: 1024 * 1024,
      flushIntervalMs: 1000,
      diag: diagnostics,
    });
    batchers.push(created as unknown as Batcher<never>);
    return created;
  };

  const flushTimeoutMs = config.shutdownDeadlineMs;
  const logChannel = channel('logs');
  const logBatcher = batcher<ReadableLogRecord>(
    'logs',
    logChannel,
    (items) => (json ? JsonLogsSerializer : ProtobufLogsSerializer).serializeRequest(items),
    estimateLogRecord,
  );
  const logSinks: LogRecordProcessor[] = [
    new ExportLogProcessor(logBatcher, logChannel, flushTimeoutMs),
  ];
  if (config.console) {
    logSinks.unshift(
      new ConsoleSink({
        format: config.console,
        stream: process.stdout,
        color: config.color,
        onSkip: () =>
          diagnostics.warn(
            'console-skip',
            'console output is backed up; skipping console lines (export is unaffected)',
          ),
      }),
    );
  }
  const redactor = config.redaction.enabled ? createRedactor(config.redaction) : undefined;
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new LogPipeline({
        redactor,
        baggageKeys: new Set(config.baggageKeys),
        debugSampleEvery: config.debugSampleEvery,
        dedupeWindowMs: config.dedupeWindowMs,
        rateLimit: config.rateLimit,
        sinks: logSinks,
        diag: diagnostics,
      }),
    ],
  });

  const traceChannel = channel('traces');
  const spanBatcher = batcher<ReadableSpan>(
    'traces',
    traceChannel,
    (items) => (json ? JsonTraceSerializer : ProtobufTraceSerializer).serializeRequest(items),
    estimateSpan,
  );
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new SpanPipeline(redactor, [
        new ExportSpanProcessor(spanBatcher, traceChannel, flushTimeoutMs),
      ]),
    ],
  });

  const metricChannel = channel('metrics');
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new ChannelMetricExporter(
          metricChannel,
          (data) =>
            (json ? JsonMetricsSerializer : ProtobufMetricsSerializer).serializeRequest(data),
          diagnostics,
        ),
        exportIntervalMillis: config.metricsIntervalMs,
      }),
    ],
  });

  trace.setGlobalTracerProvider(tracerProvider);
  logs.setGlobalLoggerProvider(loggerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  configureLoggers(createLevelResolver(config.level, config.levels));
  configureContext(config.baggageKeys);

  const instrumentations: Instrumentation[] = [];
  if (config.instrumentations.http) instrumentations.push(createHttpInstrumentation(config.http));
  const disableInstrumentations = registerInstrumentations({
    instrumentations,
    tracerProvider,
    meterProvider,
  });
  if (config.instrumentations.http) {
    // node:http may already be loaded (an ESM app, a test runner): requiring it again lets the
    // instrumentation patch the shared module object and Server.prototype now.
    const require = createRequire(import.meta.url);
    require('node:http');
    require('node:https');
    // ESM named imports of builtins (`import { request } from 'node:http'`) see the patched
    // functions only after this.
    syncBuiltinESMExports();
  }
  const queueOptions = config.instrumentations.bullmq;
  const disableQueue = queueOptions ? enableQueueInstrumentation(queueOptions) : undefined;

  let shuttingDown: Promise<void> | undefined;
  const flushChannels = async (deadline: number) => {
    for (const b of batchers) b.flush();
    await Promise.all(channels.map((ch) => ch.flush(Math.max(0, deadline - Date.now()))));
  };
  const flush = async ({ deadlineMs = config.shutdownDeadlineMs }: ShutdownOptions = {}) => {
    const deadline = Date.now() + deadlineMs;
    await withDeadline(
      Promise.all([
        tracerProvider.forceFlush(),
        meterProvider.forceFlush(),
        loggerProvider.forceFlush(),
      ]),
      deadlineMs,
    );
    await flushChannels(deadline);
  };
  const persist = () => {
    // Synchronous last step: whatever is still buffered goes to the spool for the next start.
    for (const b of batchers) b.flush();
    for (const ch of channels) ch.close();
  };
  const shutdown = (opts: ShutdownOptions = {}) => {
    shuttingDown ??= (async () => {
      const deadline = Date.now() + (opts.deadlineMs ?? config.shutdownDeadlineMs);
      removeHooks();
      disableInstrumentations();
      disableQueue?.();
      // Providers first (the meter exports its last readings on shutdown), then the channels.
      await withDeadline(
        Promise.all([
          tracerProvider.shutdown(),
          meterProvider.shutdown(),
          loggerProvider.shutdown(),
        ]),
        Math.max(0, deadline - Date.now()),
      );
      await flushChannels(deadline);
      persist();
      // Release the globals so a later init() in the same process starts clean.
      trace.disable();
      logs.disable();
      metrics.disable();
      propagation.disable();
      context.disable();
      current = undefined;
    })();
    return shuttingDown;
  };

  const removeHooks = config.handleSignals
    ? installExitHooks({
        flush: () => flush(),
        shutdown: () => shutdown(),
        persist,
        idle: () => channels.every((ch) => ch.idle),
      })
    : () => undefined;

  runSelfCheck(config, diagnostics);

  return {
    flush,
    shutdown,
    stats: () => ({
      ...diagnostics.counters,
      memoryBytes: channels.reduce((sum, ch) => sum + ch.memoryBytes, 0),
      spoolBytes: channels.reduce((sum, ch) => sum + ch.spoolBytes, 0),
    }),
    destination: config.endpoint ?? config.file,
  };
}

/**
 * Flushes on SIGTERM/SIGINT and when the event loop empties, then lets the process end as it
 * would have: if the app has its own signal handler, that handler decides; otherwise the signal
 * is re-raised after the flush so the exit code is the usual one. On `exit` (which allows no
 * more async work) buffered telemetry is written to the spool synchronously.
 */
function installExitHooks(hooks: {
  flush: () => Promise<void>;
  shutdown: () => Promise<void>;
  persist: () => void;
  idle: () => boolean;
}): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    const appHandles = process.listenerCount(signal) > 1;
    void hooks.shutdown().finally(() => {
      if (!appHandles) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    });
  };
  let flushingBeforeExit = false;
  const onBeforeExit = () => {
    // beforeExit fires again after our flush's own async work: only flush while there is work.
    if (flushingBeforeExit || hooks.idle()) return;
    flushingBeforeExit = true;
    void hooks.flush().finally(() => {
      flushingBeforeExit = false;
    });
  };
  const onExit = () => hooks.persist();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  return () => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('beforeExit', onBeforeExit);
    process.removeListener('exit', onExit);
  };
}

/**
 * Turns on BullMQ instrumentation when `@tracelog/queue-instrumentation` is installed, resolved
 * as the application would resolve it: from its entry script's folder, then the working folder.
 */
function enableQueueInstrumentation(options: BullMQOptions): (() => void) | undefined {
  for (const base of appResolutionBases()) {
    try {
      const queue = createRequire(join(base, 'index.js'))('@tracelog/queue-instrumentation') as {
        instrumentBullMQ?: (options: BullMQOptions) => { disable(): void };
      };
      const handle = queue.instrumentBullMQ?.(options);
      return handle ? () => handle.disable() : undefined;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

function appResolutionBases(): string[] {
  const entry = process.argv[1];
  return entry ? [dirname(resolvePath(entry)), process.cwd()] : [process.cwd()];
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    // Not unref'd: whoever awaits this wants the answer, and the deadline bounds the wait.
    const timer = setTimeout(() => resolve(undefined), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}
