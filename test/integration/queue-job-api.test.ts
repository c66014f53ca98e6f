import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT, getScopedAttributes } from '@tracelog/core';
import { getLogger, withContext } from '@tracelog/node';
import { injectJobContext, runJob } from '@tracelog/queue-instrumentation';
import type { JobCarrier, JobInfo } from '@tracelog/queue-instrumentation';
import { OtlpReceiver } from '@tracelog/test-utils';
import { startTestTelemetry } from '../support/telemetry.js';
import type { TestTelemetry } from '../support/telemetry.js';

// The generic job API (any queue, cron-style work) with @tracelog/node exporting to an
// in-process OTLP receiver: what the README promises for `injectJobContext` and `runJob`.
const receiver = new OtlpReceiver();
let sdk: TestTelemetry;
const tracer = trace.getTracer('job-api-test');

beforeAll(async () => {
  sdk = await startTestTelemetry('job-api-test', receiver);
});

afterAll(() => sdk.stop());

const arrived = (predicate: () => boolean, what: string) => sdk.arrived(predicate, what);

let queueCounter = 0;
// Base 36: a long digit run in a name can look like a card number to the redactor.
const freshQueue = () => `jobs-${queueCounter++}-${Date.now().toString(36)}`;
const jobLogs = (queue: string, event?: string) =>
  receiver.logs.filter(
    (l) =>
      l.attributes[ATTR.MESSAGING_DESTINATION_NAME] === queue && (!event || l.eventName === event),
  );
const processSpans = (queue: string) => receiver.spans.filter((s) => s.name === `process ${queue}`);

/** The links of an exported span, read from the raw OTLP/JSON (the receiver does not decode them). */
function linksOf(spanId: string): Array<{ traceId: string; spanId: string }> {
  for (const text of receiver.raw) {
    const body = JSON.parse(text) as {
      resourceSpans?: Array<{
        scopeSpans?: Array<{
          spans?: Array<{ spanId: string; links?: Array<{ traceId: string; spanId: string }> }>;
        }>;
      }>;
    };
    for (const rs of body.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const span of ss.spans ?? [])
          if (span.spanId === spanId)
            return (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId }));
  }
  throw new Error(`span ${spanId} not exported`);
}

/** A carrier captured inside a request span and scoped context, then stored as JSON. */
async function enqueueInRequest(
  attributes: Record<string, string>,
): Promise<{ carrier: JobCarrier; traceId: string; spanId: string }> {
  return tracer.startActiveSpan('request', async (span) => {
    const carrier = await withContext(attributes, async () => injectJobContext());
    span.end();
    const { traceId, spanId } = span.spanContext();
    return { carrier: JSON.parse(JSON.stringify(carrier)) as JobCarrier, traceId, spanId };
  });
}

const job = (queue: string, overrides: Partial<JobInfo> = {}): JobInfo => ({
  system: 'sqs',
  queue,
  name: 'settle',
  id: 'm-1',
  attempt: 1,
  maxAttempts: 3,
  ...overrides,
});

describe('generic job API: injectJobContext → runJob', () => {
  it('runs the handler inside the enqueuer’s trace and scoped context, and passes its result through', async () => {
    const queue = freshQueue();
    const origin = await enqueueInRequest({ 'user.id': 'trader-9' });
    expect(origin.carrier.traceparent).toContain(origin.traceId);
    expect(origin.carrier.scoped).toEqual({ 'user.id': 'trader-9' });

    let seen: { spanId?: string; traceId?: string; scoped?: Record<string, unknown> } = {};
    // The consumer runs later, outside any request: only the carrier links the two.
    const result = await context.with(ROOT_CONTEXT, () =>
      runJob(job(queue, { carrier: origin.carrier }), async () => {
        const active = trace.getActiveSpan()?.spanContext();
        seen = { spanId: active?.spanId, traceId: active?.traceId, scoped: getScopedAttributes() };
        getLogger('settlement.worker').info('settling from the queue');
        return { settled: true };
      }),
    );
    expect(result).toEqual({ settled: true });

    await arrived(
      () =>
        processSpans(queue).length === 1 &&
        jobLogs(queue, EVENT.JOB_SUCCEEDED).length === 1 &&
        receiver.logs.some((l) => l.body === 'settling from the queue'),
      'the job’s span and records',
    );
    const span = processSpans(queue)[0]!;
    expect(span.kind).toBe(5); // CONSUMER
    expect(span.traceId).toBe(origin.traceId);
    expect(span.parentSpanId).toBe(origin.spanId);
    expect(span.attributes).toMatchObject({
      [ATTR.MESSAGING_SYSTEM]: 'sqs',
      [ATTR.MESSAGING_DESTINATION_NAME]: queue,
      [ATTR.MESSAGING_OPERATION_TYPE]: 'process',
      [ATTR.MESSAGING_MESSAGE_ID]: 'm-1',
      [ATTR.JOB_NAME]: 'settle',
      [ATTR.JOB_ATTEMPT]: 1,
      'sqs.job.attempts': 3,
      [ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]: origin.traceId,
      'user.id': 'trader-9',
    });
    expect(typeof span.attributes[ATTR.JOB_DURATION_MS]).toBe('number');
    expect(seen).toEqual({
      spanId: span.spanId,
      traceId: origin.traceId,
      scoped: { 'user.id': 'trader-9' },
    });
    const inside = receiver.logs.find((l) => l.body === 'settling from the queue')!;
    expect(inside.traceId).toBe(origin.traceId);
    expect(inside.spanId).toBe(span.spanId);
    expect(inside.attributes['user.id']).toBe('trader-9');
  });

  it('emits job.started then job.succeeded on the process span, with wait time, redacted data and the enqueuer’s context', async () => {
    const queue = freshQueue();
    const origin = await enqueueInRequest({ 'user.id': 'trader-3', 'order.id': 'o-77' });
    const enqueuedAt = Date.now() - 5_000;
    await runJob(
      job(queue, {
        id: 'm-2',
        carrier: origin.carrier,
        enqueuedAt,
        data: { orderId: 'o-77', apiKey: 'sk_live_abcdefghijklmnop' },
      }),
      async () => undefined,
    );
    await arrived(
      () => processSpans(queue).length === 1 && jobLogs(queue, EVENT.JOB_SUCCEEDED).length === 1,
      'the job',
    );
    const span = processSpans(queue)[0]!;
    const records = jobLogs(queue);
    expect(records.map((l) => l.eventName)).toEqual([EVENT.JOB_STARTED, EVENT.JOB_SUCCEEDED]);
    for (const record of records) {
      expect(record.traceId).toBe(origin.traceId);
      expect(record.spanId).toBe(span.spanId);
      expect(record.severityText).toBe('INFO');
      expect(record.attributes).toMatchObject({
        [ATTR.MESSAGING_SYSTEM]: 'sqs',
        [ATTR.MESSAGING_DESTINATION_NAME]: queue,
        [ATTR.MESSAGING_MESSAGE_ID]: 'm-2',
        [ATTR.JOB_NAME]: 'settle',
        [ATTR.JOB_ATTEMPT]: 1,
        [ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]: origin.traceId,
        'user.id': 'trader-3',
        'order.id': 'o-77',
      });
    }
    const [started, succeeded] = records as [(typeof records)[0], (typeof records)[0]];
    // At least the five seconds the job waited, whatever the clock did since.
    expect(started.attributes[ATTR.JOB_WAIT_MS]).toBeGreaterThanOrEqual(5_000);
    const data = JSON.parse(String(started.attributes[ATTR.JOB_DATA])) as Record<string, unknown>;
    expect(data.orderId).toBe('o-77');
    expect(data.apiKey).not.toContain('abcdefghijklmnop');
    expect(succeeded.attributes[ATTR.JOB_DURATION_MS]).toBe(span.attributes[ATTR.JOB_DURATION_MS]);
    expect(JSON.stringify(receiver.raw)).not.toContain('abcdefghijklmnop');
  });

  it('leaves job data off the records when recordJobData is false', async () => {
    const queue = freshQueue();
    await runJob(job(queue, { data: { orderId: 'o-1' } }), async () => undefined, {
      recordJobData: false,
    });
    await arrived(() => jobLogs(queue, EVENT.JOB_SUCCEEDED).length === 1, 'the job');
    expect(jobLogs(queue).every((l) => !(ATTR.JOB_DATA in l.attributes))).toBe(true);
  });

  it("with consumerParent 'link', or a detached job under 'auto', starts a new trace linked to the enqueuer and keeps the conversation", async () => {
    const linked = freshQueue();
    const detached = freshQueue();
    const origin = await enqueueInRequest({ 'user.id': 'trader-5' });
    await runJob(job(linked, { carrier: origin.carrier }), async () => undefined, {
      consumerParent: 'link',
    });
    await runJob(job(detached, { carrier: origin.carrier, detached: true }), async () => undefined);
    await arrived(
      () => processSpans(linked).length === 1 && processSpans(detached).length === 1,
      'both spans',
    );
    for (const span of [processSpans(linked)[0]!, processSpans(detached)[0]!]) {
      expect(span.traceId).not.toBe(origin.traceId);
      expect(span.parentSpanId).toBeUndefined();
      expect(linksOf(span.spanId)).toEqual([{ traceId: origin.traceId, spanId: origin.spanId }]);
      expect(span.attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]).toBe(origin.traceId);
      // The scoped context still travels with the job.
      expect(span.attributes['user.id']).toBe('trader-5');
    }
  });

  it("with consumerParent 'parent', continues the trace even for a detached job", async () => {
    const queue = freshQueue();
    const origin = await enqueueInRequest({});
    await runJob(job(queue, { carrier: origin.carrier, detached: true }), async () => undefined, {
      consumerParent: 'parent',
    });
    await arrived(() => processSpans(queue).length === 1, 'the span');
    expect(processSpans(queue)[0]!.traceId).toBe(origin.traceId);
    expect(processSpans(queue)[0]!.parentSpanId).toBe(origin.spanId);
  });

  it('starts a root trace with no link and no conversation when the carrier was captured outside any trace', async () => {
    const queue = freshQueue();
    const carrier = context.with(ROOT_CONTEXT, () => injectJobContext());
    expect(carrier.traceparent).toBeUndefined();
    await runJob(job(queue, { carrier }), async () => undefined);
    await arrived(() => processSpans(queue).length === 1, 'the span');
    const span = processSpans(queue)[0]!;
    expect(span.parentSpanId).toBeUndefined();
    expect(linksOf(span.spanId)).toEqual([]);
    expect(span.attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]).toBeUndefined();
  });

  it('marks a failed last attempt: the handler’s own error rejects, ERROR span with the exception, job.failed with exception details', async () => {
    const queue = freshQueue();
    const origin = await enqueueInRequest({ 'user.id': 'trader-1' });
    const boom = new TypeError('instrument ACME is halted');
    const outcome = runJob(job(queue, { attempt: 3, carrier: origin.carrier }), async () => {
      throw boom;
    });
    await expect(outcome).rejects.toBe(boom);
    await arrived(
      () => processSpans(queue).length === 1 && jobLogs(queue, EVENT.JOB_FAILED).length === 1,
      'the failure',
    );
    const span = processSpans(queue)[0]!;
    expect(span.status.code).toBe(2); // ERROR
    expect(span.status.message).toBe('instrument ACME is halted');
    expect(span.attributes[ATTR.ERROR_TYPE]).toBe('TypeError');
    expect(span.events.find((e) => e.name === 'exception')?.attributes).toMatchObject({
      [ATTR.EXCEPTION_TYPE]: 'TypeError',
      [ATTR.EXCEPTION_MESSAGE]: 'instrument ACME is halted',
    });
    const failed = jobLogs(queue, EVENT.JOB_FAILED)[0]!;
    expect(failed.severityText).toBe('ERROR');
    expect(failed.spanId).toBe(span.spanId);
    expect(failed.attributes).toMatchObject({
      [ATTR.EXCEPTION_TYPE]: 'TypeError',
      [ATTR.EXCEPTION_MESSAGE]: 'instrument ACME is halted',
      [ATTR.ERROR_TYPE]: 'TypeError',
      [ATTR.JOB_ATTEMPT]: 3,
      'user.id': 'trader-1',
    });
    expect(String(failed.attributes[ATTR.EXCEPTION_STACKTRACE])).toContain('TypeError');
    expect(jobLogs(queue, EVENT.JOB_RETRYING)).toHaveLength(0);
  });

  it('logs job.retrying, not job.failed, for an attempt that has attempts left; an UnrecoverableError fails at once', async () => {
    const retried = freshQueue();
    const unrecoverable = freshQueue();
    await expect(
      runJob(job(retried, { attempt: 1, maxAttempts: 3 }), () => {
        throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
      }),
    ).rejects.toThrow('connection reset');
    const fatal = Object.assign(new Error('order cancelled'), { name: 'UnrecoverableError' });
    await expect(
      runJob(job(unrecoverable, { attempt: 1, maxAttempts: 3 }), async () => {
        throw fatal;
      }),
    ).rejects.toBe(fatal);
    await arrived(
      () =>
        jobLogs(retried, EVENT.JOB_RETRYING).length === 1 &&
        jobLogs(unrecoverable, EVENT.JOB_FAILED).length === 1,
      'both outcomes',
    );
    const retrying = jobLogs(retried, EVENT.JOB_RETRYING)[0]!;
    expect(retrying.severityText).toBe('WARN');
    expect(retrying.attributes).toMatchObject({
      [ATTR.JOB_ATTEMPT]: 1,
      'sqs.job.attempts': 3,
      [ATTR.ERROR_TYPE]: 'ECONNRESET',
      [ATTR.EXCEPTION_MESSAGE]: 'connection reset',
    });
    expect(jobLogs(retried, EVENT.JOB_FAILED)).toHaveLength(0);
    expect(jobLogs(unrecoverable, EVENT.JOB_RETRYING)).toHaveLength(0);
    await arrived(() => processSpans(retried).length === 1, 'the retried attempt’s span');
    expect(processSpans(retried)[0]!.status.code).toBe(2);
  });

  it('treats an error the control-flow check accepts as “not now”: no failure records, no ERROR span', async () => {
    const queue = freshQueue();
    const later = Object.assign(new Error('move to delayed'), { name: 'DelayedError' });
    await expect(
      runJob(
        job(queue, { attempt: 3 }),
        async () => {
          throw later;
        },
        {},
        (error) => error instanceof Error && error.name === 'DelayedError',
      ),
    ).rejects.toBe(later);
    await arrived(() => processSpans(queue).length === 1, 'the span');
    expect(processSpans(queue)[0]!.status.code ?? 0).toBe(0);
    expect(jobLogs(queue).map((l) => l.eventName)).toEqual([EVENT.JOB_STARTED]);
  });

  it('never lets its own problems reach the caller: a throwing control-flow check, a malformed carrier, unserialisable data', async () => {
    const queue = freshQueue();
    const boom = new Error('settlement rejected');
    const outcome = runJob(
      job(queue, { id: 'm-hook', attempt: 3 }),
      async () => {
        throw boom;
      },
      {},
      () => {
        throw new Error('the check itself broke');
      },
    );
    // The handler's own error, not the check's.
    await expect(outcome).rejects.toBe(boom);

    const circular: Record<string, unknown> = { orderId: 'o-9', amount: 10n };
    circular.self = circular;
    const malformed = {
      traceparent: 'not-a-traceparent',
      baggage: 42,
      scoped: 'nonsense',
      conversation: { not: 'a string' },
    } as unknown as JobCarrier;
    const result = await runJob(
      job(queue, { id: 'm-odd', carrier: malformed, data: circular }),
      () => 'still settled',
    );
    expect(result).toBe('still settled');

    // A synchronous throw becomes the returned promise's rejection, as with an async handler.
    const sync = new RangeError('quantity out of range');
    let thrownSynchronously = false;
    let outcomeOfSync: Promise<unknown> | undefined;
    try {
      outcomeOfSync = runJob(job(queue, { id: 'm-sync', attempt: 3 }), () => {
        throw sync;
      });
    } catch {
      thrownSynchronously = true;
    }
    expect(thrownSynchronously).toBe(false);
    await expect(outcomeOfSync).rejects.toBe(sync);

    await arrived(
      () => jobLogs(queue, EVENT.JOB_FAILED).length === 2 && processSpans(queue).length === 3,
      'all three jobs',
    );
    expect(
      jobLogs(queue, EVENT.JOB_FAILED)
        .map((l) => l.attributes[ATTR.MESSAGING_MESSAGE_ID])
        .sort(),
    ).toEqual(['m-hook', 'm-sync']);
    const odd = jobLogs(queue, EVENT.JOB_SUCCEEDED)[0]!;
    expect(odd.attributes[ATTR.MESSAGING_MESSAGE_ID]).toBe('m-odd');
    expect(odd.attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]).toBeUndefined();
  });
});
