import {
  SpanKind,
  SpanStatusCode,
  context,
  diag,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanOptions } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { ATTR, EVENT, OWN_RECORD, REDACTED_BY, SEVERITY_NUMBER, ownRecord } from '@tracelog/core';
import type { Redactor } from '@tracelog/core';
import { captureCarrier } from './carrier.js';
import { recordedData, redacted, redactedValue } from './data.js';
import { destination, instruments } from './instruments.js';

/** One job being enqueued. */
export interface Outgoing {
  name: string;
  data: unknown;
}

export interface Enqueue {
  system: string;
  queue: string;
  /** `send` for one job or a bulk, `create` for a flow. */
  operation: 'send' | 'create';
  /** The library's name for the call: `add`, `addBulk`. */
  operationName: string;
  /** Part of a fan-out larger than the threshold: `auto` consumers start their own traces. */
  fanOut: boolean;
  recordData: boolean;
}

/** The PRODUCER span of one enqueue call, and the carrier that each of its jobs takes with it. */
export interface Pending {
  span: Span;
  /** The enqueuer's context. */
  parent: Context;
  /** The span's attributes, redacted, which each job's record starts from. */
  attributes: Attributes;
  /** What redacted them. */
  redactedBy: Redactor | undefined;
  /** The carrier as JSON, the form the jobs store it in. */
  metadata: string;
  conversation: string | undefined;
}

/**
 * Starts the PRODUCER span of one enqueue call and captures the carrier its jobs store: trace
 * context pointing at that span, scoped attributes, and the conversation (the enqueuer's trace,
 * kept across re-enqueues by a job of its own). A bulk add has one span for all its jobs, as
 * BullMQ's own telemetry has, and its context is every job's creation context: the messaging
 * conventions make a `create` span per message optional, and a hundred of them cost more than
 * they tell (each job's id and name are on its `job.enqueued` record). Returns undefined, having
 * reported why, when the instrumentation cannot: the jobs are then enqueued as they are.
 */
export function startEnqueue(e: Enqueue, jobs: Outgoing[]): Pending | undefined {
  try {
    const { tracer } = instruments();
    const parent = context.active();
    // What the span and each job's record carry; the span adds the operation, which the
    // records' event name already tells.
    const { attributes, redactedBy } = redacted({
      [ATTR.MESSAGING_SYSTEM]: e.system,
      [ATTR.MESSAGING_DESTINATION_NAME]: e.queue,
    });
    const spanAttributes: Attributes = {
      ...attributes,
      [ATTR.MESSAGING_OPERATION_TYPE]: e.operation,
      [ATTR.MESSAGING_OPERATION_NAME]: e.operationName,
    };
    if (jobs.length === 1)
      spanAttributes[ATTR.JOB_NAME] = redactedValue(redactedBy, ATTR.JOB_NAME, jobs[0]!.name);
    else spanAttributes[ATTR.MESSAGING_BATCH_MESSAGE_COUNT] = jobs.length;
    const options: SpanOptions & { [REDACTED_BY]?: Redactor } = {
      kind: SpanKind.PRODUCER,
      attributes: spanAttributes,
      [REDACTED_BY]: redactedBy,
    };
    const span = tracer.startSpan(`${e.operation} ${e.queue}`, options, parent);
    // The conversation is the enqueuer's trace; a job enqueued outside any trace starts its own.
    const enqueuer = trace.getSpanContext(parent);
    const spanContext = span.spanContext();
    const conversation =
      enqueuer && isSpanContextValid(enqueuer)
        ? enqueuer.traceId
        : isSpanContextValid(spanContext)
          ? spanContext.traceId
          : undefined;
    const carrier = captureCarrier(trace.setSpan(parent, span));
    // The conversation travels only when no traceparent does: otherwise the consumer reads it
    // from the traceparent, and every job stored in Redis is 50 bytes smaller.
    delete carrier.conversation;
    if (conversation && !carrier.traceparent) carrier.conversation = conversation;
    if (e.fanOut) carrier.fanOut = true;
    const metadata = JSON.stringify(carrier);
    return { span, parent, attributes, redactedBy, metadata, conversation };
  } catch (error) {
    diag.warn(`queue instrumentation: could not instrument an enqueue: ${String(error)}`);
    return undefined;
  }
}

/** Ends the span and logs `job.enqueued` for each job the queue accepted; never throws. */
function endEnqueue(
  e: Enqueue,
  jobs: Outgoing[],
  pending: Pending,
  ids: ReadonlyArray<string | undefined>,
  error?: unknown,
): void {
  try {
    const { span, parent, attributes, redactedBy, conversation } = pending;
    if (error !== undefined) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
      return;
    }
    // Set after the start: the pipeline redacts it.
    if (jobs.length === 1 && ids[0]) span.setAttribute(ATTR.MESSAGING_MESSAGE_ID, ids[0]);
    span.end();
    const { logger } = instruments();
    const where = destination(e.system, e.queue);
    const spanContext = span.spanContext();
    const queueName = String(attributes[ATTR.MESSAGING_DESTINATION_NAME]);
    for (let i = 0; i < jobs.length; i++) {
      where.sent++;
      const job = jobs[i]!;
      const name = redactedValue(redactedBy, ATTR.JOB_NAME, job.name);
      const given = ids[i];
      const id = given && redactedValue(redactedBy, ATTR.MESSAGING_MESSAGE_ID, given);
      const record: Attributes = { ...attributes, [ATTR.JOB_NAME]: name };
      if (id) record[ATTR.MESSAGING_MESSAGE_ID] = id;
      // A trace id (32 hex digits, checked): nothing in it to redact.
      if (conversation) record[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID] = conversation;
      if (e.recordData && job.data !== undefined)
        record[ATTR.JOB_DATA] = recordedData(job.data, redactedBy);
      logger.emit(
        ownRecord({
          eventName: EVENT.JOB_ENQUEUED,
          severityNumber: SEVERITY_NUMBER.info,
          severityText: 'INFO',
          // Made of the redacted name, id and queue and our own words: redacted as well.
          body: `${name}${id ? ` #${id}` : ''} enqueued on ${queueName}`,
          attributes: record,
          redactedBy,
          // The enqueuer's context with the call's span given directly: no context per job.
          context: parent,
          spanContext,
          [OWN_RECORD]: true,
        }),
      );
    }
  } catch (problem) {
    diag.warn(`queue instrumentation: could not record an enqueue: ${String(problem)}`);
  }
}

/**
 * One job: its span and `job.enqueued` record, then `send` with the job's carrier (as JSON) in
 * place, under the span's context. Falls back to `untraced` when the span could not be started.
 */
export function enqueueOne<T>(
  e: Enqueue,
  job: Outgoing,
  untraced: () => unknown,
  send: (metadata: string) => Promise<T>,
  idsOf: (result: T) => Array<string | undefined>,
): unknown {
  const pending = startEnqueue(e, [job]);
  if (!pending) return untraced();
  const { span, parent, metadata } = pending;
  return enqueueTraced(e, [job], pending, trace.setSpan(parent, span), () => send(metadata), idsOf);
}

/**
 * Runs the real enqueue in `ctx` with tracing suppressed, then ends the span and logs the jobs with
 * the ids the queue gave, or ends it with the error, which passes through. The PRODUCER span says what the enqueue
 * did; the queue library's own Redis commands would each add a client span under it (a bulk add
 * of 100 jobs, a hundred) that costs more than it tells.
 */
export async function enqueueTraced<T>(
  e: Enqueue,
  jobs: Outgoing[],
  pending: Pending,
  ctx: Context,
  run: () => Promise<T>,
  idsOf: (result: T) => Array<string | undefined>,
): Promise<T> {
  let result: T;
  try {
    result = await context.with(suppressTracing(ctx), run);
  } catch (error) {
    endEnqueue(e, jobs, pending, [], error);
    throw error;
  }
  let ids: Array<string | undefined> = [];
  try {
    ids = idsOf(result);
  } catch {
    // A result of a shape this version does not know: the records go without ids.
  }
  endEnqueue(e, jobs, pending, ids);
  return result;
}
