import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  logs,
  metrics,
  trace,
} from '@opentelemetry/api';
import type { Attributes, Link } from '@opentelemetry/api';
import {
  ATTR,
  EVENT,
  METRIC,
  SEVERITY_NUMBER,
  createRedactor,
  getScopedAttributes,
  setScopedAttributes,
} from '@tracelog/core';
import { extractCarrier } from './carrier.js';
import { WorkerStats } from './stats.js';
import type { JobCarrier, QueueInstrumentationOptions } from './types.js';
import { VERSION } from './version.js';

const SCOPE = '@tracelog/queue-instrumentation';
const tracer = () => trace.getTracer(SCOPE, VERSION);
const logger = () => logs.getLogger(SCOPE, VERSION);
const meter = () => metrics.getMeter(SCOPE, VERSION);
const redactor = createRedactor();

/** What a job run needs to know about the job. */
export interface JobInfo {
  /** `messaging.system`, e.g. `bullmq`. */
  system: string;
  queue: string;
  name: string;
  id: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** How many attempts the job may have in all. */
  maxAttempts: number;
  carrier?: JobCarrier;
  /** When the job was enqueued (ms since epoch), for the wait time. */
  enqueuedAt?: number;
  /** A scheduled/repeated run, a delayed job or part of a large fan-out: `auto` starts a new trace. */
  detached?: boolean;
  data?: unknown;
}

/** Errors that are how a queue says "not now" rather than "failed". */
export type ControlFlow = (error: unknown) => boolean;

const instruments = () => {
  const m = meter();
  return {
    duration: m.createHistogram(METRIC.MESSAGING_PROCESS_DURATION, {
      unit: 's',
      description: 'Duration of processing one job attempt',
    }),
    consumed: m.createCounter(METRIC.MESSAGING_CLIENT_CONSUMED_MESSAGES, {
      description: 'Jobs taken for processing',
    }),
    wait: m.createHistogram(METRIC.JOB_WAIT_DURATION, {
      unit: 's',
      description: 'Time from enqueue to processing start',
    }),
    active: m.createUpDownCounter(METRIC.JOB_ACTIVE, { description: 'Jobs being processed' }),
  };
};
let cachedInstruments: ReturnType<typeof instruments> | undefined;
const stats = new Map<string, WorkerStats>();

/**
 * Runs one attempt of a job: a `process {queue}` CONSUMER span under the enqueuer's context (or
 * linked to it, per `consumerParent`), `job.started` then `job.succeeded`, `job.retrying` or
 * `job.failed` records with the conversation id, metrics, and periodic `worker.stats`. The
 * handler's result or error passes through unchanged.
 */
export async function runJob<T>(
  info: JobInfo,
  handler: () => Promise<T> | T,
  options: QueueInstrumentationOptions = {},
  isControlFlow: ControlFlow = () => false,
): Promise<T> {
  const m = (cachedInstruments ??= instruments());
  const origin = extractCarrier(info.carrier);
  const originSpan = trace.getSpanContext(origin);
  const policy = options.consumerParent ?? 'auto';
  const continueTrace = policy === 'parent' || (policy === 'auto' && !info.detached);
  const links: Link[] = originSpan ? [{ context: originSpan }] : [];
  // A detached run keeps the scoped attributes but not the parent span.
  const base = continueTrace
    ? origin
    : setScopedAttributes(ROOT_CONTEXT, getScopedAttributes(origin));
  const conversation = info.carrier?.conversation ?? originSpan?.traceId;

  const attributes: Attributes = {
    [ATTR.MESSAGING_SYSTEM]: info.system,
    [ATTR.MESSAGING_DESTINATION_NAME]: info.queue,
    [ATTR.MESSAGING_OPERATION_TYPE]: 'process',
    [ATTR.MESSAGING_OPERATION_NAME]: 'process',
    [ATTR.MESSAGING_MESSAGE_ID]: info.id,
    [ATTR.JOB_NAME]: info.name,
    [ATTR.JOB_ATTEMPT]: info.attempt,
    [`${info.system}.job.attempts`]: info.maxAttempts,
  };
  if (conversation) attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID] = conversation;

  const span = tracer().startSpan(
    `process ${info.queue}`,
    { kind: SpanKind.CONSUMER, attributes, links },
    base,
  );
  const ctx = trace.setSpan(base, span);
  const start = performance.now();
  const waitMs = info.enqueuedAt ? Math.max(0, Date.now() - info.enqueuedAt) : undefined;
  const emit = (
    event: string,
    level: 'info' | 'warn' | 'error',
    body: string,
    extra: Attributes = {},
  ) =>
    logger().emit({
      eventName: event,
      severityNumber: SEVERITY_NUMBER[level],
      severityText: level.toUpperCase(),
      body,
      attributes: { ...attributes, ...extra },
      context: ctx,
    });

  const started: Attributes = {};
  if (waitMs !== undefined) started[ATTR.JOB_WAIT_MS] = waitMs;
  if (options.recordJobData !== false && info.data !== undefined)
    started[ATTR.JOB_DATA] = safeJson(redactor.redactValue(info.data));
  emit(
    EVENT.JOB_STARTED,
    'info',
    `${info.name} #${info.id} started (attempt ${info.attempt})`,
    started,
  );
  const metricAttributes = {
    [ATTR.MESSAGING_SYSTEM]: info.system,
    [ATTR.MESSAGING_DESTINATION_NAME]: info.queue,
  };
  m.consumed.add(1, metricAttributes);
  m.active.add(1, metricAttributes);
  if (waitMs !== undefined) m.wait.record(waitMs / 1000, metricAttributes);

  const finish = (outcome: 'succeeded' | 'failed' | 'retrying' | 'deferred', error?: unknown) => {
    const durationMs = Math.round((performance.now() - start) * 1000) / 1000;
    m.active.add(-1, metricAttributes);
    if (outcome === 'deferred') {
      span.end();
      return;
    }
    m.duration.record(durationMs / 1000, {
      ...metricAttributes,
      ...(error ? { [ATTR.ERROR_TYPE]: errorType(error) } : {}),
    });
    const extra: Attributes = { [ATTR.JOB_DURATION_MS]: durationMs };
    if (error !== undefined) {
      const e = error instanceof Error ? error : new Error(String(error));
      Object.assign(extra, {
        [ATTR.EXCEPTION_TYPE]: e.name,
        [ATTR.EXCEPTION_MESSAGE]: redactor.redactString(e.message),
        [ATTR.EXCEPTION_STACKTRACE]: redactor.redactString(e.stack ?? ''),
        [ATTR.ERROR_TYPE]: errorType(e),
      });
      span.recordException(e);
      span.setStatus({ code: SpanStatusCode.ERROR, message: redactor.redactString(e.message) });
      span.setAttribute(ATTR.ERROR_TYPE, errorType(e));
    }
    span.setAttribute(ATTR.JOB_DURATION_MS, durationMs);
    span.end();
    if (outcome === 'succeeded')
      emit(EVENT.JOB_SUCCEEDED, 'info', `${info.name} #${info.id} succeeded`, extra);
    else if (outcome === 'retrying')
      emit(
        EVENT.JOB_RETRYING,
        'warn',
        `${info.name} #${info.id} failed attempt ${info.attempt} of ${info.maxAttempts}; will retry`,
        extra,
      );
    else
      emit(
        EVENT.JOB_FAILED,
        'error',
        `${info.name} #${info.id} failed after ${info.attempt} attempt(s)`,
        extra,
      );

    const worker =
      stats.get(info.queue) ??
      new WorkerStats(options.statsEveryJobs ?? 100, options.statsEveryMs ?? 60_000);
    stats.set(info.queue, worker);
    worker.record(outcome === 'succeeded' ? 'succeeded' : 'failed', durationMs);
    const report = worker.due();
    if (report) {
      logger().emit({
        eventName: EVENT.WORKER_STATS,
        severityNumber: SEVERITY_NUMBER.info,
        severityText: 'INFO',
        body: `${info.queue}: ${report.processed} processed, ${report.failed} failed, p95 ${report.p95} ms`,
        attributes: {
          [ATTR.MESSAGING_SYSTEM]: info.system,
          [ATTR.MESSAGING_DESTINATION_NAME]: info.queue,
          [ATTR.WORKER_PROCESSED]: report.processed,
          [ATTR.WORKER_SUCCEEDED]: report.succeeded,
          [ATTR.WORKER_FAILED]: report.failed,
          [ATTR.WORKER_DURATION_P50_MS]: report.p50,
          [ATTR.WORKER_DURATION_P95_MS]: report.p95,
          [ATTR.WORKER_DURATION_P99_MS]: report.p99,
        },
        context: ROOT_CONTEXT,
      });
    }
  };

  try {
    const result = await context.with(ctx, handler);
    finish('succeeded');
    return result;
  } catch (error) {
    if (isControlFlow(error)) finish('deferred');
    else
      finish(
        info.attempt < info.maxAttempts && !isUnrecoverable(error) ? 'retrying' : 'failed',
        error,
      );
    throw error;
  }
}

function isUnrecoverable(error: unknown): boolean {
  return error instanceof Error && error.name === 'UnrecoverableError';
}

function errorType(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return typeof error;
}

function safeJson(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? '';
    return text.length > 4096 ? `${text.slice(0, 4096)}…` : text;
  } catch {
    return '[unserialisable]';
  }
}
