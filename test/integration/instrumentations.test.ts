import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR, EVENT, METRIC } from '@tracelog/core';
import { fromKeyValues, startOtlpReceiver } from '@tracelog/test-utils';
import type { Attrs, OtlpReceiver, ReceivedSpan } from '@tracelog/test-utils';
import { startPostgres } from '../support/postgres.js';
import type { Postgres } from '../support/postgres.js';
import { startRedis } from '@tracelog/test-utils';
import { freePort } from '../support/stack.js';

// The instrumentations init() enables, on the real libraries, in real child processes started as
// users start them (`--import @tracelog/node/register` for ESM apps, init() first in a CommonJS
// one), exporting OTLP/JSON to a receiver in this process. Each app has its own service name;
// a process is stopped (SIGTERM: the SDK flushes) before what it exported is checked.
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-instrumentations-'));
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;

let receiver: OtlpReceiver;
const running: ChildProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

afterAll(async () => {
  await Promise.all(running.splice(0).map(stop));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await receiver?.stop();
  rmSync(work, { recursive: true, force: true });
});

interface App {
  child: ChildProcess;
  port: number;
  service: string;
}

let appCounter = 0;
/** Starts a fixture app (ESM ones through the register hook) and waits for its port. */
async function startApp(script: string, env: Record<string, string> = {}): Promise<App> {
  const service = `${script.replace(/\.[cm]js$/, '')}-${appCounter++}`;
  const args = script.endsWith('.cjs') ? [script] : ['--import', '@tracelog/node/register', script];
  const child = spawn(process.execPath, args, {
    cwd: fixtures,
    env: {
      ...process.env,
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      TRACELOG_CONSOLE: 'off',
      TRACELOG_SPOOL_DIR: join(work, service),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(out.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited early with ${code}`)));
  });
  return { child, port: Number(line), service };
}

/** SIGTERM (the SDK flushes everything before the process ends) and waits for the exit. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const traceIdOf = (response: Response) => {
  const traceId = response.headers.get('traceresponse')?.split('-')[1];
  expect(traceId).toMatch(/^[0-9a-f]{32}$/);
  return traceId!;
};

const spansOf = (service: string) =>
  receiver.spans.filter((s) => s.resource['service.name'] === service);
const logsOf = (service: string) =>
  receiver.logs.filter((l) => l.resource['service.name'] === service);

interface MetricPoint {
  name: string;
  attributes: Attrs;
}

/** Every data point of every metric the service exported (from the raw OTLP/JSON bodies). */
function metricsOf(service: string): MetricPoint[] {
  type J = Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? (v as J[]) : []);
  const points: MetricPoint[] = [];
  for (const request of receiver.requests.filter((r) => r.path.endsWith('/v1/metrics'))) {
    for (const rm of list((request.json as J | undefined)?.resourceMetrics)) {
      const resource = fromKeyValues(
        (rm.resource as J | undefined)?.attributes as Parameters<typeof fromKeyValues>[0],
      );
      if (resource['service.name'] !== service) continue;
      for (const sm of list(rm.scopeMetrics)) {
        for (const metric of list(sm.metrics)) {
          for (const kind of ['histogram', 'sum', 'gauge', 'exponentialHistogram']) {
            for (const dp of list((metric[kind] as J | undefined)?.dataPoints)) {
              points.push({
                name: String(metric.name),
                attributes: fromKeyValues(dp.attributes as Parameters<typeof fromKeyValues>[0]),
              });
            }
          }
        }
      }
    }
  }
  return points;
}

/** Everything the receiver got, as text: to prove a value was never exported. */
const everythingExported = () => JSON.stringify(receiver.requests.map((r) => r.json));

/** The statement text, under whichever semantic-convention name the upstream version sets. */
const statementOf = (span: ReceivedSpan) =>
  span.attributes['db.query.text'] ?? span.attributes['db.statement'];

// ---- a callee that shows what arrived on the wire ---------------------------------------------

interface Arrival {
  path: string;
  /** The value of each `traceparent` line, in the order they arrived. */
  traceparents: string[];
}

let callee: Server;
let calleeUrl = '';
const arrivals: Arrival[] = [];

beforeAll(async () => {
  callee = createServer((req, res) => {
    const traceparents: string[] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]!.toLowerCase() === 'traceparent')
        traceparents.push(req.rawHeaders[i + 1]!);
    }
    const path = (req.url ?? '/').split('?')[0]!;
    arrivals.push({ path, traceparents });
    res.writeHead(path.startsWith('/unavailable') ? 503 : 200).end('callee');
  });
  await new Promise<void>((resolve) => callee.listen(0, '127.0.0.1', resolve));
  calleeUrl = `http://127.0.0.1:${(callee.address() as { port: number }).port}`;
  cleanups.push(() => new Promise((resolve) => callee.close(resolve)));
});

const arrivalAt = (path: string) => {
  const found = arrivals.filter((a) => a.path === path);
  expect(found).toHaveLength(1);
  return found[0]!;
};

// ---- global fetch ------------------------------------------------------------------------------

describe('global fetch (undici)', () => {
  let app: App;
  const calls: Record<string, { traceId: string; body: { status?: number; error?: string } }> = {};
  let refusedUrl = '';

  beforeAll(async () => {
    app = await startApp('fetch-app.mjs');
    // A port nothing listens on (and not one fetch refuses as a "bad port" before any request).
    refusedUrl = `http://127.0.0.1:${await freePort()}/refused`;
    const call = async (name: string, to: string, own?: string) => {
      const query = new URLSearchParams({ to });
      if (own) query.set('own', own);
      const response = await fetch(`http://127.0.0.1:${app.port}/call?${query}`);
      calls[name] = {
        traceId: traceIdOf(response),
        body: (await response.json()) as { status?: number; error?: string },
      };
    };
    await call('plain', `${calleeUrl}/plain`);
    await call(
      'own',
      `${calleeUrl}/own`,
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
    await call('unavailable', `${calleeUrl}/unavailable`);
    await call('refused', refusedUrl);
    await receiver.waitFor(
      () => metricsOf(app.service).some((p) => p.name === METRIC.HTTP_CLIENT_REQUEST_DURATION),
      'http.client.request.duration from the fetch app',
    );
    await stop(app.child);
  });

  const serverSpan = (traceId: string) => {
    const found = spansOf(app.service).filter(
      (s) => s.traceId === traceId && s.kind === SPAN_KIND_SERVER,
    );
    expect(found).toHaveLength(1);
    return found[0]!;
  };
  const clientSpan = (traceId: string) => {
    const found = spansOf(app.service).filter(
      (s) => s.traceId === traceId && s.kind === SPAN_KIND_CLIENT,
    );
    expect(found).toHaveLength(1);
    return found[0]!;
  };

  it('puts exactly one traceparent on the wire, of the client span under the server span', () => {
    expect(calls.plain!.body).toEqual({ status: 200 });
    const { traceparents } = arrivalAt('/plain');
    expect(traceparents).toHaveLength(1);
    const [, traceId, parentId] = traceparents[0]!.split('-');
    expect(traceId).toBe(calls.plain!.traceId);
    const server = serverSpan(calls.plain!.traceId);
    const client = clientSpan(calls.plain!.traceId);
    expect(client.parentSpanId).toBe(server.spanId);
    expect(parentId).toBe(client.spanId);
  });

  it('replaces a traceparent the caller set with the client span’s, sending one', () => {
    expect(calls.own!.body).toEqual({ status: 200 });
    const { traceparents } = arrivalAt('/own');
    expect(traceparents).toHaveLength(1);
    const [, traceId, parentId] = traceparents[0]!.split('-');
    expect(traceId).toBe(calls.own!.traceId);
    expect(traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parentId).toBe(clientSpan(calls.own!.traceId).spanId);
  });

  it('records a CLIENT span with url.full and the status code', () => {
    const client = clientSpan(calls.plain!.traceId);
    expect(client.attributes[ATTR.URL_FULL]).toBe(`${calleeUrl}/plain`);
    expect(client.attributes[ATTR.HTTP_RESPONSE_STATUS_CODE]).toBe(200);
    expect(client.attributes[ATTR.HTTP_REQUEST_METHOD]).toBe('GET');
  });

  it('exports http.client.request.duration', () => {
    const points = metricsOf(app.service).filter(
      (p) => p.name === METRIC.HTTP_CLIENT_REQUEST_DURATION,
    );
    expect(points.some((p) => p.attributes[ATTR.HTTP_RESPONSE_STATUS_CODE] === 200)).toBe(true);
  });

  it('logs http.client.failure with the trace id for a 503 answer', () => {
    expect(calls.unavailable!.body).toEqual({ status: 503 });
    const failures = logsOf(app.service).filter(
      (l) => l.eventName === EVENT.HTTP_CLIENT_FAILURE && l.traceId === calls.unavailable!.traceId,
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]!.severityText).toBe('ERROR');
    expect(failures[0]!.attributes).toMatchObject({
      [ATTR.HTTP_RESPONSE_STATUS_CODE]: 503,
      [ATTR.ERROR_TYPE]: '503',
      [ATTR.URL_FULL]: `${calleeUrl}/unavailable`,
    });
    expect(failures[0]!.spanId).toBe(clientSpan(calls.unavailable!.traceId).spanId);
  });

  it('logs http.client.failure with the trace id for a refused connection', () => {
    expect(calls.refused!.body).toEqual({ error: 'ECONNREFUSED' });
    const failures = logsOf(app.service).filter(
      (l) => l.eventName === EVENT.HTTP_CLIENT_FAILURE && l.traceId === calls.refused!.traceId,
    );
    expect(failures).toHaveLength(1);
    expect(failures[0]!.attributes).toMatchObject({
      [ATTR.ERROR_TYPE]: 'ECONNREFUSED',
      [ATTR.URL_FULL]: refusedUrl,
    });
  });

  it('logs no failure for a call that succeeded', () => {
    const failures = logsOf(app.service).filter(
      (l) =>
        l.eventName === EVENT.HTTP_CLIENT_FAILURE &&
        (l.traceId === calls.plain!.traceId || l.traceId === calls.own!.traceId),
    );
    expect(failures).toEqual([]);
  });
});

// ---- route names -------------------------------------------------------------------------------

describe.each([
  ['Express 4 (CommonJS, init())', 'express4-app.cjs'],
  ['Express 5 (ESM, --import)', 'express5-app.mjs'],
  ['Fastify 5 (ESM, --import)', 'fastify-app.mjs'],
])('%s route names', (_name, script) => {
  let app: App;
  let traceId = '';

  beforeAll(async () => {
    app = await startApp(script);
    const response = await fetch(`http://127.0.0.1:${app.port}/orders/o-42`);
    expect(await response.json()).toEqual({ id: 'o-42' });
    traceId = traceIdOf(response);
    await receiver.waitFor(
      () => metricsOf(app.service).some((p) => p.name === METRIC.HTTP_SERVER_REQUEST_DURATION),
      `http.server.request.duration from ${script}`,
    );
    await stop(app.child);
  });

  it('names the server span GET /orders/:id and sets http.route', () => {
    const server = spansOf(app.service).filter(
      (s) => s.traceId === traceId && s.kind === SPAN_KIND_SERVER,
    );
    expect(server).toHaveLength(1);
    expect(server[0]!.name).toBe('GET /orders/:id');
    expect(server[0]!.attributes[ATTR.HTTP_ROUTE]).toBe('/orders/:id');
  });

  it('puts the route on the http.request record', () => {
    const records = logsOf(app.service).filter(
      (l) => l.eventName === EVENT.HTTP_REQUEST && l.traceId === traceId,
    );
    expect(records).toHaveLength(1);
    expect(records[0]!.attributes[ATTR.HTTP_ROUTE]).toBe('/orders/:id');
    expect(records[0]!.attributes[ATTR.URL_PATH]).toBe('/orders/o-42');
  });

  it('puts the route on the http.server.request.duration data point', () => {
    const points = metricsOf(app.service).filter(
      (p) => p.name === METRIC.HTTP_SERVER_REQUEST_DURATION,
    );
    expect(points.length).toBeGreaterThan(0);
    expect(points.every((p) => p.attributes[ATTR.HTTP_ROUTE] === '/orders/:id')).toBe(true);
  });
});

// ---- listeners -------------------------------------------------------------------------------

describe('request and response listeners', () => {
  it('run in the request’s context: a body that arrives later, and the response’s close', async () => {
    const app = await startApp('body-app.mjs');
    // Headers first, the body 100 ms later: its `data` and `end` come from a later socket read,
    // outside the handler, as a slow client's or a proxied upload's do.
    const traceId = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: app.port, method: 'POST', path: '/orders' },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers.traceresponse).split('-')[1]!));
        },
      );
      req.on('error', reject);
      req.flushHeaders();
      setTimeout(() => req.end('{"order":"o-44"}'), 100);
    });
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await stop(app.child);
    const bodies = logsOf(app.service).filter((l) => l.body === 'body read');
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.attributes['order.bytes']).toBe(16);
    expect(bodies[0]!.traceId).toBe(traceId);
    const closed = logsOf(app.service).filter((l) => l.body === 'response closed');
    expect(closed.map((l) => l.traceId)).toEqual([traceId]);
  });
});

// ---- switches ----------------------------------------------------------------------------------

describe('switching instrumentations off in init()', () => {
  it('express: false leaves the server span without a route name', async () => {
    const app = await startApp('express4-app.cjs', {
      INSTRUMENTATIONS: JSON.stringify({ express: false }),
    });
    const response = await fetch(`http://127.0.0.1:${app.port}/orders/o-43`);
    expect(response.status).toBe(200);
    const traceId = traceIdOf(response);
    await stop(app.child);
    const server = spansOf(app.service).filter(
      (s) => s.traceId === traceId && s.kind === SPAN_KIND_SERVER,
    );
    expect(server).toHaveLength(1);
    expect(server[0]!.name).toBe('GET');
    expect(server[0]!.attributes[ATTR.HTTP_ROUTE]).toBeUndefined();
    expect(spansOf(app.service).filter((s) => s.scope.includes('express'))).toEqual([]);
  });

  it('undici: false leaves fetch without a client span or a traceparent', async () => {
    const app = await startApp('express4-app.cjs', {
      INSTRUMENTATIONS: JSON.stringify({ undici: false }),
    });
    const query = new URLSearchParams({ to: `${calleeUrl}/untraced` });
    const response = await fetch(`http://127.0.0.1:${app.port}/call?${query}`);
    expect(await response.json()).toEqual({ status: 200 });
    const traceId = traceIdOf(response);
    await stop(app.child);
    expect(arrivalAt('/untraced').traceparents).toEqual([]);
    const spans = spansOf(app.service).filter((s) => s.traceId === traceId);
    expect(spans.map((s) => s.kind)).toEqual([SPAN_KIND_SERVER]);
  });
});

// ---- databases ---------------------------------------------------------------------------------

describe('PostgreSQL and Redis clients', () => {
  // Letters only: a long digit run could be masked by redaction and hide a leak.
  const secret = `tangerine-ledger-${Math.random()
    .toString(36)
    .replace(/[^a-z]/g, '')}`;
  let postgres: Postgres;
  let app: App;
  const traces: Record<string, string> = {};

  beforeAll(async () => {
    const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
    postgres = pg;
    cleanups.push(
      () => pg.stop(),
      () => redis.stop(),
    );
    app = await startApp('db-app.mjs', {
      PG_URL: postgres.url,
      REDIS_URL: redis.url,
      SECRET: secret,
    });
    for (const path of ['/pg', '/ioredis', '/redis']) {
      const response = await fetch(
        `http://127.0.0.1:${app.port}${path}?key=order-${path.slice(1)}`,
      );
      expect(response.status, `${path}: ${await response.clone().text()}`).toBe(200);
      traces[path] = traceIdOf(response);
    }
    await stop(app.child);
  }, 180_000);

  const clientSpans = (path: string) =>
    spansOf(app.service).filter((s) => s.traceId === traces[path] && s.kind === SPAN_KIND_CLIENT);

  const parentIsServer = (span: ReceivedSpan) => {
    const server = spansOf(app.service).find(
      (s) => s.traceId === span.traceId && s.kind === SPAN_KIND_SERVER,
    );
    expect(server).toBeDefined();
    expect(span.parentSpanId).toBe(server!.spanId);
  };

  it('pg: a CLIENT span with the statement text, under the request', () => {
    const spans = clientSpans('/pg').filter((s) => statementOf(s) !== undefined);
    expect(spans).toHaveLength(1);
    expect(statementOf(spans[0]!)).toBe('SELECT $1::text AS secret');
    expect(spans[0]!.attributes['db.system.name'] ?? spans[0]!.attributes['db.system']).toBe(
      'postgresql',
    );
    parentIsServer(spans[0]!);
  });

  it('ioredis: a CLIENT span with the SET command, under the request', () => {
    const spans = clientSpans('/ioredis').filter((s) => /set/i.test(String(statementOf(s))));
    expect(spans).toHaveLength(1);
    expect(String(statementOf(spans[0]!))).toMatch(/^set order-ioredis\b/i);
    parentIsServer(spans[0]!);
  });

  it('redis: a CLIENT span with the SET command, under the request', () => {
    const spans = clientSpans('/redis').filter((s) => /set/i.test(String(statementOf(s))));
    expect(spans).toHaveLength(1);
    expect(String(statementOf(spans[0]!))).toMatch(/^set order-redis\b/i);
    parentIsServer(spans[0]!);
  });

  it('exports neither the query parameter nor the stored value anywhere', () => {
    expect(receiver.requests.length).toBeGreaterThan(0);
    expect(everythingExported()).not.toContain(secret);
  });
});

// ---- runtime -----------------------------------------------------------------------------------

describe('runtime metrics', () => {
  it('exports event-loop and V8 metrics', async () => {
    const app = await startApp('express5-app.mjs');
    const names = () => new Set(metricsOf(app.service).map((p) => p.name));
    await receiver.waitFor(
      () =>
        [...names()].some((n) => n.startsWith('nodejs.eventloop.delay.')) &&
        names().has('nodejs.eventloop.utilization') &&
        [...names()].some((n) => n.startsWith('v8js.')),
      'runtime metrics',
    );
    await stop(app.child);
    expect([...names()].filter((n) => n.startsWith('v8js.')).length).toBeGreaterThan(0);
  });
});
