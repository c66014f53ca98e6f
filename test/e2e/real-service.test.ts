import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../support/postgres.js';
import type { Postgres } from '../support/postgres.js';
import { startRedis } from '@tracelog/test-utils';
import { startService, stopService, stopServices } from '../support/services.js';
import {
  Collector,
  Jaeger,
  VictoriaLogs,
  quote,
  removeWorkDirs,
  waitFor,
  workDir,
} from '../support/stack.js';
import type { JaegerSpan, LogRow } from '../support/stack.js';

// One request through four real processes, each with @tracelog/node, exporting to our collector
// build, which stores logs in VictoriaLogs and spans in Jaeger: a Fastify 5 gateway calls an
// Express 5 orders service with global fetch; the orders service reads PostgreSQL, writes Redis
// and enqueues a BullMQ job; a worker process runs the job and books it at an Express 5 ledger
// service with global fetch.
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const run = Date.now().toString(36);
const SERVICES = {
  gateway: `real-gateway-${run}`,
  orders: `real-orders-${run}`,
  worker: `real-worker-${run}`,
  ledger: `real-ledger-${run}`,
};
const REGISTER = { NODE_OPTIONS: '--import @tracelog/node/register' };

let logStore: VictoriaLogs | undefined;
let traceStore: Jaeger | undefined;
let collector: Collector | undefined;
let postgres: Postgres | undefined;
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;

const spansOf = (from: JaegerSpan[], service: string) => from.filter((s) => s.service === service);
const recordsOf = (from: LogRow[], service: string) =>
  from.filter((d) => d['service.name'] === service);
const runServices = `service.name:in(${Object.values(SERVICES).map(quote).join(', ')})`;

let traceId = '';
let answer: Record<string, unknown> = {};
/** The request's trace, as Jaeger returns it by id. */
let spans: JaegerSpan[] = [];
/** Every span Jaeger holds for the four services, whatever its trace. */
let serviceSpans: JaegerSpan[] = [];
/** Every log record of the four services, whatever its trace. */
let logs: LogRow[] = [];

beforeAll(async () => {
  [postgres, redis, logStore, traceStore] = await Promise.all([
    startPostgres(),
    startRedis(),
    new VictoriaLogs().start(),
    new Jaeger().start(),
  ]);
  collector = await new Collector({ logs: logStore, traces: traceStore }).start();

  const node = (script: string, service: string, env: Record<string, string>) =>
    startService(fixtures, script, {
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector!.url,
      TRACELOG_CONSOLE: 'off',
      TRACELOG_SPOOL_DIR: join(workDir('spool'), 'spool'),
      REDIS_PORT: String(redis!.port),
      QUEUE: `settlement-${run}`,
      ...env,
    });
  const ledger = node('real-ledger.mjs', SERVICES.ledger, REGISTER);
  const ledgerPort = Number(await ledger.line);
  const worker = node('real-worker.mjs', SERVICES.worker, {
    LEDGER_URL: `http://127.0.0.1:${ledgerPort}`,
  });
  expect(await worker.line).toBe('ready');
  const orders = node('real-orders.mjs', SERVICES.orders, { ...REGISTER, PG_URL: postgres.url });
  const ordersPort = Number(await orders.line);
  const gateway = node('real-gateway.mjs', SERVICES.gateway, {
    ...REGISTER,
    ORDERS_URL: `http://127.0.0.1:${ordersPort}`,
  });
  const gatewayPort = Number(await gateway.line);

  const response = await fetch(`http://127.0.0.1:${gatewayPort}/orders/ord-${run}`);
  answer = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(answer)).toBe(200);
  traceId = response.headers.get('traceresponse')!.split('-')[1]!;

  // The job has run once the ledger logged the booking; then every process flushes as it stops.
  await waitFor(
    async () => (await logStore!.trace(traceId)).some((d) => d._msg === 'trade booked'),
    120_000,
    'the ledger’s booking in VictoriaLogs',
  );
  await Promise.all([gateway, orders, worker, ledger].map((s) => stopService(s.child)));
  // Every process has flushed and exited; the stores have it all once two reads in a row agree.
  let seen = '';
  await waitFor(
    async () => {
      spans = await traceStore!.trace(traceId);
      serviceSpans = (
        await Promise.all(Object.values(SERVICES).map((name) => traceStore!.traces(name)))
      ).flat();
      logs = await logStore!.query(runServices);
      const serverSpans = spans.filter((s) => s.kind === 'server');
      const requestRecords = logs.filter((d) => d.event_name === 'http.request');
      const now = `${spans.length} ${serviceSpans.length} ${logs.length}`;
      const settled = now === seen;
      seen = now;
      return serverSpans.length >= 3 && requestRecords.length >= 3 && settled;
    },
    60_000,
    'every service’s spans in Jaeger and records in VictoriaLogs',
  );
});

afterAll(async () => {
  await stopServices();
  await collector?.stop();
  await Promise.all([logStore?.stop(), traceStore?.stop(), postgres?.stop(), redis?.stop()]);
  removeWorkDirs();
});

describe('one request through a gateway, an orders service, a queue worker and a ledger', () => {
  it('answers through the gateway', () => {
    expect(answer).toMatchObject({ id: `ord-${run}`, state: 'accepted' });
  });

  it('gives every span of the four processes the request’s trace id', () => {
    for (const service of Object.values(SERVICES))
      expect(spansOf(serviceSpans, service).length, service).toBeGreaterThan(0);
    const others = serviceSpans
      .filter((s) => s.traceId !== traceId)
      .map((s) => `${s.service} ${s.name} ${s.traceId}`);
    expect(others).toEqual([]);
  });

  it('Jaeger returns the trace whole: every service’s spans, every parent in it, one root', () => {
    for (const service of Object.values(SERVICES))
      expect(spansOf(spans, service).length, service).toBeGreaterThan(0);
    expect(spans.filter((s) => s.traceId !== traceId)).toEqual([]);
    // Nothing the services sent about this request is missing from what Jaeger returns by id.
    const ids = new Set(spans.map((s) => s.spanId));
    expect(serviceSpans.filter((s) => !ids.has(s.spanId)).map((s) => s.name)).toEqual([]);
    const dangling = spans
      .filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId))
      .map((s) => `${s.service} ${s.name} → ${s.parentSpanId}`);
    expect(dangling).toEqual([]);
    const roots = spans.filter((s) => s.parentSpanId === undefined);
    expect(roots.map((s) => `${s.service} ${s.name}`)).toEqual([
      `${SERVICES.gateway} GET /orders/:id`,
    ]);
  });

  it('gives every log record about the request the same trace id', () => {
    // worker.stats is the worker's periodic report, about no request.
    const aboutRequests = logs.filter((d) => d.event_name !== 'worker.stats');
    for (const service of Object.values(SERVICES))
      expect(recordsOf(aboutRequests, service).length, service).toBeGreaterThan(0);
    const others = aboutRequests
      .filter((d) => d.trace_id !== traceId)
      .map((d) => `${d['service.name']} ${d._msg}`);
    expect(others).toEqual([]);
    const bodies = aboutRequests.map((d) => d._msg);
    expect(bodies).toEqual(
      expect.arrayContaining([
        'order requested',
        'order accepted',
        'settling order',
        'trade booked',
      ]),
    );
    const events = aboutRequests.map((d) => d.event_name).filter(Boolean);
    expect(events).toEqual(
      expect.arrayContaining(['http.request', 'job.enqueued', 'job.started', 'job.succeeded']),
    );
  });

  it('names the server spans and http.request records by route', () => {
    const server = (service: string) => {
      const found = spansOf(spans, service).filter((s) => s.kind === 'server');
      expect(found, service).toHaveLength(1);
      return found[0]!;
    };
    expect(server(SERVICES.gateway)).toMatchObject({
      name: 'GET /orders/:id',
      tags: { 'http.route': '/orders/:id' },
    });
    expect(server(SERVICES.orders)).toMatchObject({
      name: 'GET /orders/:id',
      tags: { 'http.route': '/orders/:id' },
    });
    expect(server(SERVICES.ledger)).toMatchObject({
      name: 'POST /ledger/:orderId',
      tags: { 'http.route': '/ledger/:orderId' },
    });
    const routes = logs
      .filter((d) => d.event_name === 'http.request')
      .map((d) => `${d['service.name']} ${d['http.route']}`)
      .sort();
    expect(routes).toEqual(
      [
        `${SERVICES.gateway} /orders/:id`,
        `${SERVICES.ledger} /ledger/:orderId`,
        `${SERVICES.orders} /orders/:id`,
      ].sort(),
    );
  });

  it('links the processes parent to child: gateway → orders, worker → ledger', () => {
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const parentOf = (span: JaegerSpan) => byId.get(span.parentSpanId ?? '');
    const serverOf = (service: string) => spansOf(spans, service).find((s) => s.kind === 'server')!;
    expect(parentOf(serverOf(SERVICES.orders))).toMatchObject({
      service: SERVICES.gateway,
      kind: 'client',
    });
    expect(parentOf(serverOf(SERVICES.ledger))).toMatchObject({
      service: SERVICES.worker,
      kind: 'client',
    });
    expect(serverOf(SERVICES.gateway).parentSpanId).toBeUndefined();
  });

  it('records the orders service’s PostgreSQL and Redis calls as client spans', () => {
    const orders = spansOf(spans, SERVICES.orders).filter((s) => s.kind === 'client');
    const tag = (s: JaegerSpan, name: string, old: string) => s.tags[name] ?? s.tags[old];
    const statement = (s: JaegerSpan) => tag(s, 'db.query.text', 'db.statement');
    const pg = orders.filter((s) => statement(s) === 'SELECT $1::text AS id, $2::text AS state');
    expect(pg).toHaveLength(1);
    expect(tag(pg[0]!, 'db.system.name', 'db.system')).toBe('postgresql');
    const redisSet = orders.filter((s) =>
      String(statement(s)).startsWith(`set order-state:ord-${run}`),
    );
    expect(redisSet).toHaveLength(1);
    expect(tag(redisSet[0]!, 'db.system.name', 'db.system')).toBe('redis');
  });
});
