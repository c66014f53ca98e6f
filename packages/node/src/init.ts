import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { DiagLogLevel, context, diag, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  RESOURCE,
  createLevelResolver,
  createRedactor,
  setHistogramSeriesSource,
  setOwnRecordSink,
  setPipelineRedactor,
} from '@tracelog/core';
import type { OwnRecordSink, Redactor } from '@tracelog/core';
import { resolveConfig } from './config/resolve.js';
import type { ResolvedConfig } from './config/resolve.js';
import { configureContext } from './context.js';
import { createExporter } from './export/exporter.js';
import type { Exporter } from './export/exporter.js';
import { HistogramSeriesProducer } from './metrics/histogram-series.js';
import { enableInstrumentations } from './instrumentations/registry.js';
import type { EnabledInstrumentations } from './instrumentations/registry.js';
import { takenSdkSlots } from './internal/api-global.js';
import { diagnostics } from './internal/diag.js';
import { RecordProvider } from './logs/log-provider.js';
import { configureLoggers } from './logs/logger.js';
import { LogPipeline } from './logs/pipeline.js';
import { SpanPipeline } from './traces/span-pipeline.js';
import { createPropagator } from './traces/propagation.js';
import { createSampler } from './traces/sampler.js';
import { runSelfCheck } from './internal/selfcheck.js';
import { SpanProvider } from './traces/span-provider.js';
import { ConsoleSink } from './logs/console.js';
import type { InitOptions, ShutdownOptions, TracelogHandle } from './types.js';
import { VERSION } from './version.js';

let current: TracelogHandle | undefined;

/**
 * Sets up tracing, logging and metrics for this process in one call: OTLP export to the
 * collector (or, with no endpoint configured, pretty console plus a local file), HTTP
 * instrumentation, BullMQ when installed, redaction, and flushing on exit. Call it before the
 * app loads its HTTP framework, or start with `node --import @tracelog/node/register`.
 * Calling it again returns the running handle.
 *
 * The process-wide state it sets, all released by `shutdown()`:
 * - `@opentelemetry/api`'s globals (`OTEL_API_GLOBAL` in core's `globals.ts`): the context
 *   manager, propagator, tracer, logger and meter providers, and the diagnostic logger;
 * - core's three slots, `HISTOGRAM_SERIES_SLOT` (through `setHistogramSeriesSource`),
 *   `PIPELINE_REDACTOR_SLOT` (through `setPipelineRedactor`) and `OWN_RECORD_SINK_SLOT` (through
 *   `setOwnRecordSink`);
 * - the instrumentations' patches (`HTTP_SERVER_PATCHED` marks the HTTP server's);
 * - `process` listeners for SIGTERM, SIGINT, beforeExit and exit (unless `handleSignals: false`);
 * - this module's `current` handle, which makes a second `init()` return the first.
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
  installDiagLogger(config);
  const resource = serviceResource(config);
  const histograms = new HistogramSeriesProducer(resource);
  const exporter = createExporter(config, diagnostics, [histograms]);
  const redactor = config.redaction.enabled ? createRedactor(config.redaction) : undefined;
  const providers: Providers = {
    loggerProvider: new RecordProvider(
      resource,
      logPipeline(config, redactor, [...consoleSink(config), exporter.logProcessor]),
    ),
    tracerProvider: new SpanProvider(
      resource,
      createSampler(config.sampler),
      new SpanPipeline(redactor, [exporter.spanProcessor]),
    ),
    meterProvider: new MeterProvider({ resource, readers: [exporter.metricReader] }),
  };
  exporter.observe(providers.meterProvider.getMeter('tracelog', VERSION));
  registerGlobals(config, providers, histograms, redactor);
  setOwnRecordSink(ownRecords(config, exporter, resource, redactor));
  const instrumentations = enableInstrumentations(config.instrumentations, providers);
  const handle = lifecycle(config, providers, exporter, instrumentations);
  runSelfCheck(config, diagnostics);
  return handle;
}

/**
 * The direct path for our own records (`http.request`, `job.*`, `task.*`), where the pipeline
 * would do nothing to them but redact them: with console output, dedupe or a rate limit they go
 * through it as any record does.
 */
function ownRecords(
  config: ResolvedConfig,
  exporter: Exporter,
  resource: Resource,
  redactor: Redactor | undefined,
): OwnRecordSink | undefined {
  if (config.console !== false || config.dedupeWindowMs > 0 || config.rateLimit) return undefined;
  return exporter.ownRecords(resource, redactor, new Set(config.baggageKeys));
}

interface Providers {
  loggerProvider: RecordProvider;
  tracerProvider: SpanProvider;
  meterProvider: MeterProvider;
}

/**
 * OpenTelemetry's own diagnostics: errors and warnings rate-limited like ours; the chattier
 * levels, when asked for with OTEL_LOG_LEVEL, as they come.
 */
function installDiagLogger(config: ResolvedConfig): void {
  const say = (message: string, ...args: unknown[]) => {
    const line = diagText(message, args);
    diagnostics.warn(`otel:${line}`, `OpenTelemetry: ${line}`);
  };
  const tell = (message: string, ...args: unknown[]) =>
    process.stderr.write(`tracelog: OpenTelemetry: ${diagText(message, args)}\n`);
  diag.setLogger(
    { error: say, warn: say, info: tell, debug: tell, verbose: tell },
    { logLevel: DIAG_LEVEL[config.diagLevel], suppressOverrideMessage: true },
  );
}

/**
 * A diagnostic call as one line. Component loggers (`diag.createComponentLogger`, which the
 * instrumentations use) pass their namespace first and the message after it.
 */
function diagText(message: string, args: unknown[]): string {
  const parts = args.map((arg) => (arg instanceof Error ? arg.message : String(arg)));
  return [message, ...parts].join(' ');
}

/** Who is sending, on every record, span and metric. */
function serviceResource(config: ResolvedConfig): Resource {
  return resourceFromAttributes({
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
}

/** Sets the process-wide state listed above `init()`, except the instrumentations' patches. */
function registerGlobals(
  config: ResolvedConfig,
  providers: Providers,
  histograms: HistogramSeriesProducer,
  redactor: Redactor | undefined,
): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(createPropagator(config.propagators));
  trace.setGlobalTracerProvider(providers.tracerProvider);
  logs.setGlobalLoggerProvider(providers.loggerProvider);
  metrics.setGlobalMeterProvider(providers.meterProvider);
  setHistogramSeriesSource(providers.meterProvider, histograms);
  setPipelineRedactor(redactor ?? null);
  configureLoggers(createLevelResolver(config.level, config.levels));
  configureContext(config.baggageKeys);
}

/** Releases what `registerGlobals` set, so a later init() in the same process starts clean. */
function releaseGlobals(): void {
  trace.disable();
  logs.disable();
  metrics.disable();
  setHistogramSeriesSource();
  setPipelineRedactor();
  setOwnRecordSink();
  propagation.disable();
  context.disable();
}

/** The handle's flush and shutdown (one deadline for both), and the exit hooks that call them. */
function lifecycle(
  config: ResolvedConfig,
  providers: Providers,
  exporter: Exporter,
  instrumentations: EnabledInstrumentations,
): TracelogHandle {
  const { tracerProvider, meterProvider, loggerProvider } = providers;
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
      // From here our own records take the general path, which drops them once the provider stops.
      setOwnRecordSink();
      await flushAll(Date.now() + (opts.deadlineMs ?? config.shutdownDeadlineMs), 'shutdown');
      // Whatever the deadline left undelivered goes to the file or spool now.
      exporter.close();
      releaseGlobals();
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
