/**
 * `npm run demo`: starts the example orders API with tracelog, sends a few requests (one of them
 * failing), and prints for each its correlation id and the log lines that share it — read back
 * from the local OTLP file that tracelog writes when no collector is configured.
 *
 * `npm run demo -- --serve`: the same API, also serving the trading page (examples/browser) and
 * its ingest relay on http://127.0.0.1:3000 (PORT) until Ctrl+C.
 */
import { readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { init } from '@tracelog/node';
import type { Enqueue, Order } from './api.ts';
import type { PageHandler } from './page.ts';

const serve = process.argv.includes('--serve');
const file = '.tracelog/demo-telemetry.jsonl';
rmSync(file, { force: true });
const telemetry = init({
  serviceName: 'orders-api',
  environment: 'demo',
  file: process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? undefined : file,
  console: 'pretty',
  level: 'debug',
  instrumentations: {
    // The relay's requests carry the browser's telemetry, not the API's own traffic.
    http: {
      correlationHeader: 'x-correlation-id',
      quietPaths: ['/health', '/otlp/v1/logs', '/otlp/v1/traces'],
    },
  },
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
let page: PageHandler | undefined;
if (serve) {
  const { createPage } = await import('./page.ts');
  page = await createPage({ collectorEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT });
}
// Port 3000 by default: the collector's CORS configuration allows that origin out of the box.
const server = createApi({ enqueue, page }).listen(
  serve ? Number(process.env.PORT ?? 3000) : 0,
  '127.0.0.1',
);
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const results = serve ? await servePage() : await placeOrders();
await new Promise((resolve) => setTimeout(resolve, enqueue ? 1500 : 100)); // let settlement finish
server.close();
server.closeAllConnections();
for (const close of closers) await close();
await telemetry.shutdown();

if (serve) {
  console.log(
    `\nStopped. The API's records are in ${telemetry.destination}${process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? ', the page’s too' : ''}.`,
  );
} else if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  console.log(
    `\nTelemetry was sent to ${telemetry.destination}. Search these correlation ids there:`,
  );
  for (const r of results) console.log(`  ${r.status}  ${r.correlationId}`);
} else {
  printCorrelated(results);
}

/** Serves the page until SIGINT or SIGTERM; orders come from whoever uses it. */
async function servePage(): Promise<Array<{ status: number; correlationId: string }>> {
  console.log(`\nThe trading page: ${base}/`);
  console.log(
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? `Its telemetry goes through the relay at ${base}/otlp; ${base}/?via=collector posts it to the collector directly (CORS).`
      : 'Without OTEL_EXPORTER_OTLP_ENDPOINT the page writes its telemetry to the browser console; start the stack (npm run stack) and set it to send both sides there.',
  );
  console.log('Press Ctrl+C to stop.');
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  return [];
}

/** The scripted run: three orders, one of them invalid and one over the risk limit. */
async function placeOrders(): Promise<Array<{ status: number; correlationId: string }>> {
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
  return results;
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
