import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DiagLogLevel, context, diag, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  RESOURCE,
  createLevelResolver,
  createRedactor,
  setHistogramSeriesSource,
  setPipelineRedactor,
} from '@tracelog/core';
import { resolveConfig } from './config.js';
import type { ResolvedConfig } from './config.js';
import { configureContext } from './context.js';
import { createExporter } from './export/exporter.js';
import { HistogramSeriesProducer } from './histogram-series.js';
import { enableInstrumentations } from './instrumentations/registry.js';
import { takenSdkSlots } from './internal/api-global.js';
import { diagnostics } from './internal/diag.js';
import { RecordProvider } from './log-provider.js';
import { configureLoggers } from './logger.js';
import { LogPipeline, SpanPipeline } from './pipeline.js';
import { createPropagator } from './propagation.js';
import { createSampler } from './sampler.js';
import { runSelfCheck } from './selfcheck.js';
import { SpanProvider } from './span-provider.js';
import { ConsoleSink } from './sinks/console.js';
import type { InitOptions, ShutdownOptions, TracelogHandle } from './types.js';
import { VERSION } from './version.js';

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
  const taken = takenSdkSlots();
  if (taken.length > 0) current = startRefused(taken);
  else current = config.disabled ? startDisabled(config) : start(config);
  return current;
}

const DIAG_LEVEL: Record<ResolvedConfig['diagLevel'], DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

function start(config: ResolvedConfig): TracelogHandle {
  // OpenTelemetry's own diagnostics: errors and warnings rate-limited like ours; the chattier
  // levels, when asked for with OTEL_LOG_LEVEL, as they come.
  const say = (message: string) => diagnostics.warn(`otel:${message}`, `OpenTelemetry: ${message}`);
  const tell = (message: string) => process.stderr.write(`tracelog: OpenTelemetry: ${message}\n`);
  diag.setLogger(
    { error: say, warn: say, info: tell, debug: tell, verbose: tell },
    { logLevel: DIAG_LEVEL[config.diagLevel], suppressOverrideMessage: true },
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
  propagation.setGlobalPropagator(createPropagator(config.propagators));

  const histograms = new HistogramSeriesProducer(resource);
  const exporter = createExporter(config, diagnostics, [histograms]);
  const redactor = config.redaction.enabled ? createRedactor(config.redaction) : undefined;
  const loggerProvider = new RecordProvider(
    resource,
    logPipeline(config, redactor, [...consoleSink(config), exporter.logProcessor]),
  );

  const tracerProvider = new SpanProvider(
    resource,
    createSampler(config.sampler),
    new SpanPipeline(redactor, [exporter.spanProcessor]),
  );

  const meterProvider = new MeterProvider({ resource, readers: [exporter.metricReader] });
  exporter.observe(meterProvider.getMeter('tracelog', VERSION));

  trace.setGlobalTracerProvider(tracerProvider);
  logs.setGlobalLoggerProvider(loggerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  setHistogramSeriesSource(meterProvider, histograms);
  setPipelineRedactor(redactor ?? null);
  configureLoggers(createLevelResolver(config.level, config.levels));
  configureContext(config.baggageKeys);

  const instrumentations = enableInstrumentations(config.instrumentations, {
    tracerProvider,
    meterProvider,
  });

  // The one flush: providers hand over what they buffer (the meter its current readings), then
  // the exporter delivers everything within the same deadline.
  const flushAll = async (deadline: number, providers: 'flush' | 'shutdown') => {
    const remaining = () => Math.max(0, deadline - Date.now());
    await withDeadline(
      Promise.all(
        providers === 'flush'
          ? [tracerProvider.forceFlush(), meterProvider.forceFlush(), loggerProvider.forceFlush()]
          : [tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()],
      ),
      remaining(),
    );
    await exporter.flush(deadline);
  };
  const flush = ({ deadlineMs = config.shutdownDeadlineMs }: ShutdownOptions = {}) =>
    flushAll(Date.now() + deadlineMs, 'flush');
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (opts: ShutdownOptions = {}) => {
    shuttingDown ??= (async () => {
      removeHooks();
      instrumentations.disable();
      await flushAll(Date.now() + (opts.deadlineMs ?? config.shutdownDeadlineMs), 'shutdown');
      // Whatever the deadline left undelivered goes to the file or spool now.
      exporter.close();
      // Release the globals so a later init() in the same process starts clean.
      trace.disable();
      logs.disable();
      metrics.disable();
      setHistogramSeriesSource();
      setPipelineRedactor();
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
        close: () => exporter.close(),
        idle: () => exporter.idle,
      })
    : () => undefined;

  runSelfCheck(config, diagnostics);

  return {
    flush,
    shutdown,
    stats: () => ({
      ...diagnostics.counters,
      memoryBytes: exporter.memoryBytes,
      spoolBytes: exporter.spoolBytes,
    }),
    destination: exporter.destination,
  };
}

/**
 * Flushes on SIGTERM/SIGINT and when the event loop empties, then lets the process end as it
 * would have: if the app has its own signal handler, that handler decides; otherwise the signal
 * is re-raised after the flush so the exit code is the usual one. On `exit` (which allows no
 * more async work) what is still buffered is written synchronously to the local file or spool.
 */
function installExitHooks(hooks: {
  flush: () => Promise<void>;
  shutdown: () => Promise<void>;
  close: () => void;
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
  // The event loop emptied: the app is done, and a one-shot script's records still sit in the
  // batchers (and its metrics in the meter). The flush's own work keeps the loop alive until the
  // records are delivered; then beforeExit fires again. Flush again only when something new was
  // recorded meanwhile: the meter would otherwise produce a fresh reading every time, forever.
  let flushing = false;
  let flushedOnce = false;
  const onBeforeExit = () => {
    if (flushing || (flushedOnce && hooks.idle())) return;
    flushing = true;
    flushedOnce = true;
    void hooks.flush().finally(() => {
      flushing = false;
    });
  };
  const onExit = () => hooks.close();
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

/** The console output, when configured: first, so people see a line before it is exported. */
function consoleSink(config: ResolvedConfig): LogRecordProcessor[] {
  if (!config.console) return [];
  return [
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
  ];
}

/** Every log record passes here once: redaction, context, sampling, dedupe, rate limit. */
function logPipeline(
  config: ResolvedConfig,
  redactor: ReturnType<typeof createRedactor> | undefined,
  sinks: LogRecordProcessor[],
): LogPipeline {
  return new LogPipeline({
    redactor,
    baggageKeys: new Set(config.baggageKeys),
    debugSampleEvery: config.debugSampleEvery,
    dedupeWindowMs: config.dedupeWindowMs,
    rateLimit: config.rateLimit,
    sinks,
    diag: diagnostics,
  });
}

/**
 * `OTEL_SDK_DISABLED=true`: no instrumentation, no export, no file, no exit hooks. The app's
 * own log lines still reach the console (redacted as ever): they are its output, not telemetry.
 */
function startDisabled(config: ResolvedConfig): TracelogHandle {
  diagnostics.warn('disabled', 'OTEL_SDK_DISABLED is set: no telemetry is recorded or sent');
  const redactor = config.redaction.enabled ? createRedactor(config.redaction) : undefined;
  const loggerProvider = new RecordProvider(
    defaultResource(),
    logPipeline({ ...config, baggageKeys: [] }, redactor, consoleSink(config)),
  );
  logs.setGlobalLoggerProvider(loggerProvider);
  configureLoggers(createLevelResolver(config.level, config.levels));
  const done = () => Promise.resolve();
  return {
    flush: done,
    shutdown: async () => {
      await loggerProvider.shutdown();
      logs.disable();
      current = undefined;
    },
    stats: () => ({ ...diagnostics.counters, memoryBytes: 0, spoolBytes: 0 }),
    destination: 'none (OTEL_SDK_DISABLED)',
  };
}

/**
 * Another OpenTelemetry SDK or APM agent registered global providers before init(). tracelog
 * does not join it: its providers cannot take our processors, and registering what is left would
 * leave the app half on one SDK and half on the other. So nothing is registered, patched or
 * hooked, and the other SDK keeps working as it did. tracelog's loggers write through the
 * OpenTelemetry API like any library, so their records go wherever that SDK sends logs.
 */
function startRefused(taken: string[]): TracelogHandle {
  diagnostics.warn(
    'refused',
    `another OpenTelemetry SDK registered the global ${taken.join(', ')} before init(), so tracelog ` +
      'did not start (no instrumentation, no export). Start tracelog first ' +
      '(node --import @tracelog/node/register, or init() before the other SDK), or remove the other SDK.',
  );
  const done = () => Promise.resolve();
  return {
    flush: done,
    shutdown: async () => {
      current = undefined;
    },
    stats: () => ({ ...diagnostics.counters, memoryBytes: 0, spoolBytes: 0 }),
    destination: `none (another OpenTelemetry SDK registered ${taken.join(', ')} first)`,
  };
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
