import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as bullmq from 'bullmq';
import * as bullmq5 from 'bullmq5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT, METRIC, getScopedAttributes } from '@tracelog/core';
import { getLogger, withContext } from '@tracelog/node';
import type { TracelogHandle } from '@tracelog/node';
import { instrumentBullMQ } from '@tracelog/queue-instrumentation';
import { OtlpReceiver } from '@tracelog/test-utils';
import { startRedis } from '@tracelog/test-utils';
import { startTestTelemetry } from '../support/telemetry.js';
import type { TestTelemetry } from '../support/telemetry.js';

// BullMQ 6 on a real Redis, with @tracelog/node exporting to an in-process OTLP receiver; the
// core of it (trace continuity, attempts, failure) also on the latest BullMQ 5.
const receiver = new OtlpReceiver();
let sdk: TestTelemetry;
let telemetry: TracelogHandle;
let redis: Awaited<ReturnType<typeof startRedis>>;
let connection: { host: string; port: number };
let instrumentation: { disable(): void } | undefined;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  redis = await startRedis();
  connection = { host: '127.0.0.1', port: redis.port };
  // A sensitive key of the app's own: job data is redacted with the app's settings.
  sdk = await startTestTelemetry('queue-test', receiver, {
    redaction: { keys: ['settlementRef'] },
  });
  telemetry = sdk.handle;
});

afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  instrumentation?.disable();
  await sdk.stop();
  await redis.stop();
});

type BullMQ = typeof bullmq;

function instrument(options: Parameters<typeof instrumentBullMQ>[0] = {}, mod: BullMQ = bullmq) {
  instrumentation?.disable();
  instrumentation = instrumentBullMQ({ ...options, modules: [mod] });
}

let queueCounter = 0;
function queueAndWorker(
  processor: (job: bullmq.Job) => Promise<unknown>,
  workerOpts: Partial<bullmq.WorkerOptions> = {},
  mod: BullMQ = bullmq,
) {
  // Base 36: a long digit run in a name can look like a card number to the redactor.
  const name = `q${queueCounter++}-${Date.now().toString(36)}`;
  const queue = new mod.Queue(name, { connection });
  const worker = new mod.Worker(name, processor, { connection, ...workerOpts });
  closers.push(
    () => queue.close(),
    () => worker.close(),
  );
  return { name, queue, worker };
}

async function flushed() {
  await telemetry.flush();
}

const arrived = (predicate: () => boolean, what: string) => sdk.arrived(predicate, what);

const jobLogs = (queue: string, event?: string) =>
  receiver.logs.filter(
    (l) =>
      l.attributes[ATTR.MESSAGING_DESTINATION_NAME] === queue && (!event || l.eventName === event),
  );
const spansOf = (queue: string, prefix: string) =>
  receiver.spans.filter((s) => s.name === `${prefix} ${queue}`);

// The major versions the peer range claims: each runs the core of the instrumentation.
describe.each([
  { version: '6', mod: bullmq },
  { version: '5', mod: bullmq5 as unknown as BullMQ },
])('BullMQ $version: request → enqueue → worker', ({ mod }) => {
  it('continues the request trace into the worker, with the scoped context, under the default policy', async () => {
    instrument({}, mod);
    const seenInWorker: Array<Record<string, unknown>> = [];
    const { name, queue } = queueAndWorker(
      async (job) => {
        seenInWorker.push({ ...getScopedAttributes() });
        getLogger('settlement').info('settling inside the job', {
          orderId: job.data.orderId,
          queue: job.queueName,
        });
        return 'ok';
      },
      {},
      mod,
    );
    const server = createServer((req, res) => {
      void withContext({ 'user.id': 'trader-7' }, async () => {
        await queue.add('settle', {
          orderId: 'o-1',
          password: 'hunter2-queue',
          settlementRef: 'SR-0042-queue',
        });
        res.end('queued');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const response = await fetch(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`,
    );
    server.close();
    const traceId = response.headers.get('traceresponse')!.split('-')[1]!;

    await arrived(
      () =>
        jobLogs(name, EVENT.JOB_SUCCEEDED).length === 1 &&
        receiver.logs.some(
          (l) => l.body === 'settling inside the job' && l.attributes.queue === name,
        ),
      'job completion',
    );
    await flushed();
    await arrived(
      () => spansOf(name, 'process').length === 1 && spansOf(name, 'send').length === 1,
      'spans',
    );

    const send = spansOf(name, 'send')[0]!;
    const process_ = spansOf(name, 'process')[0]!;
    expect(send.traceId).toBe(traceId);
    expect(send.kind).toBe(4); // PRODUCER
    expect(process_.kind).toBe(5); // CONSUMER
    expect(process_.traceId).toBe(traceId);
    expect(process_.parentSpanId).toBe(send.spanId);
    expect(process_.attributes).toMatchObject({
      [ATTR.MESSAGING_SYSTEM]: 'bullmq',
      [ATTR.MESSAGING_DESTINATION_NAME]: name,
      [ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]: traceId,
    });
    expect(seenInWorker[0]).toMatchObject({ 'user.id': 'trader-7' });

    const events = receiver.logs.filter((l) => l.traceId === traceId).map((l) => l.eventName);
    expect(events).toEqual(
      expect.arrayContaining([
        EVENT.JOB_ENQUEUED,
        EVENT.JOB_STARTED,
        EVENT.JOB_SUCCEEDED,
        EVENT.HTTP_REQUEST,
      ]),
    );
    const inside = receiver.logs.find(
      (l) => l.body === 'settling inside the job' && l.attributes.queue === name,
    )!;
    expect(inside.traceId).toBe(traceId);
    expect(inside.attributes['user.id']).toBe('trader-7');
    const started = jobLogs(name, EVENT.JOB_STARTED)[0]!;
    expect(started.attributes['user.id']).toBe('trader-7');
    expect(typeof started.attributes[ATTR.JOB_WAIT_MS]).toBe('number');
    expect(JSON.stringify(receiver.raw)).not.toContain('hunter2-queue');
    expect(JSON.stringify(receiver.raw)).not.toContain('SR-0042-queue');
    for (const event of [EVENT.JOB_ENQUEUED, EVENT.JOB_STARTED])
      expect(JSON.parse(String(jobLogs(name, event)[0]!.attributes[ATTR.JOB_DATA]))).toEqual({
        orderId: 'o-1',
        password: '[REDACTED]',
        settlementRef: '[REDACTED]',
      });
  });

  it('gives each attempt its own process span, logs job.retrying, and marks failed attempts as errors', async () => {
    instrument({}, mod);
    let calls = 0;
    const { name, queue } = queueAndWorker(
      async () => {
        calls++;
        if (calls < 3) throw new Error(`broker busy (${calls})`);
        return 'done';
      },
      {},
      mod,
    );
    await withContext({ 'user.id': 'u-retry' }, () =>
      queue.add('book', {}, { attempts: 3, backoff: { type: 'fixed', delay: 50 } }),
    );
    await arrived(() => jobLogs(name, EVENT.JOB_SUCCEEDED).length === 1, 'the third attempt');
    await flushed();
    await arrived(() => spansOf(name, 'process').length === 3, 'three process spans');
    const attempts = spansOf(name, 'process').sort(
      (a, b) => Number(a.attributes[ATTR.JOB_ATTEMPT]) - Number(b.attributes[ATTR.JOB_ATTEMPT]),
    );
    expect(attempts.map((s) => s.attributes[ATTR.JOB_ATTEMPT])).toEqual([1, 2, 3]);
    expect(attempts.map((s) => s.status.code ?? 0)).toEqual([2, 2, 0]);
    expect(attempts[0]!.attributes[ATTR.ERROR_TYPE]).toBe('Error');
    expect(jobLogs(name, EVENT.JOB_RETRYING)).toHaveLength(2);
    expect(jobLogs(name, EVENT.JOB_RETRYING)[0]!.attributes[ATTR.EXCEPTION_MESSAGE]).toBe(
      'broker busy (1)',
    );
    // Delayed retries start their own trace but keep the conversation and the user.
    const conversation = attempts[0]!.attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID];
    expect(
      attempts.every((s) => s.attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID] === conversation),
    ).toBe(true);
    expect(jobLogs(name).every((l) => l.attributes['user.id'] === 'u-retry')).toBe(true);
  });

  it('ends a job that runs out of attempts with job.failed and an ERROR span', async () => {
    instrument({}, mod);
    const { name, queue } = queueAndWorker(
      async () => {
        throw new TypeError('bad instrument');
      },
      {},
      mod,
    );
    await queue.add('book', {}, { attempts: 2 });
    await arrived(() => jobLogs(name, EVENT.JOB_FAILED).length === 1, 'the final failure');
    const failed = jobLogs(name, EVENT.JOB_FAILED)[0]!;
    expect(failed.severityText).toBe('ERROR');
    expect(failed.attributes).toMatchObject({
      [ATTR.EXCEPTION_TYPE]: 'TypeError',
      [ATTR.JOB_ATTEMPT]: 2,
    });
    await flushed();
    await arrived(() => spansOf(name, 'process').length === 2, 'two attempts');
    expect(spansOf(name, 'process').every((s) => s.status.code === 2)).toBe(true);
  });
});

describe('BullMQ: request → enqueue → worker', () => {
  it("with consumerParent 'link', starts a new trace linked to the producer and keeps the conversation id", async () => {
    instrument({ consumerParent: 'link' });
    const { name, queue } = queueAndWorker(async () => 'ok');
    const tracer = (await import('@opentelemetry/api')).trace.getTracer('test');
    const requestTrace = await tracer.startActiveSpan('request', async (span) => {
      await queue.add('one-off', {});
      span.end();
      return span.spanContext().traceId;
    });
    await arrived(() => jobLogs(name, EVENT.JOB_SUCCEEDED).length === 1, 'the job');
    await flushed();
    await arrived(() => spansOf(name, 'process').length === 1, 'the span');
    const span = spansOf(name, 'process')[0]!;
    expect(span.traceId).not.toBe(requestTrace);
    expect(span.attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]).toBe(requestTrace);
    expect(
      jobLogs(name, EVENT.JOB_SUCCEEDED)[0]!.attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID],
    ).toBe(requestTrace);
  });

  it('does not chain scheduler runs into the previous run’s trace', async () => {
    instrument();
    const { name, queue } = queueAndWorker(async () => 'tick');
    const tracer = (await import('@opentelemetry/api')).trace.getTracer('test');
    const creatorTrace = await tracer.startActiveSpan('setup', async (span) => {
      await queue.upsertJobScheduler(
        'every-200ms',
        { every: 200 },
        { name: 'refresh-quotes', data: {} },
      );
      span.end();
      return span.spanContext().traceId;
    });
    await arrived(() => jobLogs(name, EVENT.JOB_SUCCEEDED).length >= 3, 'three scheduler runs');
    await queue.removeJobScheduler('every-200ms');
    await flushed();
    await arrived(() => spansOf(name, 'process').length >= 3, 'their spans');
    const runs = spansOf(name, 'process');
    expect(new Set(runs.map((s) => s.traceId)).size).toBe(runs.length);
    expect(runs.some((s) => s.traceId === creatorTrace)).toBe(false);
  });

  it('keeps the flow’s context on children added without opts', async () => {
    instrument();
    const parentQ = queueAndWorker(async () => 'parent');
    const childQ = queueAndWorker(async () => 'child');
    const flow = new bullmq.FlowProducer({ connection });
    closers.push(() => flow.close());
    const tracer = (await import('@opentelemetry/api')).trace.getTracer('test');
    const traceId = await tracer.startActiveSpan('request', async (span) => {
      await withContext({ 'user.id': 'flow-user' }, () =>
        flow.add({
          name: 'settle-all',
          queueName: parentQ.name,
          children: [{ name: 'settle-one', queueName: childQ.name, data: {} }],
        }),
      );
      span.end();
      return span.spanContext().traceId;
    });
    await arrived(() => jobLogs(childQ.name, EVENT.JOB_STARTED).length === 1, 'the child job');
    const child = jobLogs(childQ.name, EVENT.JOB_STARTED)[0]!;
    expect(child.traceId).toBe(traceId);
    expect(child.attributes['user.id']).toBe('flow-user');
  });

  it('masks a secret in a job’s name on its spans, in its records’ attributes and in their messages', async () => {
    instrument();
    const token = 'ghp_F4k3T0k3nF0rT3st1ngOnlyAbCdEf0123456';
    const { name, queue } = queueAndWorker(async () => 'ok');
    await queue.add(`sync ${token}`, {});
    await queue.addBulk([{ name: `resync ${token}`, data: {} }]);
    await arrived(() => jobLogs(name, EVENT.JOB_SUCCEEDED).length === 2, 'both jobs');
    await flushed();
    await arrived(
      () => spansOf(name, 'process').length === 2 && spansOf(name, 'send').length === 2,
      'their spans',
    );
    const records = jobLogs(name);
    expect(records.map((l) => l.eventName)).toEqual(
      expect.arrayContaining([EVENT.JOB_ENQUEUED, EVENT.JOB_STARTED, EVENT.JOB_SUCCEEDED]),
    );
    for (const record of records) {
      expect(String(record.body)).toContain('[REDACTED');
      expect(String(record.attributes[ATTR.JOB_NAME])).toContain('[REDACTED');
    }
    expect(JSON.stringify(receiver.raw)).not.toContain(token);
  });

  it('gives an addBulk one send span that every job continues, and each job its id and job.enqueued', async () => {
    instrument();
    const { name, queue } = queueAndWorker(async () => 'ok');
    const tracer = (await import('@opentelemetry/api')).trace.getTracer('test');
    const traceId = await tracer.startActiveSpan('request', async (span) => {
      await withContext({ 'user.id': 'bulk-user' }, () =>
        queue.addBulk(['a', 'b', 'c'].map((leg) => ({ name: 'settle-leg', data: { leg } }))),
      );
      span.end();
      return span.spanContext().traceId;
    });
    await arrived(() => jobLogs(name, EVENT.JOB_SUCCEEDED).length === 3, 'three jobs');
    await flushed();
    await arrived(
      () => spansOf(name, 'send').length === 1 && spansOf(name, 'process').length === 3,
      'their spans',
    );
    const send = spansOf(name, 'send')[0]!;
    expect(send.traceId).toBe(traceId);
    expect(send.kind).toBe(4); // PRODUCER
    expect(send.attributes).toMatchObject({
      [ATTR.MESSAGING_OPERATION_TYPE]: 'send',
      [ATTR.MESSAGING_OPERATION_NAME]: 'addBulk',
      [ATTR.MESSAGING_BATCH_MESSAGE_COUNT]: 3,
      'user.id': 'bulk-user',
    });
    // A span for three messages names none of them.
    expect(send.attributes[ATTR.MESSAGING_MESSAGE_ID]).toBeUndefined();
    const enqueued = jobLogs(name, EVENT.JOB_ENQUEUED);
    expect(enqueued.map((l) => JSON.parse(String(l.attributes[ATTR.JOB_DATA])).leg).sort()).toEqual(
      ['a', 'b', 'c'],
    );
    const ids = enqueued.map((l) => l.attributes[ATTR.MESSAGING_MESSAGE_ID]);
    expect(new Set(ids).size).toBe(3);
    for (const record of enqueued) {
      expect(record.traceId).toBe(traceId);
      expect(record.spanId).toBe(send.spanId);
      expect(record.attributes).toMatchObject({
        [ATTR.JOB_NAME]: 'settle-leg',
        [ATTR.MESSAGING_MESSAGE_CONVERSATION_ID]: traceId,
        'user.id': 'bulk-user',
      });
      // Under the fan-out threshold: each job's run continues the send span.
      const run = spansOf(name, 'process').find(
        (s) =>
          s.attributes[ATTR.MESSAGING_MESSAGE_ID] === record.attributes[ATTR.MESSAGING_MESSAGE_ID],
      )!;
      expect(run.parentSpanId).toBe(send.spanId);
      expect(run.traceId).toBe(traceId);
    }
  });

  it('starts a trace per job for an addBulk over the fan-out threshold, keeping the conversation', async () => {
    instrument({ fanOutThreshold: 2 });
    const { name, queue } = queueAndWorker(async () => 'ok');
    const tracer = (await import('@opentelemetry/api')).trace.getTracer('test');
    const traceId = await tracer.startActiveSpan('request', async (span) => {
      await queue.addBulk([1, 2, 3].map((n) => ({ name: 'quote', data: { n } })));
      span.end();
      return span.spanContext().traceId;
    });
    await arrived(() => jobLogs(name, EVENT.JOB_SUCCEEDED).length === 3, 'three jobs');
    await flushed();
    await arrived(() => spansOf(name, 'process').length === 3, 'their spans');
    const runs = spansOf(name, 'process');
    expect(runs.some((s) => s.traceId === traceId)).toBe(false);
    expect(new Set(runs.map((s) => s.traceId)).size).toBe(3);
    expect(
      runs.every((s) => s.attributes[ATTR.MESSAGING_MESSAGE_CONVERSATION_ID] === traceId),
    ).toBe(true);
  });

  it('logs worker.stats every statsEveryJobs jobs with the counts and duration percentiles of the jobs run', async () => {
    // An interval far longer than the test: every report here comes from the job count.
    instrument({ statsEveryJobs: 4, statsEveryMs: 3_600_000 });
    // Concurrency 1 (the default) runs the jobs in the order they were added.
    const { name, queue } = queueAndWorker(async (job) => {
      if (job.data.fail) throw new Error(`rejected leg ${job.data.n}`);
      return 'ok';
    });
    await queue.addBulk(
      Array.from({ length: 10 }, (_, n) => ({ name: 'leg', data: { n, fail: n % 3 === 0 } })),
    );
    await arrived(
      () =>
        jobLogs(name, EVENT.JOB_SUCCEEDED).length + jobLogs(name, EVENT.JOB_FAILED).length === 10,
      'ten outcomes',
    );
    await arrived(() => jobLogs(name, EVENT.WORKER_STATS).length >= 2, 'two stats records');
    const reports = jobLogs(name, EVENT.WORKER_STATS);
    // 10 jobs, a report every 4: after the 4th and the 8th, none for the last two.
    expect(reports).toHaveLength(2);

    // Each job's duration as its outcome record reports it, in the order the jobs ran.
    const outcomes = [
      ...jobLogs(name, EVENT.JOB_SUCCEEDED),
      ...jobLogs(name, EVENT.JOB_FAILED),
    ].sort(
      (a, b) =>
        Number(a.attributes[ATTR.MESSAGING_MESSAGE_ID]) -
        Number(b.attributes[ATTR.MESSAGING_MESSAGE_ID]),
    );
    const nearestRank = (values: number[], p: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      return sorted[Math.ceil((p / 100) * sorted.length) - 1];
    };
    const windows = [outcomes.slice(0, 4), outcomes.slice(4, 8)];
    const expected = [
      { processed: 4, succeeded: 2, failed: 2 }, // legs 0 and 3 fail
      { processed: 8, succeeded: 5, failed: 3 }, // and leg 6
    ];
    reports.forEach((report, i) => {
      const durations = windows[i]!.map((l) => Number(l.attributes[ATTR.JOB_DURATION_MS]));
      expect(report.attributes).toMatchObject({
        [ATTR.MESSAGING_SYSTEM]: 'bullmq',
        [ATTR.MESSAGING_DESTINATION_NAME]: name,
        [ATTR.WORKER_PROCESSED]: expected[i]!.processed,
        [ATTR.WORKER_SUCCEEDED]: expected[i]!.succeeded,
        [ATTR.WORKER_FAILED]: expected[i]!.failed,
        [ATTR.WORKER_DURATION_P50_MS]: nearestRank(durations, 50),
        [ATTR.WORKER_DURATION_P95_MS]: nearestRank(durations, 95),
        [ATTR.WORKER_DURATION_P99_MS]: nearestRank(durations, 99),
      });
    });
    // The failed jobs counted are the ones logged as failed.
    expect(
      jobLogs(name, EVENT.JOB_FAILED)
        .map((l) => Number(l.attributes[ATTR.MESSAGING_MESSAGE_ID]))
        .sort((a, b) => a - b),
    ).toEqual([1, 4, 7, 10]);
  });

  it('logs worker.stats for a worker that went idle, without a further job, and stays quiet while nothing new happens', async () => {
    // A job count the test never reaches: every report here comes from the worker's timer.
    instrument({ statsEveryJobs: 1000, statsEveryMs: 300 });
    const { name, queue } = queueAndWorker(async () => 'ok');
    await queue.addBulk([1, 2, 3].map((n) => ({ name: 'leg', data: { n } })));
    const processed = () =>
      jobLogs(name, EVENT.WORKER_STATS).map((l) => l.attributes[ATTR.WORKER_PROCESSED]);
    // No fourth job: the idle worker's timer reports the three.
    await arrived(() => processed().includes(3), 'the idle worker’s stats');
    expect(jobLogs(name, EVENT.WORKER_STATS).at(-1)!.attributes).toMatchObject({
      [ATTR.MESSAGING_SYSTEM]: 'bullmq',
      [ATTR.MESSAGING_DESTINATION_NAME]: name,
      [ATTR.WORKER_PROCESSED]: 3,
      [ATTR.WORKER_SUCCEEDED]: 3,
      [ATTR.WORKER_FAILED]: 0,
    });
    // Several idle intervals, then news: one more cumulative report, no repeats of the same counts.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await queue.add('leg', { n: 4 });
    await arrived(() => processed().includes(4), 'the report after the next job');
    expect(new Set(processed()).size).toBe(processed().length);
    expect(processed().at(-1)).toBe(4);
  });

  it('leaves no stats timer behind a closed worker: its process exits on its own', async () => {
    const name = `idle-exit-${Date.now().toString(36)}`;
    // Built packages, as an application would load them; no process.exit anywhere.
    const script = `
      import * as bullmq from 'bullmq';
      import { init } from '@tracelog/node';
      import { instrumentBullMQ } from '@tracelog/queue-instrumentation';
      const telemetry = init({
        serviceName: 'idle-exit', endpoint: ${JSON.stringify(receiver.url)}, protocol: 'http/json',
        console: false, spool: false, handleSignals: false, instrumentations: { bullmq: false },
      });
      instrumentBullMQ({ statsEveryJobs: 1000, statsEveryMs: 300, modules: [bullmq] });
      const connection = { host: '127.0.0.1', port: ${redis.port} };
      const queue = new bullmq.Queue(${JSON.stringify(name)}, { connection });
      const worker = new bullmq.Worker(${JSON.stringify(name)}, async () => 'ok', { connection });
      await queue.addBulk([1, 2, 3].map((n) => ({ name: 'leg', data: { n } })));
      // The test says when the idle report has arrived; then everything is closed.
      process.stdin.once('data', async () => {
        await worker.close();
        await queue.close();
        await telemetry.shutdown();
        process.stdin.destroy();
        process.stdout.write('closed\\n');
      });
    `;
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url).pathname,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += String(chunk)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await arrived(
      () =>
        jobLogs(name, EVENT.WORKER_STATS).some((l) => l.attributes[ATTR.WORKER_PROCESSED] === 3),
      'the child worker’s idle stats',
    );
    child.stdin.write('close\n');
    const code = await Promise.race([
      exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000)),
    ]);
    if (code === 'still running') child.kill('SIGKILL');
    expect(out).toContain('closed');
    expect(code).toBe(0);
  });

  it('exports worker metrics: per-queue sent and consumed counts and one duration per attempt, failures by error type', async () => {
    instrument();
    const { name, queue } = queueAndWorker(async (job) => {
      if (job.data.fail) throw new TypeError('bad leg');
      return 'ok';
    });
    await queue.addBulk([
      { name: 'leg', data: { n: 1 } },
      { name: 'leg', data: { n: 2 } },
      { name: 'leg', data: { n: 3, fail: true } },
    ]);
    await arrived(
      () =>
        jobLogs(name, EVENT.JOB_SUCCEEDED).length + jobLogs(name, EVENT.JOB_FAILED).length === 3,
      'the three jobs',
    );
    const onQueue = (metric: string) =>
      receiver.metrics.filter(
        (p) =>
          p.name === metric &&
          p.attributes[ATTR.MESSAGING_SYSTEM] === 'bullmq' &&
          p.attributes[ATTR.MESSAGING_DESTINATION_NAME] === name,
      );
    // Metrics are cumulative: the newest point of each series holds the whole count.
    const latest = (metric: string, match: (a: Record<string, unknown>) => boolean = () => true) =>
      onQueue(metric)
        .filter((p) => match(p.attributes))
        .at(-1);
    const failed = (a: Record<string, unknown>) => a[ATTR.ERROR_TYPE] === 'TypeError';
    await arrived(
      () =>
        latest(METRIC.MESSAGING_PROCESS_DURATION, (a) => !failed(a))?.count === 2 &&
        latest(METRIC.MESSAGING_PROCESS_DURATION, failed)?.count === 1 &&
        latest(METRIC.MESSAGING_CLIENT_SENT_MESSAGES)?.value === 3 &&
        latest(METRIC.MESSAGING_CLIENT_CONSUMED_MESSAGES)?.value === 3,
      `the worker metrics of ${name}`,
    );
    const durations = latest(METRIC.MESSAGING_PROCESS_DURATION, (a) => !failed(a))!;
    expect(durations).toMatchObject({ kind: 'histogram', unit: 's', service: 'queue-test' });
    expect(durations.sum).toBeGreaterThan(0);
    expect(latest(METRIC.JOB_ACTIVE)?.value).toBe(0);
  });
});
