import { randomBytes } from 'node:crypto';

/**
 * Realistic telemetry shaped exactly as tracelog's SDKs send it (event names, attributes,
 * resources from @tracelog/core's schema), as OTLP/JSON requests for the collector: an API with
 * routes, errors, failed outbound calls and tasks; a worker with jobs, retries, failures and stats; a browser app with
 * errors, sessions, Web Vitals and failed API calls. One request's trace id runs through all
 * three, for the correlation explorer.
 */

type Value = string | number | boolean;
interface Record_ {
  event?: string;
  severity: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  body: string;
  scope: string;
  traceId?: string;
  attributes: Record<string, Value>;
}
interface Span_ {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  status?: number;
  attributes: Record<string, Value>;
}

const SEVERITY = { DEBUG: 5, INFO: 9, WARN: 13, ERROR: 17 } as const;
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function attr(key: string, value: Value) {
  if (typeof value === 'boolean') return { key, value: { boolValue: value } };
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { key, value: { intValue: String(value) } }
      : { key, value: { doubleValue: value } };
  }
  return { key, value: { stringValue: value } };
}

function resource(service: string, extra: Record<string, Value> = {}) {
  return {
    attributes: Object.entries({
      'service.name': service,
      'service.version': '1.4.2',
      'deployment.environment.name': 'test',
      'service.instance.id': `${service}-1`,
      'telemetry.distro.name': 'tracelog',
      ...extra,
    }).map(([k, v]) => attr(k, v)),
  };
}

function logsRequest(service: string, records: Record_[], extra: Record<string, Value> = {}) {
  const now = BigInt(Date.now() - 60_000) * 1_000_000n;
  const scopes = new Map<string, Record_[]>();
  for (const r of records) scopes.set(r.scope, [...(scopes.get(r.scope) ?? []), r]);
  let i = 0n;
  return {
    resourceLogs: [
      {
        resource: resource(service, extra),
        scopeLogs: [...scopes].map(([name, list]) => ({
          scope: { name },
          logRecords: list.map((r) => ({
            timeUnixNano: String(now + 1_000_000n * i++),
            severityNumber: SEVERITY[r.severity],
            severityText: r.severity,
            ...(r.event && { eventName: r.event }),
            body: { stringValue: r.body },
            ...(r.traceId && { traceId: r.traceId, spanId: hex(8) }),
            attributes: Object.entries(r.attributes).map(([k, v]) => attr(k, v)),
          })),
        })),
      },
    ],
  };
}

function tracesRequest(service: string, spans: Span_[], extra: Record<string, Value> = {}) {
  const start = BigInt(Date.now() - 60_000) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: resource(service, extra),
        scopeSpans: [
          {
            scope: { name: '@tracelog/node' },
            spans: spans.map((s, i) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId && { parentSpanId: s.parentSpanId }),
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: String(start + BigInt(i) * 1_000_000n),
              endTimeUnixNano: String(start + BigInt(i) * 1_000_000n + 25_000_000n),
              status: { code: s.status ?? 0 },
              attributes: Object.entries(s.attributes).map(([k, v]) => attr(k, v)),
            })),
          },
        ],
      },
    ],
  };
}

export interface SeededTraffic {
  /** The trace id shared by the browser, the API and the worker. */
  correlationId: string;
  requests: Array<{ path: string; body: unknown }>;
}

export function seedTraffic(): SeededTraffic {
  const correlationId = hex(16);
  const apiServerSpan = hex(8);
  const browserSpan = hex(8);
  const api: Record_[] = [];
  const apiSpans: Span_[] = [];
  const routes = ['/orders', '/orders/:id', '/quotes'];
  for (let i = 0; i < 60; i++) {
    const route = routes[i % routes.length]!;
    const status = i % 10 === 0 ? 503 : i % 7 === 0 ? 422 : 200;
    const traceId = i === 0 ? correlationId : hex(16);
    api.push({
      event: 'http.request',
      severity: status >= 500 ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO',
      body: `GET ${route} ${status}`,
      scope: 'http',
      traceId,
      attributes: {
        'http.request.method': i % 2 ? 'GET' : 'POST',
        'http.route': route,
        'url.path': route.replace(':id', String(i)),
        'http.response.status_code': status,
        'http.duration_ms': 5 + (i % 13) * 7.5,
        'client.address': '127.0.0.1',
        'user.id': `trader-${i % 4}`,
      },
    });
    if (status >= 500) {
      api.push({
        severity: 'ERROR',
        body: 'price feed unavailable',
        scope: 'orders.api',
        traceId,
        attributes: {
          'exception.type': 'Error',
          'exception.message': 'quote service timeout',
          'user.id': `trader-${i % 4}`,
        },
      });
      // The quote service it called: refused (a network error) or answered 502.
      const refused = i % 20 === 0;
      const url = `http://quotes.internal:8080/v2/quotes/${i}`;
      api.push({
        event: 'http.client.failure',
        severity: 'ERROR',
        body: `GET ${url} failed: ${refused ? 'ECONNREFUSED' : '502'}`,
        scope: 'http.client',
        traceId,
        attributes: {
          'http.request.method': 'GET',
          'url.full': url,
          'server.address': 'quotes.internal',
          'http.duration_ms': refused ? 1.5 : 212.25,
          ...(refused
            ? { 'error.type': 'ECONNREFUSED' }
            : { 'http.response.status_code': 502, 'error.type': '502' }),
        },
      });
    }
  }
  api.push({
    severity: 'INFO',
    body: 'order accepted',
    scope: 'orders.api',
    traceId: correlationId,
    attributes: { 'user.id': 'trader-0', 'order.id': 'o-1' },
  });
  api.push({
    severity: 'DEBUG',
    body: 'validating order',
    scope: 'orders.api.validation',
    traceId: correlationId,
    attributes: { 'order.id': 'o-1' },
  });
  for (let i = 0; i < 12; i++) {
    const failed = i % 4 === 0;
    api.push({
      event: failed ? 'task.failure' : 'task.success',
      severity: failed ? 'ERROR' : 'INFO',
      body: failed ? 'settle-order failed: broker rejected' : 'settle-order succeeded',
      scope: 'task',
      traceId: i === 0 ? correlationId : hex(16),
      attributes: {
        'task.name': i % 2 ? 'settle-order' : 'refresh-quotes',
        'task.category': i % 2 ? 'position' : 'data',
        'task.outcome': failed ? 'failure' : 'success',
        'task.duration_ms': 40 + i * 3.5,
      },
    });
  }
  apiSpans.push({
    name: 'POST',
    kind: 2,
    traceId: correlationId,
    spanId: apiServerSpan,
    parentSpanId: browserSpan,
    attributes: { 'http.route': '/orders', 'http.response.status_code': 201 },
  });
  apiSpans.push({
    name: 'task settle-order',
    kind: 1,
    traceId: correlationId,
    spanId: hex(8),
    parentSpanId: apiServerSpan,
    attributes: { 'task.name': 'settle-order' },
  });

  const worker: Record_[] = [];
  const queues = ['settlement', 'market-data'];
  for (let i = 0; i < 30; i++) {
    const queue = queues[i % 2]!;
    const conversation = i === 0 ? correlationId : hex(16);
    const common = {
      'messaging.system': 'bullmq',
      'messaging.destination.name': queue,
      'messaging.message.id': String(i),
      'job.name': 'settle',
      'messaging.message.conversation_id': conversation,
    };
    worker.push({
      event: 'job.started',
      severity: 'INFO',
      body: `job ${i} started`,
      scope: 'bullmq',
      traceId: conversation,
      attributes: { ...common, 'job.attempt': 1, 'job.wait_ms': 3 + i * 1.5 },
    });
    if (i % 5 === 0) {
      worker.push({
        event: 'job.retrying',
        severity: 'WARN',
        body: `job ${i} will retry`,
        scope: 'bullmq',
        traceId: conversation,
        attributes: { ...common, 'job.attempt': 1, 'exception.message': 'broker busy' },
      });
    }
    if (i % 6 === 0) {
      worker.push({
        event: 'job.failed',
        severity: 'ERROR',
        body: `job ${i} failed`,
        scope: 'bullmq',
        traceId: conversation,
        attributes: {
          ...common,
          'job.attempt': 3,
          'job.duration_ms': 120.5,
          'exception.message': 'broker rejected',
        },
      });
    } else {
      worker.push({
        event: 'job.succeeded',
        severity: 'INFO',
        body: `job ${i} succeeded`,
        scope: 'bullmq',
        traceId: conversation,
        attributes: { ...common, 'job.attempt': 1, 'job.duration_ms': 20 + i * 2.25 },
      });
    }
  }
  worker.push({
    event: 'worker.stats',
    severity: 'INFO',
    body: 'worker stats',
    scope: 'bullmq',
    attributes: {
      'messaging.destination.name': 'settlement',
      'worker.processed': 30,
      'worker.succeeded': 25,
      'worker.failed': 5,
      'worker.duration_p50_ms': 40,
      'worker.duration_p95_ms': 90,
      'worker.duration_p99_ms': 110,
    },
  });

  const frontend = { 'tracelog.source': 'frontend', 'telemetry.sdk.language': 'webjs' };
  const web: Record_[] = [];
  const webSpans: Span_[] = [];
  for (let i = 0; i < 8; i++) {
    web.push({
      event: 'session.start',
      severity: 'INFO',
      body: 'session started',
      scope: 'session',
      attributes: { 'session.id': hex(8), 'app.version': '2.3.0' },
    });
    web.push({
      event: 'exception',
      severity: 'ERROR',
      body: 'TypeError: cannot read properties of undefined',
      scope: 'errors',
      traceId: i === 0 ? correlationId : undefined,
      attributes: {
        'exception.type': 'TypeError',
        'exception.message':
          i % 2 ? "cannot read properties of undefined (reading 'price')" : 'quote is null',
        'browser.page.url': i % 2 ? '/trade' : '/portfolio',
        'session.id': hex(8),
      },
    });
    for (const [name, value] of [
      ['LCP', 1800 + i * 100],
      ['INP', 120 + i * 10],
      ['CLS', 0.05 + i * 0.01],
      ['TTFB', 300 + i * 20],
    ] as const) {
      web.push({
        event: 'browser.web_vital',
        severity: 'INFO',
        body: `${name} ${value}`,
        scope: 'web-vitals',
        attributes: {
          'web_vital.name': name,
          'web_vital.value': value + 0.5,
          'web_vital.rating': 'good',
        },
      });
    }
    webSpans.push({
      name: 'POST',
      kind: 3,
      traceId: i === 0 ? correlationId : hex(16),
      spanId: i === 0 ? browserSpan : hex(8),
      status: i % 3 ? 0 : 2,
      attributes: {
        'http.request.method': 'POST',
        'url.full': `https://trading.example.com${i % 2 ? '/api/orders' : '/api/quotes'}`,
        'server.address': 'trading.example.com',
        'http.response.status_code': i % 3 ? 200 : 502,
      },
    });
  }

  return {
    correlationId,
    requests: [
      { path: '/v1/logs', body: logsRequest('orders-api', api) },
      { path: '/v1/traces', body: tracesRequest('orders-api', apiSpans) },
      { path: '/v1/logs', body: logsRequest('settlement-worker', worker) },
      { path: '/v1/logs', body: logsRequest('trading-web', web, frontend) },
      { path: '/v1/traces', body: tracesRequest('trading-web', webSpans, frontend) },
    ],
  };
}
