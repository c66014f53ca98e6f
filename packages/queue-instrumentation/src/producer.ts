import {
  SpanKind,
  SpanStatusCode,
  context,
  diag,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { ATTR, EVENT, OWN_RECORD, SEVERITY_NUMBER, ownRecord } from '@tracelog/core';
import { captureCarrier } from './carrier.js';
import { recordedData } from './data.js';
import { destination, instruments } from './instruments.js';
import type { JobCarrier } from './types.js';

/** One job being enqueued. */
export interface Outgoing {
  name: string;
  data: unknown;
}

export interface Enqueue {
  system: string;
  queue: string;
  /** `send` for one job, `create` for each job of a batch or flow. */
  operation: 'send' | 'create';
  /** Part of a fan-out larger than the threshold: `auto` consumers start their own traces. */
  fanOut: boolean;
  recordData: boolean;
}

/** A PRODUCER span for one job, and the carrier that the job takes with it. */
export interface Pending {
  span: Span;
  /** The enqueuer's context (the same for every job of one call). */
  parent: Context;
  attributes: Attributes;
  carrier: JobCarrier;
  conversation: string | undefined;
}

/**
 * Starts a PRODUCER span per job and captures, for each, the carrier to store with it: trace
 * context pointing at that span, scoped attributes, and the conversation (the enqueuer's trace,
 * kept across re-enqueues by a job of its own). Returns undefined, having reported why, when the
 * instrumentation cannot: the jobs are then enqueued as they are.
 */
export function startEnqueue(e: Enqueue, jobs: Outgoing[]): Pending[] | undefined {
  try {
    const { tracer } = instruments();
    const parent = context.active();
    // The conversation is the enqueuer's trace; a job enqueued outside any trace starts its own.
    const enqueuer = trace.getSpanContext(parent);
    const conversation = enqueuer && isSpanContextValid(enqueuer) ? enqueuer.traceId : undefined;
    let shared: JobCarrier | undefined;
    return jobs.map((job) => {
      const attributes: Attributes = {
        [ATTR.MESSAGING_SYSTEM]: e.system,
        [ATTR.MESSAGING_DESTINATION_NAME]: e.queue,
        [ATTR.MESSAGING_OPERATION_TYPE]: e.operation,
        [ATTR.MESSAGING_OPERATION_NAME]: e.operation === 'send' ? 'add' : 'addBulk',
        [ATTR.JOB_NAME]: job.name,
      };
      const span = tracer.startSpan(
        `${e.operation} ${e.queue}`,
        { kind: SpanKind.PRODUCER, attributes },
        parent,
      );
      // Jobs of one call share everything but the span: inject once, then write each job's
      // traceparent directly (the W3C form the propagator wrote for the first).
      if (!shared) {
        shared = captureCarrier(trace.setSpan(parent, span));
        delete shared.conversation;
      }
      const spanContext = span.spanContext();
      const carrier: JobCarrier = { ...shared };
      if (shared.traceparent) carrier.traceparent = traceparentOf(spanContext);
      // The conversation travels only when no traceparent does: otherwise the consumer reads it
      // from the traceparent, and every job stored in Redis is 50 bytes smaller.
      const own = isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
      const jobConversation = conversation ?? own;
      if (jobConversation && !carrier.traceparent) carrier.conversation = jobConversation;
      if (e.fanOut) carrier.fanOut = true;
      return { span, parent, attributes, carrier, conversation: jobConversation };
    });
  } catch (error) {
    diag.warn(`queue instrumentation: could not instrument an enqueue: ${String(error)}`);
    return undefined;
  }
}

function traceparentOf({ traceId, spanId, traceFlags }: SpanContext): string {
  return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/** Ends the spans and logs `job.enqueued` for each job the queue accepted; never throws. */
function endEnqueue(
  e: Enqueue,
  jobs: Outgoing[],
  pending: Pending[],
  ids: ReadonlyArray<string | undefined>,
  error?: unknown,
): void {
  try {
    const { logger } = instruments();
    const where = destination(e.system, e.queue);
    for (let i = 0; i < pending.length; i++) {
      const { span, parent, attributes, conversation } = pending[i]!;
      if (error !== undefined) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        continue;
      }
      const id = ids[i];
      if (id) span.setAttribute(ATTR.MESSAGING_MESSAGE_ID, id);
      span.end();
      where.sent++;
      const job = jobs[i]!;
      const record: Attributes = { ...attributes };
      if (id) record[ATTR.MESSAGING_MESSAGE_ID] = id;
      if (conversation) record[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID] = conversation;
      if (e.recordData && job.data !== undefined) record[ATTR.JOB_DATA] = recordedData(job.data);
      logger.emit(
        ownRecord({
          [OWN_RECORD]: true,
          eventName: EVENT.JOB_ENQUEUED,
          severityNumber: SEVERITY_NUMBER.info,
          severityText: 'INFO',
          body: `${job.name}${id ? ` #${id}` : ''} enqueued on ${e.queue}`,
          attributes: record,
          // The enqueuer's context with the job's span given directly: no context per job.
          context: parent,
          spanContext: span.spanContext(),
        }),
      );
    }
  } catch (problem) {
    diag.warn(`queue instrumentation: could not record an enqueue: ${String(problem)}`);
  }
}

/**
 * One job: its span and `job.enqueued` record, then `send` with the job's carrier in place, under
 * the job's context. Falls back to `untraced` when the span could not be started.
 */
export function enqueueOne<T>(
  e: Enqueue,
  job: Outgoing,
  untraced: () => unknown,
  send: (carrier: JobCarrier) => Promise<T>,
  idsOf: (result: T) => Array<string | undefined>,
): unknown {
  const pending = startEnqueue(e, [job]);
  if (!pending) return untraced();
  const { span, parent, carrier } = pending[0]!;
  return enqueueTraced(e, [job], pending, trace.setSpan(parent, span), () => send(carrier), idsOf);
}

/**
 * Runs the real enqueue in `ctx` with tracing suppressed, then ends the spans with the ids the
 * queue gave, or with the error, which passes through. The PRODUCER span says what the enqueue
 * did; the queue library's own Redis commands would each add a client span under it (a bulk add
 * of 100 jobs, a hundred) that costs more than it tells.
 */
export async function enqueueTraced<T>(
  e: Enqueue,
  jobs: Outgoing[],
  pending: Pending[],
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
