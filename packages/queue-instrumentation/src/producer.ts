import { SpanKind, SpanStatusCode, context, logs, metrics, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { ATTR, EVENT, METRIC, SEVERITY_NUMBER, createRedactor } from '@tracelog/core';
import { captureCarrier } from './carrier.js';
import type { JobCarrier } from './types.js';
import { VERSION } from './version.js';

const SCOPE = '@tracelog/queue-instrumentation';
const redactor = createRedactor();
let sent: ReturnType<ReturnType<typeof metrics.getMeter>['createCounter']> | undefined;

export interface Enqueue<T> {
  system: string;
  queue: string;
  /** `send` for one job, `create` for each job of a batch or flow. */
  operation: 'send' | 'create';
  name: string;
  data: unknown;
  fanOut: boolean;
  recordData: boolean;
  /** Does the enqueueing, given the carrier to store with the job; returns the job id. */
  enqueue: (carrier: JobCarrier) => Promise<T>;
  idOf: (result: T) => string | undefined;
}

/**
 * A PRODUCER span around an enqueue, the trace context and scoped attributes captured into the
 * job, and a `job.enqueued` record once the queue accepted it.
 */
export async function produce<T>(e: Enqueue<T>): Promise<T> {
  const attributes: Attributes = {
    [ATTR.MESSAGING_SYSTEM]: e.system,
    [ATTR.MESSAGING_DESTINATION_NAME]: e.queue,
    [ATTR.MESSAGING_OPERATION_TYPE]: e.operation,
    [ATTR.MESSAGING_OPERATION_NAME]: e.operation === 'send' ? 'add' : 'addBulk',
    [ATTR.JOB_NAME]: e.name,
  };
  const span = trace
    .getTracer(SCOPE, VERSION)
    .startSpan(`${e.operation} ${e.queue}`, { kind: SpanKind.PRODUCER, attributes });
  const ctx = trace.setSpan(context.active(), span);
  const carrier = captureCarrier(ctx);
  // The conversation is the enqueuer's trace, kept across re-enqueues by a job of its own.
  const parentConversation = trace.getSpanContext(context.active())?.traceId;
  if (parentConversation) carrier.conversation = parentConversation;
  if (e.fanOut) carrier.fanOut = true;
  try {
    const result = await context.with(ctx, () => e.enqueue(carrier));
    const id = e.idOf(result);
    if (id) span.setAttribute(ATTR.MESSAGING_MESSAGE_ID, id);
    (sent ??= metrics
      .getMeter(SCOPE, VERSION)
      .createCounter(METRIC.MESSAGING_CLIENT_SENT_MESSAGES)).add(1, {
      [ATTR.MESSAGING_SYSTEM]: e.system,
      [ATTR.MESSAGING_DESTINATION_NAME]: e.queue,
    });
    const record: Attributes = { ...attributes };
    if (id) record[ATTR.MESSAGING_MESSAGE_ID] = id;
    if (carrier.conversation) record[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID] = carrier.conversation;
    if (e.recordData && e.data !== undefined)
      record[ATTR.JOB_DATA] = JSON.stringify(redactor.redactValue(e.data))?.slice(0, 4096) ?? '';
    logs.getLogger(SCOPE, VERSION).emit({
      eventName: EVENT.JOB_ENQUEUED,
      severityNumber: SEVERITY_NUMBER.info,
      severityText: 'INFO',
      body: `${e.name}${id ? ` #${id}` : ''} enqueued on ${e.queue}`,
      attributes: record,
      context: ctx,
    });
    return result;
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw error;
  } finally {
    span.end();
  }
}
