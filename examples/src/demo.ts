/**
 * `npm run demo`: starts the example orders API with tracelog, sends a few requests (one of them
 * failing), and prints for each its correlation id and the log lines that share it — read back
 * from the local OTLP file that tracelog writes when no collector is configured.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { init } from '@tracelog/node';
import type { Enqueue, Order } from './api.ts';

const file = '.tracelog/demo-telemetry.jsonl';
rmSync(file, { force: true });
const telemetry = init({
  serviceName: 'orders-api',
  environment: 'demo',
  file: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? undefined : file,
  console: 'pretty',
  level: 'debug',
  http: { correlationHeader: 'x-correlation-id' },
});

// The API module loads after init(), so its HTTP server is instrumented.
const { createApi, settle } = await import('./api.ts');
const closers: Array<() => Promise<unknown>> = [];
let enqueue: Enqueue | undefined;
if (process.env.REDIS_URL) {
  // Settlement on BullMQ: the queue instrumentation came with init(), no code here for it.
  const { Queue, Worker } = await import('bullmq');
  const url = new URL(process.env.REDIS_URL);
  const connection = { host: url.hostname, port: Number(url.port || 6379) };
  const queue = new Queue('settlement', { connection });
  const worker = new Worker(
    'settlement',
    (job) => settle(job.data.orderId as string, job.data.order as Order),
    { connection },
  );
  enqueue = (orderId, order) => queue.add('settle', { orderId, order });
  closers.push(
    () => worker.close(),
    () => queue.close(),
  );
}
const server = createApi({ enqueue }).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const requests = [
  { user: 'trader-7', order: { symbol: 'ACME', side: 'buy', quantity: 100, price: 12.5 } },
  { user: 'trader-7', order: { symbol: 'acme!', side: 'buy', quantity: 5, price: 1 } },
  { user: 'trader-9', order: { symbol: 'GLOBX', side: 'sell', quantity: 90_000, price: 40 } },
];
const results: Array<{ status: number; correlationId: string }> = [];
for (const { user, order } of requests) {
  const response = await fetch(`${base}/orders`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-user-id': user,
      'x-api-key': 'sk_live_demo_0123456789abcdef',
    },
    body: JSON.stringify(order),
  });
  await response.text();
  results.push({
    status: response.status,
    correlationId: response.headers.get('x-correlation-id') ?? '?',
  });
}
await new Promise((resolve) => setTimeout(resolve, enqueue ? 1500 : 100)); // let settlement finish
server.close();
for (const close of closers) await close();
await telemetry.shutdown();

if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  console.log(
    `\nTelemetry was sent to ${telemetry.destination}. Search these correlation ids there:`,
  );
  for (const r of results) console.log(`  ${r.status}  ${r.correlationId}`);
} else {
  printCorrelated(results);
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string;
  doubleValue?: number;
  boolValue?: boolean;
}

function printCorrelated(list: Array<{ status: number; correlationId: string }>): void {
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  const records = lines.flatMap((line) => {
    const request = JSON.parse(line) as {
      resourceLogs?: Array<{
        scopeLogs: Array<{
          scope: { name: string };
          logRecords: Array<{
            traceId?: string;
            severityText?: string;
            eventName?: string;
            body?: OtlpValue;
            timeUnixNano: string;
            attributes?: Array<{ key: string; value: OtlpValue }>;
          }>;
        }>;
      }>;
    };
    return (request.resourceLogs ?? []).flatMap((rl) =>
      rl.scopeLogs.flatMap((sl) =>
        sl.logRecords.map((record) => ({ scope: sl.scope.name, ...record })),
      ),
    );
  });
  console.log('\n──────── correlation ────────');
  for (const { status, correlationId } of list) {
    const shared = records
      .filter((record) => record.traceId === correlationId)
      .sort((a, b) => Number(BigInt(a.timeUnixNano) - BigInt(b.timeUnixNano)));
    console.log(
      `\nHTTP ${status}  correlation id ${correlationId}  (${shared.length} log records)`,
    );
    for (const record of shared) {
      const event = record.eventName ? ` ${record.eventName}` : '';
      console.log(
        `  ${(record.severityText ?? '').padEnd(5)} [${record.scope}]${event} ${record.body?.stringValue ?? ''}`,
      );
    }
  }
  console.log(`\nEvery record above is in ${file} as OTLP/JSON (try: jq . ${file}).`);
  console.log(
    enqueue
      ? 'Settlement ran on BullMQ (REDIS_URL); its job records share the request’s correlation id.'
      : 'Settlement ran in-process with task(). To run it on BullMQ, start Redis (redis-server) and run: REDIS_URL=redis://127.0.0.1:6379 npm run demo',
  );
  console.log(
    'Start the collector stack (npm run stack) and set OTEL_EXPORTER_OTLP_ENDPOINT to send it there.',
  );
}
