import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, diag, trace } from '@opentelemetry/api';
import type {
  AttributeValue,
  Attributes,
  Context,
  Link,
  Span,
  SpanOptions,
} from '@opentelemetry/api';
import {
  ATTR,
  EVENT,
  OWN_RECORD,
  REDACTED_BY,
  ownRecord,
  SEVERITY_NUMBER,
  getScopedAttributes,
  internedKeys,
  layered,
  ownRecordSink,
  setScopedAttributes,
} from '@tracelog/core';
import type { EncodedAttributes, OwnRecordSink, OwnRecordWriter, Redactor } from '@tracelog/core';
import { conversationOf, extractCarrier } from './carrier.js';
import { recordedData, redactedValue, redactor } from './data.js';
import { SCOPE, destination, instruments } from './instruments.js';
import type { Destination } from './instruments.js';
import { resolveOptions } from './options.js';
import type { ResolvedOptions } from './options.js';
import type { JobCarrier, QueueInstrumentationOptions } from './types.js';
import { VERSION } from './version.js';
import { countFinished } from './worker-stats.js';

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

/** `{system}.job.attempts` by system. */
const attemptsKey = internedKeys((system) => `${system}.job.attempts`);

/** Errors that are how a queue says "not now" rather than "failed". */
export type ControlFlow = (error: unknown) => boolean;

type Outcome = 'succeeded' | 'failed' | 'retrying' | 'deferred';

/** One attempt in progress: its span, context and the attributes every record of it carries. */
interface Attempt {
  info: JobInfo;
  options: ResolvedOptions;
  span: Span;
  ctx: Context;
  /** Redacted once, by `redactedBy`: the span and both records share them. */
  attributes: Attributes;
  redactedBy: Redactor | undefined;
  /** `{name} #{id}` from the redacted attributes: the records' bodies start with it. */
  label: string;
  /**
   * The direct path the attempt's records take (see `OwnRecordSink`), and the attributes
   * encoded once for both; undefined when they go through the logs API.
   */
  direct: { sink: OwnRecordSink; encoded: EncodedAttributes } | undefined;
  destination: Destination;
  start: number;
}

/**
 * Runs one attempt of a job: a `process {queue}` CONSUMER span under the enqueuer's context (or
 * linked to it, per `consumerParent`), `job.started` then `job.succeeded`, `job.retrying` or
 * `job.failed` records with the conversation id, metrics, and periodic `worker.stats`. The
 * handler's result or error passes through unchanged; a problem in the instrumentation itself is
 * reported through OpenTelemetry's diagnostics and never reaches the caller.
 */
export function runJob<T>(
  info: JobInfo,
  handler: () => Promise<T> | T,
  options: QueueInstrumentationOptions = {},
  isControlFlow: ControlFlow = () => false,
): Promise<T> {
  return runAttempt(info, handler, resolveOptions(options), isControlFlow);
}

/** `runJob` with options already resolved (the BullMQ hook resolves them once). */
export async function runAttempt<T>(
  info: JobInfo,
  handler: () => Promise<T> | T,
  options: ResolvedOptions,
  isControlFlow: ControlFlow,
): Promise<T> {
  let attempt: Attempt | undefined;
  try {
    attempt = begin(info, options);
  } catch (error) {
    diag.warn(`queue instrumentation: could not instrument a job run: ${String(error)}`);
  }
  if (!attempt) return handler();
  let result: T;
  try {
    result = await context.with(attempt.ctx, handler);
  } catch (error) {
    settle(attempt, outcomeOf(error, info, isControlFlow), error);
    throw error;
  }
  settle(attempt, 'succeeded');
  return result;
}

function begin(info: JobInfo, options: ResolvedOptions): Attempt {
  const { tracer, series } = instruments();
  const origin = extractCarrier(info.carrier);
  const originSpan = trace.getSpanContext(origin);
  const continueTrace =
    options.consumerParent === 'parent' || (options.consumerParent === 'auto' && !info.detached);
  const links: Link[] = originSpan && !continueTrace ? [{ context: originSpan }] : [];
  // A detached run keeps the scoped attributes but not the parent span.
  const base = continueTrace
    ? origin
    : setScopedAttributes(ROOT_CONTEXT, getScopedAttributes(origin));
  const conversation = conversationOf(info.carrier) ?? originSpan?.traceId;
  const redactedBy = redactor();
  const attributes = attemptAttributes(info, conversation, redactedBy);
  // The bodies are made of the redacted name and id and our own words: redacted as well.
  const label = `${String(attributes[ATTR.JOB_NAME])} #${String(attributes[ATTR.MESSAGING_MESSAGE_ID])}`;

  // The operation's constants have nothing to redact. One spread, then stores: a second spread
  // in a literal takes V8's slow path (twice the cost).
  const spanAttributes: Attributes = { ...attributes };
  spanAttributes[ATTR.MESSAGING_OPERATION_TYPE] = 'process';
  spanAttributes[ATTR.MESSAGING_OPERATION_NAME] = 'process';
  const spanOptions: SpanOptions & { [REDACTED_BY]?: Redactor } = {
    kind: SpanKind.CONSUMER,
    attributes: spanAttributes,
    links,
    [REDACTED_BY]: redactedBy,
  };
  const span = tracer.startSpan(`process ${info.queue}`, spanOptions, base);
  const ctx = trace.setSpan(layered(base), span);
  const start = performance.now();
  const where = destination(info.system, info.queue);
  const sink = ownRecordSink();
  const attempt: Attempt = {
    info,
    options,
    span,
    ctx,
    attributes,
    redactedBy,
    label,
    destination: where,
    start,
    direct:
      sink && sink.redactor === redactedBy ? { sink, encoded: sink.encode(attributes) } : undefined,
  };
  const waitMs = info.enqueuedAt ? Math.max(0, Date.now() - info.enqueuedAt) : undefined;
  const data =
    options.recordJobData && info.data !== undefined
      ? recordedData(info.data, redactedBy)
      : undefined;
  emitStarted(attempt, waitMs, data);
  where.consumed++;
  where.active++;
  if (waitMs !== undefined) series(where).wait.record(waitMs / 1000);
  return attempt;
}

/**
 * What the span and every record of the attempt carry, each value redacted by what it can hold:
 * the attempt counts are numbers and are not scanned; the system, queue, job name, id and
 * conversation come from the caller or the job and are redacted, once for the span and all the
 * records. The span adds the operation, which the records' event names already tell.
 */
function attemptAttributes(
  info: JobInfo,
  conversation: string | undefined,
  r: Redactor | undefined,
): Attributes {
  const text = (key: string, value: string) => (r ? (r.redactValue(value, key) as string) : value);
  const attributes: Attributes = {
    [ATTR.MESSAGING_SYSTEM]: text(ATTR.MESSAGING_SYSTEM, info.system),
    [ATTR.MESSAGING_DESTINATION_NAME]: text(ATTR.MESSAGING_DESTINATION_NAME, info.queue),
    [ATTR.MESSAGING_MESSAGE_ID]: text(ATTR.MESSAGING_MESSAGE_ID, info.id),
    [ATTR.JOB_NAME]: text(ATTR.JOB_NAME, info.name),
    [ATTR.JOB_ATTEMPT]: info.attempt,
    [attemptsKey(info.system)]: info.maxAttempts,
  };
  if (conversation)
    attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID] = text(
      ATTR.MESSAGING_MESSAGE_CONVERSATION_ID,
      conversation,
    );
  return attributes;
}

/** `job.started`, with the wait and the job's data (redacted) when recorded. */
function emitStarted(attempt: Attempt, waitMs: number | undefined, data: string | undefined): void {
  const body = `${attempt.label} started (attempt ${attempt.info.attempt})`;
  const extra: Extra = [];
  if (waitMs !== undefined) extra.push([ATTR.JOB_WAIT_MS, waitMs]);
  if (data !== undefined) extra.push([ATTR.JOB_DATA, data]);
  emitRecord(attempt, EVENT.JOB_STARTED, 'info', body, extra);
}

type Level = 'info' | 'warn' | 'error';
/** A record's attributes after the attempt's: already redacted, or numbers. */
type Extra = Array<[string, AttributeValue]>;

/** The parts of one record of an attempt, for the direct path's writer. */
interface AttemptRecord {
  attempt: Attempt;
  event: string;
  level: Level;
  body: string;
  extra: Extra;
}

/**
 * One record of the attempt: straight into the export request when the SDK offers the direct
 * path, else through the logs API. Both give the same record.
 */
function emitRecord(
  attempt: Attempt,
  event: string,
  level: Level,
  body: string,
  extra: Extra,
): void {
  if (attempt.direct) {
    const record: AttemptRecord = { attempt, event, level, body, extra };
    attempt.direct.sink.emit(SCOPE, VERSION, writeAttemptRecord, record);
    return;
  }
  const attributes: Attributes = { ...attempt.attributes };
  for (const [key, value] of extra) attributes[key] = value;
  instruments().logger.emit(
    ownRecord({
      eventName: event,
      severityNumber: SEVERITY_NUMBER[level],
      severityText: level.toUpperCase(),
      body,
      attributes,
      context: attempt.ctx,
      redactedBy: attempt.redactedBy,
      [OWN_RECORD]: true,
    }),
  );
}

function writeAttemptRecord(w: OwnRecordWriter, record: AttemptRecord): void {
  const { attempt, level } = record;
  w.head(record.event, SEVERITY_NUMBER[level], level.toUpperCase(), record.body);
  w.span(attempt.span.spanContext());
  w.encoded(attempt.direct!.encoded);
  for (const [key, value] of record.extra) w.plain(key, value);
  w.context(attempt.ctx);
}

/** The outcome of a rejected attempt; a throwing control-flow check counts as "not control flow". */
function outcomeOf(error: unknown, info: JobInfo, isControlFlow: ControlFlow): Outcome {
  let deferred = false;
  try {
    deferred = isControlFlow(error) === true;
  } catch (hookError) {
    diag.warn(`queue instrumentation: a job's control-flow check threw: ${String(hookError)}`);
  }
  if (deferred) return 'deferred';
  return info.attempt < info.maxAttempts && !isUnrecoverable(error) ? 'retrying' : 'failed';
}

/** Ends the attempt's span and logs its outcome; never throws. */
function settle(attempt: Attempt, outcome: Outcome, error?: unknown): void {
  try {
    finish(attempt, outcome, error);
  } catch (problem) {
    diag.warn(`queue instrumentation: could not record a job outcome: ${String(problem)}`);
  }
}

function finish(attempt: Attempt, outcome: Outcome, error: unknown): void {
  const { info, span, redactedBy, label, destination: where } = attempt;
  const durationMs = Math.round((performance.now() - attempt.start) * 1000) / 1000;
  where.active--;
  if (outcome === 'deferred') {
    span.end();
    return;
  }
  const { series, failedSeries } = instruments();
  const extra: Extra = [[ATTR.JOB_DURATION_MS, durationMs]];
  if (outcome === 'succeeded') {
    series(where).process.record(durationMs / 1000);
  } else {
    const e = error instanceof Error ? error : new Error(String(error));
    const type = errorType(e);
    // The record says it was redacted by `redactedBy`: so are these, as the pipeline would.
    const message = redactedValue(redactedBy, ATTR.EXCEPTION_MESSAGE, e.message);
    extra.push(
      [ATTR.EXCEPTION_TYPE, redactedValue(redactedBy, ATTR.EXCEPTION_TYPE, e.name)],
      [ATTR.EXCEPTION_MESSAGE, message],
      [
        ATTR.EXCEPTION_STACKTRACE,
        redactedValue(redactedBy, ATTR.EXCEPTION_STACKTRACE, e.stack ?? ''),
      ],
      [ATTR.ERROR_TYPE, redactedValue(redactedBy, ATTR.ERROR_TYPE, type)],
    );
    failedSeries(where, type).record(durationMs / 1000);
    span.recordException(e);
    span.setStatus({ code: SpanStatusCode.ERROR, message });
    span.setAttribute(ATTR.ERROR_TYPE, type);
  }
  span.setAttribute(ATTR.JOB_DURATION_MS, durationMs);
  span.end();

  const [event, level, body] =
    outcome === 'succeeded'
      ? [EVENT.JOB_SUCCEEDED, 'info' as const, `${label} succeeded`]
      : outcome === 'retrying'
        ? [
            EVENT.JOB_RETRYING,
            'warn' as const,
            `${label} failed attempt ${info.attempt} of ${info.maxAttempts}; will retry`,
          ]
        : [EVENT.JOB_FAILED, 'error' as const, `${label} failed after ${info.attempt} attempt(s)`];
  emitRecord(attempt, event, level, body, extra);
  countFinished(
    info.system,
    info.queue,
    attempt.options,
    outcome === 'succeeded' ? 'succeeded' : 'failed',
    durationMs,
  );
}

function isUnrecoverable(error: unknown): boolean {
  return error instanceof Error && error.name === 'UnrecoverableError';
}

function errorType(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
