import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';
import { Prometheus } from '../support/metrics.js';
import { PYTHON_EXAMPLES, PythonService, loopbackAddress, pythonVenv } from '../support/python.js';
import { startRedis } from '@tracelog/test-utils';
import { startService, stopServices } from '../support/services.js';
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

/**
 * The systems our users run, joined in one trace: a page in Chromium with our browser SDK → a
 * Node API with @tracelog/node → global fetch → the FastAPI example (upstream OpenTelemetry
 * Python, examples/python) → a Celery task on Redis → the Celery worker → requests → a Node
 * service; and the Node API → the Django example → a Celery task. Everything exports to our
 * collector build, which stores logs in VictoriaLogs and spans in Jaeger. Then W3C trace context
 * and baggage across Node ↔ Python, our strict propagator against upstream Python's.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/python-flow/', import.meta.url));
const SERVICES = {
  ui: 'trading-ui',
  gateway: 'orders-gateway',
  fastapi: 'orders-fastapi',
  django: 'reports-django',
  worker: 'orders-worker',
  ledger: 'ledger',
} as const;
const run = Date.now().toString(36);
const ORDER = `ord-${run}`;
const FAILING_ORDER = `fail-${run}`;
const REPORT = `rep-${run}`;
/** A secret the FastAPI example logs, in the message and as an attribute; it must never be stored. */
const SECRET = `sk_live_${randomBytes(12).toString('hex')}`;

let logStore: VictoriaLogs;
let traceStore: Jaeger;
let collector: Collector;
let redis: Awaited<ReturnType<typeof startRedis>>;
let prometheus: Prometheus;
let browser: Browser;
const python: PythonService[] = [];
let gatewayUrl = '';
let fastapiUrl = '';

beforeAll(async () => {
  const executablePath = ensureChromium();
  const [gateway, fastapi, django, ledger] = [
    await loopbackAddress(),
    await loopbackAddress(),
    await loopbackAddress(),
    await loopbackAddress(),
  ];
  gatewayUrl = gateway.url;
  fastapiUrl = fastapi.url;
  const sdkBundle = join(workDir('python-flow'), 'sdk.js');
  [redis, logStore, traceStore, prometheus] = await Promise.all([
    startRedis(),
    new VictoriaLogs().start(),
    new Jaeger().start(),
    // No rules: this file reads series, the alert tests read the rules.
    new Prometheus({ rulesDir: workDir('no-rules') }).start(),
    pythonVenv(),
    bundleBrowserSdk(sdkBundle),
  ]);
  collector = await new Collector({
    logs: logStore,
    traces: traceStore,
    env: {
      TRACELOG_CORS_ORIGIN: gateway.url,
      TRACELOG_CORS_ORIGIN_2: gateway.url,
      TRACELOG_PROMETHEUS_OTLP_ENDPOINT: prometheus.url,
      TRACELOG_SPANMETRICS_FLUSH_INTERVAL: '1s',
    },
  }).start();

  const py = (service: string, command: string[], ready: { url: string } | { output: RegExp }) =>
    new PythonService({
      service,
      command,
      ready,
      otlpEndpoint: collector.url,
      env: {
        REDIS_URL: redis.url,
        LEDGER_URL: ledger.url,
        PRICING_URL: ledger.url,
        EXCHANGE_API_KEY: SECRET,
        DJANGO_SETTINGS_MODULE: 'django_orders.settings',
      },
    });
  python.push(
    py(
      SERVICES.worker,
      ['celery', '-A', 'tasks', 'worker', '--loglevel', 'INFO', '--concurrency', '1'],
      { output: /@\S+ ready\./ },
    ),
    py(
      SERVICES.fastapi,
      ['uvicorn', 'api:app', '--host', '127.0.0.1', '--port', String(fastapi.port)],
      { url: fastapi.url },
    ),
    py(
      SERVICES.django,
      [
        'python',
        join(PYTHON_EXAMPLES, 'manage.py'),
        'runserver',
        '--noreload',
        `127.0.0.1:${django.port}`,
      ],
      { url: django.url },
    ),
  );
  const node = (script: string, service: string, port: number, env: Record<string, string> = {}) =>
    startService(fixtures, script, {
      NODE_OPTIONS: '--import @tracelog/node/register',
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      TRACELOG_CONSOLE: 'off',
      TRACELOG_SPOOL_DIR: join(workDir('spool'), 'spool'),
      PORT: String(port),
      ...env,
    }).line;
  await Promise.all([
    ...python.map((service) => service.start()),
    node('ledger.mjs', SERVICES.ledger, ledger.port),
    node('gateway.mjs', SERVICES.gateway, gateway.port, {
      SDK_BUNDLE: sdkBundle,
      COLLECTOR_URL: collector.url,
      FASTAPI_URL: fastapi.url,
      DJANGO_URL: django.url,
    }),
  ]);
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([stopServices(), ...python.map((service) => service.stop())]);
  await collector?.stop();
  await Promise.all([logStore?.stop(), traceStore?.stop(), prometheus?.stop(), redis?.stop()]);
  removeWorkDirs();
});

/** Our browser SDK as one script defining the global `tracelog`, as the page loads it. */
async function bundleBrowserSdk(file: string): Promise<void> {
  const bundle = await build({
    entryPoints: [join(root, 'packages/browser/src/index.ts')],
    bundle: true,
    format: 'iife',
    globalName: 'tracelog',
    target: 'es2020',
    write: false,
    alias: { '@tracelog/core': join(root, 'packages/core/src/index.ts') },
  });
  writeFileSync(file, bundle.outputFiles[0]!.text);
}

/** The trace id of a response from a Node service (its W3C `traceresponse` header). */
const traceIdOf = (traceresponse: string | null | undefined) => traceresponse?.split('-')[1] ?? '';

interface Flow {
  traceId: string;
  spans: JaegerSpan[];
  logs: LogRow[];
}

/** Something a flow must hold, and what to call it when it does not. */
type Expected = [what: string, holds: (flow: Flow) => boolean];

/**
 * Waits until the stores hold a trace's spans and records such that every expectation holds and
 * two reads in a row agree (the last batches have landed), and returns them. On time-out the error
 * names what was still missing.
 */
async function settled(traceId: string, expected: Expected[]): Promise<Flow> {
  let seen = '';
  return waitFor(
    async () => {
      const flow = {
        traceId,
        spans: await traceStore.trace(traceId),
        logs: await logStore.trace(traceId),
      };
      const missing = expected.filter(([, holds]) => !holds(flow)).map(([what]) => what);
      if (missing.length > 0) throw new Error(`still missing: ${missing.join('; ')}`);
      const now = `${flow.spans.length} ${flow.logs.length}`;
      const stable = now === seen;
      seen = now;
      return stable ? flow : undefined;
    },
    120_000,
    `trace ${traceId} in Jaeger and VictoriaLogs`,
  );
}

const matches = (text: string | undefined, wanted: string | RegExp) =>
  typeof wanted === 'string' ? text === wanted : wanted.test(text ?? '');
const spansNamed = (flow: Flow, service: string, name: string | RegExp) =>
  flow.spans.filter((s) => s.service === service && matches(s.name, name));
const recordsSaying = (flow: Flow, service: string, body: string | RegExp) =>
  flow.logs.filter((r) => r['service.name'] === service && matches(r._msg, body));
/** The one span of `service` named `name`. */
const spanOf = (flow: Flow, service: string, name: string | RegExp) => {
  const found = spansNamed(flow, service, name);
  expect(
    found.map((s) => s.name),
    `${service} ${String(name)}`,
  ).toHaveLength(1);
  return found[0]!;
};
/** The one record of `service` whose body is `body`. */
const recordOf = (flow: Flow, service: string, body: string | RegExp) => {
  const found = recordsSaying(flow, service, body);
  expect(
    found.map((r) => r._msg),
    `${service}: ${String(body)}`,
  ).toHaveLength(1);
  return found[0]!;
};
/** A span of `service` named `name` is in the flow. */
const hasSpan = (service: string, name: string | RegExp): Expected => [
  `${service}'s span ${String(name)}`,
  (flow) => spansNamed(flow, service, name).length > 0,
];
/** A record of `service` with body `body` is in the flow. */
const hasRecord = (service: string, body: string | RegExp): Expected => [
  `${service}'s record ${String(body)}`,
  (flow) => recordsSaying(flow, service, body).length > 0,
];

/** True when `descendant` is `ancestor` or lies below it in the trace. */
const below = (flow: Flow, descendant: JaegerSpan, ancestor: JaegerSpan): boolean => {
  const byId = new Map(flow.spans.map((s) => [s.spanId, s]));
  for (let at: JaegerSpan | undefined = descendant; at; at = byId.get(at.parentSpanId ?? ''))
    if (at.spanId === ancestor.spanId) return true;
  return false;
};

const SETTLE = 'run/orders.settle';
const PUBLISH_SETTLE = 'apply_async/orders.settle';

describe('a page → Node → FastAPI → Celery on Redis → the worker → Node, in one trace', () => {
  let flow: Flow;

  beforeAll(async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(gatewayUrl);
    await page.fill('#order-id', ORDER);
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/orders/${ORDER}`)),
      page.click('#place-order'),
    ]);
    expect(response.status(), await response.text()).toBe(200);
    flow = await settled(traceIdOf(response.headers().traceresponse), [
      hasSpan(SERVICES.ui, 'place-order'),
      hasSpan(SERVICES.worker, SETTLE),
      hasSpan(SERVICES.ledger, 'POST /ledger/:orderId'),
      hasRecord(SERVICES.ui, 'order placed'),
      hasRecord(SERVICES.worker, /^Task orders\.settle\[.+\] succeeded in/),
      hasRecord(SERVICES.worker, `order ${ORDER} settled`),
      hasRecord(SERVICES.ledger, 'trade booked'),
    ]);
    await context.close();
  });

  it('gives every span and every record of the flow one trace id, across all five services', async () => {
    expect(flow.traceId).toMatch(/^[\da-f]{32}$/);
    for (const service of Object.values(SERVICES).filter((s) => s !== SERVICES.django)) {
      expect(flow.spans.filter((s) => s.service === service).length, service).toBeGreaterThan(0);
      expect(
        flow.logs.filter((r) => r['service.name'] === service).length,
        service,
      ).toBeGreaterThan(0);
    }
    // Nothing of this order anywhere else: every span of its task, in either Python service,
    // and every record naming the order is in this trace.
    const taskId = spanOf(flow, SERVICES.worker, SETTLE).tags['messaging.message.id'];
    const recent = await Promise.all(
      [SERVICES.fastapi, SERVICES.worker].map((s) => traceStore.traces(s)),
    );
    const taskSpans = [...new Map(recent.flat().map((s) => [s.spanId, s])).values()].filter(
      (s) => s.tags['messaging.message.id'] === taskId,
    );
    expect(taskSpans.map((s) => s.name).sort()).toEqual([PUBLISH_SETTLE, SETTLE]);
    expect(taskSpans.filter((s) => s.traceId !== flow.traceId)).toEqual([]);
    const aboutTheOrder = await logStore.query(`${quote(ORDER)} or order.id:=${quote(ORDER)}`);
    expect(aboutTheOrder.length).toBeGreaterThanOrEqual(8);
    expect(
      aboutTheOrder
        .filter((r) => r.trace_id !== flow.traceId)
        .map((r) => `${r['service.name']}: ${r._msg}`),
    ).toEqual([]);
  });

  it('links each span to its parent across every boundary, from one root in the page', () => {
    const ids = new Set(flow.spans.map((s) => s.spanId));
    expect(
      flow.spans
        .filter((s) => s.parentSpanId !== undefined && !ids.has(s.parentSpanId))
        .map((s) => `${s.service} ${s.name} → ${s.parentSpanId}`),
    ).toEqual([]);
    expect(flow.spans.filter((s) => s.parentSpanId === undefined).map((s) => s.service)).toEqual([
      SERVICES.ui,
    ]);

    // browser → Node
    const pageFetch = flow.spans.find((s) => s.service === SERVICES.ui && s.kind === 'client')!;
    const gatewayServer = spanOf(flow, SERVICES.gateway, 'POST /orders/:id');
    expect(gatewayServer.parentSpanId).toBe(pageFetch.spanId);
    expect(below(flow, pageFetch, spanOf(flow, SERVICES.ui, 'place-order'))).toBe(true);
    // Node → FastAPI
    const gatewayFetch = flow.spans.find(
      (s) => s.service === SERVICES.gateway && s.kind === 'client',
    )!;
    expect(gatewayFetch.parentSpanId).toBe(gatewayServer.spanId);
    const fastapiServer = spanOf(flow, SERVICES.fastapi, 'POST /orders/{order_id}');
    expect(fastapiServer).toMatchObject({
      kind: 'server',
      parentSpanId: gatewayFetch.spanId,
      tags: { 'http.route': '/orders/{order_id}', 'http.request.method': 'POST' },
    });
    // FastAPI → Celery publish → Celery run
    const publish = spanOf(flow, SERVICES.fastapi, PUBLISH_SETTLE);
    expect(publish.kind).toBe('producer');
    expect(below(flow, publish, fastapiServer)).toBe(true);
    const settle = spanOf(flow, SERVICES.worker, SETTLE);
    expect(settle).toMatchObject({ kind: 'consumer', parentSpanId: publish.spanId });
    expect(settle.tags['messaging.message.id']).toBe(publish.tags['messaging.message.id']);
    // worker → Node
    const workerCall = flow.spans.find(
      (s) => s.service === SERVICES.worker && s.kind === 'client' && s.name === 'POST',
    )!;
    expect(workerCall.parentSpanId).toBe(settle.spanId);
    expect(spanOf(flow, SERVICES.ledger, 'POST /ledger/:orderId').parentSpanId).toBe(
      workerCall.spanId,
    );
  });

  it('exports the Python records with the trace and span ids of the span they were logged in', () => {
    const fastapiServer = spanOf(flow, SERVICES.fastapi, 'POST /orders/{order_id}');
    const settle = spanOf(flow, SERVICES.worker, SETTLE);
    const taskId = String(settle.tags['messaging.message.id']);
    const expectations: Array<[string, string | RegExp, JaegerSpan, Record<string, string>]> = [
      // FastAPI's own record, through standard logging
      [
        SERVICES.fastapi,
        new RegExp(`^order ${ORDER} received`),
        fastapiServer,
        { 'scope.name': 'orders.api' },
      ],
      // Loguru, routed into standard logging
      [
        SERVICES.fastapi,
        'settlement queued',
        fastapiServer,
        { 'scope.name': 'api', 'task.id': taskId },
      ],
      // the task's records: standard logging, Celery's task logger, Loguru
      [SERVICES.worker, `settling order ${ORDER}`, settle, { 'scope.name': 'orders.settlement' }],
      [SERVICES.worker, 'ledger answered 200', settle, { 'scope.name': 'tasks' }],
      [
        SERVICES.worker,
        `order ${ORDER} settled`,
        settle,
        { 'scope.name': 'tasks', 'order.id': ORDER },
      ],
      // the worker's own record (Celery hijacks logging unless told not to)
      [
        SERVICES.worker,
        new RegExp(`^Task orders\\.settle\\[${taskId}\\] succeeded in [\\d.]+s: `),
        settle,
        { 'scope.name': 'celery.app.trace', severity_text: 'INFO' },
      ],
    ];
    for (const [service, body, span, fields] of expectations) {
      const record = recordOf(flow, service, body);
      expect(record, `${service}: ${String(body)}`).toMatchObject({
        trace_id: flow.traceId,
        span_id: span.spanId,
        ...fields,
      });
    }
  });

  it('masks a secret the FastAPI service logs, in the message and in the attribute', async () => {
    const record = recordOf(flow, SERVICES.fastapi, new RegExp(`^order ${ORDER} received`));
    // The collector's redaction processor masks the secret-shaped `api_key=…` in the body too.
    expect(record._msg).toBe(`order ${ORDER} received, calling the exchange with ****`);
    expect(record.api_key).toBe('****');
    const everything = await logStore.query('*');
    expect(everything.filter((r) => JSON.stringify(r).includes(SECRET))).toEqual([]);
  });
});

describe('a failing Celery task and a failing FastAPI route', () => {
  it('records the task’s failure: an ERROR run span with the exception, and the worker’s ERROR record with the task id', async () => {
    const response = await fetch(`${gatewayUrl}/orders/${FAILING_ORDER}`, { method: 'POST' });
    expect(response.status).toBe(200);
    const flow = await settled(traceIdOf(response.headers.get('traceresponse')), [
      hasSpan(SERVICES.worker, SETTLE),
      hasRecord(SERVICES.worker, /^Task orders\.settle\[.+\] raised unexpected/),
    ]);
    const settle = spanOf(flow, SERVICES.worker, SETTLE);
    expect(settle.status).toBe('ERROR');
    const failure = recordOf(flow, SERVICES.worker, /^Task orders\.settle\[.+\] raised unexpected/);
    expect(failure).toMatchObject({
      trace_id: flow.traceId,
      span_id: settle.spanId,
      severity_text: 'ERROR',
      'scope.name': 'celery.app.trace',
      'exception.type': 'RuntimeError',
      'exception.message': `settlement refused for ${FAILING_ORDER}`,
      'data.id': String(settle.tags['messaging.message.id']),
      'data.name': 'orders.settle',
    });
    expect(failure['exception.stacktrace']).toContain('settle_order');
  });

  it('answers a FastAPI fault with 500 on an ERROR server span named by its route', async () => {
    const response = await fetch(`${fastapiUrl}/fail`);
    expect(response.status).toBe(500);
    const spans = await waitFor(
      async () => {
        const found = (await traceStore.traces(SERVICES.fastapi)).filter(
          (s) => s.name === 'GET /fail' && s.kind === 'server',
        );
        return found.length > 0 ? found : undefined;
      },
      120_000,
      'the failed request’s span',
    );
    expect(spans[0]).toMatchObject({
      status: 'ERROR',
      tags: { 'http.route': '/fail', 'http.response.status_code': 500, 'error.type': '500' },
    });
  });
});

describe('Node → Django → Celery on Redis → the worker, in one trace', () => {
  it('links the Django view’s span, the publish and the task run, and their records', async () => {
    const response = await fetch(`${gatewayUrl}/reports/${REPORT}`, { method: 'POST' });
    expect(response.status).toBe(202);
    const flow = await settled(traceIdOf(response.headers.get('traceresponse')), [
      hasSpan(SERVICES.worker, 'run/reports.build'),
      hasRecord(SERVICES.worker, `report ${REPORT} built`),
      hasRecord(SERVICES.worker, /^Task reports\.build\[.+\] succeeded in/),
    ]);
    const gatewayFetch = flow.spans.find(
      (s) => s.service === SERVICES.gateway && s.kind === 'client',
    )!;
    const view = flow.spans.find((s) => s.service === SERVICES.django && s.kind === 'server')!;
    expect(view).toMatchObject({
      parentSpanId: gatewayFetch.spanId,
      tags: { 'http.route': 'reports/<str:report_id>', 'http.request.method': 'POST' },
    });
    const publish = spanOf(flow, SERVICES.django, 'apply_async/reports.build');
    expect(below(flow, publish, view)).toBe(true);
    const build = spanOf(flow, SERVICES.worker, 'run/reports.build');
    expect(build).toMatchObject({ kind: 'consumer', parentSpanId: publish.spanId });
    expect(recordOf(flow, SERVICES.django, `report ${REPORT} queued`)).toMatchObject({
      span_id: view.spanId,
      'scope.name': 'reports.views',
      'task.id': String(build.tags['messaging.message.id']),
    });
    for (const body of [`building report ${REPORT}`, `report ${REPORT} built`])
      expect(recordOf(flow, SERVICES.worker, body).span_id).toBe(build.spanId);
  });
});

describe('the Python services in Prometheus, through the collector’s span metrics', () => {
  it('counts each route, each publish and each task run, by the labels the dashboards read', async () => {
    const server = 'span_kind="SPAN_KIND_SERVER"';
    // What the flows above did: two orders (one of them fails in its task), one fault, one report.
    const expected: Array<[string, number]> = [
      [
        `service_name="${SERVICES.fastapi}", ${server}, span_name="POST /orders/{order_id}", http_route="/orders/{order_id}", http_request_method="POST", http_response_status_code="200"`,
        2,
      ],
      [
        `service_name="${SERVICES.fastapi}", ${server}, http_route="/fail", http_response_status_code="500", status_code="STATUS_CODE_ERROR"`,
        1,
      ],
      [
        `service_name="${SERVICES.django}", ${server}, http_route="reports/<str:report_id>", http_request_method="POST", http_response_status_code="202"`,
        1,
      ],
      [
        `service_name="${SERVICES.fastapi}", span_kind="SPAN_KIND_PRODUCER", span_name="${PUBLISH_SETTLE}"`,
        2,
      ],
      [
        `service_name="${SERVICES.django}", span_kind="SPAN_KIND_PRODUCER", span_name="apply_async/reports.build"`,
        1,
      ],
      [
        `service_name="${SERVICES.worker}", span_kind="SPAN_KIND_CONSUMER", span_name="${SETTLE}", status_code="STATUS_CODE_UNSET"`,
        1,
      ],
      [
        `service_name="${SERVICES.worker}", span_kind="SPAN_KIND_CONSUMER", span_name="${SETTLE}", status_code="STATUS_CODE_ERROR"`,
        1,
      ],
      [
        `service_name="${SERVICES.worker}", span_kind="SPAN_KIND_CONSUMER", span_name="run/reports.build", status_code="STATUS_CODE_UNSET"`,
        1,
      ],
    ];
    const calls = async (selector: string) => {
      const [sample] = await prometheus.query(`sum(traces_span_metrics_calls_total{${selector}})`);
      return Number(sample?.value[1] ?? 0);
    };
    await waitFor(
      async () => {
        const counted = await Promise.all(expected.map(([selector]) => calls(selector)));
        const wrong = expected
          .map(([selector, count], i) => ({ selector, count, counted: counted[i] }))
          .filter(({ count, counted }) => count !== counted);
        if (wrong.length > 0) throw new Error(JSON.stringify(wrong));
        return true;
      },
      120_000,
      'the span-metric counts',
    );
  });
});

/** What one hop received in its headers and holds in its context (see trace-context.mjs, api.py). */
interface Hop {
  received: { traceparent?: string; tracestate?: string; baggage?: string };
  context: {
    trace_id: string;
    span_id: string;
    trace_flags: string;
    tracestate: string;
    baggage: Record<string, string>;
    /** Node only: a baggage entry's properties, which Node keeps apart from its value. */
    baggage_metadata?: Record<string, string>;
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const traceparent = (traceId: string, flags = '01') => `00-${traceId}-${hex(8)}-${flags}`;
const parentOf = (hop: Hop) => hop.received.traceparent?.split('-')[2];

/** test → Node (our propagator) → FastAPI (upstream Python's) → Node: what each hop saw. */
async function throughNode(headers: Record<string, string>) {
  const response = await fetch(`${gatewayUrl}/quotes/ACME`, { headers });
  expect(response.status).toBe(200);
  const gateway = (await response.json()) as Hop & { fastapi: Hop & { pricing: Hop } };
  return { node: gateway, python: gateway.fastapi, backToNode: gateway.fastapi.pricing };
}

/** test → FastAPI → Node: what each hop saw. */
async function throughPython(headers: Record<string, string>) {
  const response = await fetch(`${fastapiUrl}/quotes/ACME`, { headers });
  expect(response.status).toBe(200);
  const fastapi = (await response.json()) as Hop & { pricing: Hop };
  return { python: fastapi, node: fastapi.pricing };
}

describe('W3C trace context and baggage between Node (our propagator) and Python (upstream)', () => {
  it('keeps traceparent, tracestate and baggage from Node to Python and from Python to Node', async () => {
    const traceId = hex(16);
    const tracestate = 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7';
    const { node, python, backToNode } = await throughNode({
      traceparent: traceparent(traceId),
      tracestate,
      baggage: 'user.id=trader-7,city=M%C3%BCnchen,note=a%2Bb',
    });
    const baggage = { 'user.id': 'trader-7', city: 'München', note: 'a+b' };
    for (const [name, hop] of Object.entries({ node, python, backToNode })) {
      expect(hop.context, name).toMatchObject({ trace_id: traceId, tracestate, baggage });
      expect(hop.received.tracestate, name).toBe(tracestate);
    }
    // Each hop's parent is the client span of the hop before it, in Jaeger.
    const spans = await waitFor(
      async () => {
        const found = await traceStore.trace(traceId);
        const ids = new Set(found.map((s) => s.spanId));
        return [parentOf(python), parentOf(backToNode)].every((id) => ids.has(id!))
          ? found
          : undefined;
      },
      120_000,
      'the quote’s spans',
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    expect(byId.get(parentOf(python)!)).toMatchObject({
      service: SERVICES.gateway,
      kind: 'client',
    });
    expect(byId.get(parentOf(backToNode)!)).toMatchObject({
      service: SERVICES.fastapi,
      kind: 'client',
      name: 'GET',
    });
    expect(byId.get(python.context.span_id)?.parentSpanId).toBe(parentOf(python));
    expect(byId.get(backToNode.context.span_id)?.parentSpanId).toBe(parentOf(backToNode));
  });

  it('a space in a baggage value: Python sends it as "+", which Node reads as a plus sign', async () => {
    const { node, python, backToNode } = await throughNode({
      traceparent: traceparent(hex(16)),
      baggage: 'desk=fx%20options',
    });
    expect(node.context.baggage.desk).toBe('fx options');
    expect(python.received.baggage).toBe('desk=fx%20options');
    expect(python.context.baggage.desk).toBe('fx options');
    // Python encodes with urllib's quote_plus; the W3C format and Node's decoder know only %20.
    expect(backToNode.received.baggage).toBe('desk=fx+options');
    expect(backToNode.context.baggage.desk).toBe('fx+options');
  });

  it('baggage properties: Node keeps them apart from the value, Python folds them into it', async () => {
    const { node, python, backToNode } = await throughNode({
      traceparent: traceparent(hex(16)),
      baggage: 'session=s-1;ttl=60',
    });
    expect(node.context.baggage.session).toBe('s-1');
    expect(node.context.baggage_metadata).toEqual({ session: 'ttl=60' });
    expect(python.received.baggage).toBe('session=s-1;ttl=60');
    expect(python.context.baggage.session).toBe('s-1;ttl=60');
    expect(backToNode.received.baggage).toBe('session=s-1%3Bttl%3D60');
    expect(backToNode.context.baggage).toEqual({ session: 's-1;ttl=60' });
    expect(backToNode.context.baggage_metadata).toEqual({});
  });

  it('a tracestate key only Level 2 allows (leading digit): Node passes the list on, Python drops all of it', async () => {
    const tracestate = '1vendor=a,rojo=00f067aa0ba902b7';
    const { node, python, backToNode } = await throughNode({
      traceparent: traceparent(hex(16)),
      tracestate,
    });
    expect(node.context.tracestate).toBe(tracestate);
    expect(python.received.tracestate).toBe(tracestate);
    expect(python.context.tracestate).toBe('');
    expect(backToNode.received.tracestate).toBeUndefined();
  });

  it('a repeated tracestate key: Node keeps the first, Python drops the whole list', async () => {
    const tracestate = 'rojo=1,congo=2,rojo=3';
    const viaNode = await throughNode({ traceparent: traceparent(hex(16)), tracestate });
    expect(viaNode.node.context.tracestate).toBe('rojo=1,congo=2');
    expect(viaNode.python.context.tracestate).toBe('rojo=1,congo=2');
    const viaPython = await throughPython({ traceparent: traceparent(hex(16)), tracestate });
    expect(viaPython.python.context.tracestate).toBe('');
    expect(viaPython.node.received.tracestate).toBeUndefined();
  });

  it('a tracestate over 512 characters: Python passes it on whole, Node keeps the entries that fit', async () => {
    const entries = Array.from({ length: 5 }, (_, i) => `k${i}=${'v'.repeat(120)}`);
    const tracestate = entries.join(',');
    expect(tracestate.length).toBeGreaterThan(512);
    const { python, node } = await throughPython({
      traceparent: traceparent(hex(16)),
      tracestate,
    });
    expect(python.context.tracestate).toBe(tracestate);
    expect(node.received.tracestate).toBe(tracestate);
    expect(node.context.tracestate).toBe(entries.slice(0, 4).join(','));
  });

  it('baggage over 8192 bytes: Node keeps the entries that fit, Python drops all of it', async () => {
    const baggage = ['a', 'b', 'c'].map((key) => `${key}=${'x'.repeat(3000)}`).join(',');
    const viaPython = await throughPython({ traceparent: traceparent(hex(16)), baggage });
    expect(viaPython.python.context.baggage).toEqual({});
    expect(viaPython.node.received.baggage).toBeUndefined();
    const viaNode = await throughNode({ traceparent: traceparent(hex(16)), baggage });
    expect(Object.keys(viaNode.node.context.baggage)).toEqual(['a', 'b']);
    expect(Object.keys(viaNode.python.context.baggage)).toEqual(['a', 'b']);
  });

  it('trace flags: the random-trace-id flag (02) crosses both ways with sampled (01)', async () => {
    const { node, python, backToNode } = await throughNode({
      traceparent: traceparent(hex(16), '03'),
    });
    expect([node, python, backToNode].map((hop) => hop.received.traceparent?.slice(-2))).toEqual([
      '03',
      '03',
      '03',
    ]);
    expect([node, python, backToNode].map((hop) => hop.context.trace_flags)).toEqual([
      '03',
      '03',
      '03',
    ]);
  });
});
