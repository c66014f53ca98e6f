import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { startOtlpReceiver, startRedis } from '@tracelog/test-utils';
import type { OtlpReceiver, ReceivedSpan, RedisServer } from '@tracelog/test-utils';

// job.updateProgress() in a BullMQ worker, in a real process on a real Redis, instrumented as
// users get it (`--import @tracelog/node/register` with @tracelog/queue-instrumentation
// installed): each call is one `job.progress` record inside the attempt's consumer span, in the
// trace of the request that enqueued the job.
const run = promisify(execFile);
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-queue-progress-'));
const QUEUE = `progress-${Date.now().toString(36)}`;
const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_PRODUCER = 4;
const SPAN_KIND_CONSUMER = 5;
let receiver: OtlpReceiver;
let redis: RedisServer;
let jobId: string;

beforeAll(async () => {
  [receiver, redis] = await Promise.all([startOtlpReceiver(), startRedis()]);
  const clean = { ...process.env };
  for (const name of Object.keys(clean)) if (name.startsWith('OTEL_')) delete clean[name];
  const { stdout } = await run(
    process.execPath,
    ['--import', '@tracelog/node/register', 'queue-progress.mjs'],
    {
      cwd: fixtures,
      env: {
        ...clean,
        OTEL_SERVICE_NAME: 'settlement-worker',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        TRACELOG_CONSOLE: 'off',
        TRACELOG_SPOOL_DIR: join(work, 'spool'),
        REDIS_PORT: String(redis.port),
        QUEUE,
      },
      timeout: 60_000,
    },
  );
  jobId = (JSON.parse(stdout.trim()) as { jobId: string }).jobId;
});

afterAll(async () => {
  await Promise.all([receiver?.stop(), redis?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

const progressRecords = () => receiver.logs.filter((l) => l.eventName === EVENT.JOB_PROGRESS);
const span = (name: string, kind: number): ReceivedSpan => {
  const found = receiver.spans.filter((s) => s.name === name && s.kind === kind);
  expect(found, name).toHaveLength(1);
  return found[0]!;
};

describe('job.progress from job.updateProgress()', () => {
  it('one record per call, with the value: a number as is, anything else as JSON', () => {
    expect(progressRecords().map((r) => r.attributes[ATTR.JOB_PROGRESS])).toEqual([
      40,
      '{"step":"ledger"}',
    ]);
  });

  it('each names the job: system, queue, job id and name', () => {
    expect(progressRecords()).toHaveLength(2);
    for (const record of progressRecords()) {
      expect(record.attributes).toMatchObject({
        [ATTR.MESSAGING_SYSTEM]: 'bullmq',
        [ATTR.MESSAGING_DESTINATION_NAME]: QUEUE,
        [ATTR.MESSAGING_MESSAGE_ID]: jobId,
        [ATTR.JOB_NAME]: 'settle',
      });
      expect(record.resource['service.name']).toBe('settlement-worker');
    }
  });

  it("each is inside the attempt's consumer span, in the trace of the request that enqueued the job", () => {
    const consumer = span(`process ${QUEUE}`, SPAN_KIND_CONSUMER);
    const producer = span(`send ${QUEUE}`, SPAN_KIND_PRODUCER);
    const enqueuing = span('task enqueue-settlement', SPAN_KIND_INTERNAL);
    expect(producer.traceId).toBe(enqueuing.traceId);
    expect(consumer.traceId).toBe(enqueuing.traceId);
    expect(progressRecords()).toHaveLength(2);
    for (const record of progressRecords()) {
      expect(record.traceId).toBe(consumer.traceId);
      expect(record.spanId).toBe(consumer.spanId);
    }
  });
});
