import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres } from '../support/postgres.js';
import type { Postgres } from '../support/postgres.js';
import { startRedis } from '../support/redis.js';
import { startService, stopService, stopServices } from '../support/services.js';
import { Collector, Elasticsearch, removeWorkDirs, waitFor, workDir } from '../support/stack.js';

// One request through four real processes, each with @tracelog/node, exporting to our collector
// build and Elasticsearch: a Fastify 5 gateway calls an Express 5 orders service with global
// fetch; the orders service reads PostgreSQL, writes Redis and enqueues a BullMQ job; a worker
// process runs the job and books it at an Express 5 ledger service with global fetch.
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const run = Date.now().toString(36);
const SERVICES = {
  gateway: `real-gateway-${run}`,
  orders: `real-orders-${run}`,
  worker: `real-worker-${run}`,
  ledger: `real-ledger-${run}`,
};
const REGISTER = { NODE_OPTIONS: '--import @tracelog/node/register' };

let es: Elasticsearch | undefined;
let collector: Collector | undefined;
let postgres: Postgres | undefined;
let redis: Awaited<ReturnType<typeof startRedis>> | undefined;

type Doc = Record<string, unknown>;
const term = (field: string, value: string) => ({ term: { [field]: value } });
const ofService = (docs: Doc[], name: string) =>
  docs.filter((d) => d['Resource.service.name'] === name);
const runServices = { terms: { 'Resource.service.name': Object.values(SERVICES) } };

let traceId = '';
let answer: Record<string, unknown> = {};
let spans: Doc[] = [];
let logs: Doc[] = [];

beforeAll(async () => {
  [postgres, redis, es] = await Promise.all([
    startPostgres(),
    startRedis(),
    new Elasticsearch().start(),
  ]);
  collector = await new Collector({ elasticsearch: es }).start();

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
    async () =>
      (await es!.search('tracelog-logs', term('TraceId', traceId))).some(
        (d) => d.Body === 'trade booked',
      ),
    120_000,
    'the ledger’s booking in Elasticsearch',
  );
  await Promise.all([gateway, orders, worker, ledger].map((s) => stopService(s.child)));
  await waitFor(
    async () => {
      spans = await es!.search('tracelog-traces', runServices);
      logs = await es!.search('tracelog-logs', runServices);
      const serverSpans = spans.filter((s) => s.Kind === 'SPAN_KIND_SERVER');
      const requestRecords = logs.filter((d) => d['Attributes.event.name'] === 'http.request');
      return serverSpans.length >= 3 && requestRecords.length >= 3;
    },
    60_000,
    'every service’s spans and records in Elasticsearch',
  );
});

afterAll(async () => {
  await stopServices();
  await collector?.stop();
  await Promise.all([es?.stop(), postgres?.stop(), redis?.stop()]);
  removeWorkDirs();
});

describe('one request through a gateway, an orders service, a queue worker and a ledger', () => {
  it('answers through the gateway', () => {
    expect(answer).toMatchObject({ id: `ord-${run}`, state: 'accepted' });
  });

  it('gives every span of the four processes the request’s trace id', () => {
    for (const service of Object.values(SERVICES))
      expect(ofService(spans, service).length, service).toBeGreaterThan(0);
    const others = spans
      .filter((s) => s.TraceId !== traceId)
      .map((s) => `${String(s['Resource.service.name'])} ${String(s.Name)}`);
    expect(others).toEqual([]);
  });

  it('gives every log record about the request the same trace id', () => {
    // worker.stats is the worker's periodic report, about no request.
    const aboutRequests = logs.filter((d) => d['Attributes.event.name'] !== 'worker.stats');
    for (const service of Object.values(SERVICES))
      expect(ofService(aboutRequests, service).length, service).toBeGreaterThan(0);
    const others = aboutRequests
      .filter((d) => d.TraceId !== traceId)
      .map((d) => `${String(d['Resource.service.name'])} ${String(d.Body)}`);
    expect(others).toEqual([]);
    const bodies = aboutRequests.map((d) => d.Body);
    expect(bodies).toEqual(
      expect.arrayContaining([
        'order requested',
        'order accepted',
        'settling order',
        'trade booked',
      ]),
    );
    const events = aboutRequests.map((d) => d['Attributes.event.name']).filter(Boolean);
    expect(events).toEqual(
      expect.arrayContaining(['http.request', 'job.enqueued', 'job.started', 'job.succeeded']),
    );
  });

  it('names the server spans and http.request records by route', () => {
    const server = (service: string) => {
      const found = ofService(spans, service).filter((s) => s.Kind === 'SPAN_KIND_SERVER');
      expect(found, service).toHaveLength(1);
      return found[0]!;
    };
    expect(server(SERVICES.gateway)).toMatchObject({
      Name: 'GET /orders/:id',
      'Attributes.http.route': '/orders/:id',
    });
    expect(server(SERVICES.orders)).toMatchObject({
      Name: 'GET /orders/:id',
      'Attributes.http.route': '/orders/:id',
    });
    expect(server(SERVICES.ledger)).toMatchObject({
      Name: 'POST /ledger/:orderId',
      'Attributes.http.route': '/ledger/:orderId',
    });
    const routes = logs
      .filter((d) => d['Attributes.event.name'] === 'http.request')
      .map((d) => `${String(d['Resource.service.name'])} ${String(d['Attributes.http.route'])}`)
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
    const byId = new Map(spans.map((s) => [s.SpanId, s]));
    const parentOf = (span: Doc) => byId.get(span.ParentSpanId);
    const serverOf = (service: string) =>
      ofService(spans, service).find((s) => s.Kind === 'SPAN_KIND_SERVER')!;
    const ordersParent = parentOf(serverOf(SERVICES.orders))!;
    expect(ordersParent).toMatchObject({
      'Resource.service.name': SERVICES.gateway,
      Kind: 'SPAN_KIND_CLIENT',
    });
    const ledgerParent = parentOf(serverOf(SERVICES.ledger))!;
    expect(ledgerParent).toMatchObject({
      'Resource.service.name': SERVICES.worker,
      Kind: 'SPAN_KIND_CLIENT',
    });
    expect(serverOf(SERVICES.gateway).ParentSpanId ?? '').toBe('');
  });

  it('records the orders service’s PostgreSQL and Redis calls as client spans', () => {
    const orders = ofService(spans, SERVICES.orders).filter((s) => s.Kind === 'SPAN_KIND_CLIENT');
    const statement = (s: Doc) => s['Attributes.db.query.text'] ?? s['Attributes.db.statement'];
    const pg = orders.filter((s) => statement(s) === 'SELECT $1::text AS id, $2::text AS state');
    expect(pg).toHaveLength(1);
    expect(pg[0]!['Attributes.db.system.name'] ?? pg[0]!['Attributes.db.system']).toBe(
      'postgresql',
    );
    const redisSet = orders.filter((s) =>
      String(statement(s)).startsWith(`set order-state:ord-${run}`),
    );
    expect(redisSet).toHaveLength(1);
    expect(redisSet[0]!['Attributes.db.system.name'] ?? redisSet[0]!['Attributes.db.system']).toBe(
      'redis',
    );
  });
});
