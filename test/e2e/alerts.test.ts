import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROM_ALERTS } from '../../dashboards/src/prometheus-alerts.ts';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.ts';
import { alertingEnv, startAlerting } from '../support/metrics.ts';
import type { Alertmanager, Prometheus, WebhookReceiver } from '../support/metrics.ts';
import { startRedis } from '@tracelog/test-utils';
import { startService, stopService, stopServices } from '../support/services.ts';
import { Collector, Jaeger, VictoriaLogs, freePort, removeWorkDirs } from '../support/stack.ts';

/**
 * Every Prometheus alert rule, fired for real: services on @tracelog/node, BullMQ workers on a
 * real Redis and a page on @tracelog/browser in Chromium send telemetry through our collector
 * build to Prometheus, which evaluates the rules generated from the committed source (short
 * windows and `for`, same expressions and thresholds) and hands alerts to Alertmanager, which
 * notifies a webhook, grouped by service. Normal traffic first (nothing may fire), then one
 * fault per rule, each on its own service so every notification is attributable.
 */

const fixtures = new URL('./fixtures/', import.meta.url).pathname;

const S = {
  normal: 'steady-api',
  normalWorker: 'steady-worker',
  normalWeb: 'steady-web',
  errors: 'failing-api',
  slow: 'slow-api',
  gateway: 'gateway-api',
  jobsWorker: 'settlement-worker',
  backlogWorker: 'backlog-worker',
  web: 'broken-web',
  doomed: 'doomed-api',
  lonely: 'lonely-api',
  brokenCollector: 'broken-collector',
} as const;

let logStore: VictoriaLogs;
let traceStore: Jaeger;
let prometheus: Prometheus;
let alertmanager: Alertmanager;
let webhook: WebhookReceiver;
let collector: Collector;
let brokenCollector: Collector;
let redis: Awaited<ReturnType<typeof startRedis>>;
let browser: Browser | undefined;
let upstream: Server;
let upstreamPort = 0;
/** Ports of the two page hosts, known before the collector starts: its CORS allows their origins. */
const pagePorts = { steady: 0, broken: 0 };

function service(
  script: string,
  name: string,
  env: Record<string, string> = {},
  via: Collector = collector,
) {
  return startService(
    fixtures,
    script,
    alertingEnv(
      name,
      via,
      { redisPort: redis.port, upstreamUrl: `http://127.0.0.1:${upstreamPort}/quote` },
      env,
    ),
  );
}
async function api(
  script: string,
  name: string,
  env: Record<string, string> = {},
  via?: Collector,
) {
  const started = service(script, name, env, via);
  return { child: started.child, url: `http://127.0.0.1:${await started.line}` };
}
async function hit(url: string, times: number, parallel = 5): Promise<void> {
  for (let i = 0; i < times; i += parallel)
    await Promise.all(
      Array.from({ length: Math.min(parallel, times - i) }, () =>
        fetch(url).then((r) => r.arrayBuffer()),
      ),
    );
}

const collectorEnv = (extra: Record<string, string> = {}) => ({
  TRACELOG_PROMETHEUS_OTLP_ENDPOINT: prometheus.url,
  TRACELOG_SPANMETRICS_FLUSH_INTERVAL: '1s',
  TRACELOG_COLLECTOR_METRICS_INTERVAL_MS: '1000',
  ...extra,
});

beforeAll(async () => {
  ({ webhook, alertmanager, prometheus } = await startAlerting());
  [logStore, traceStore, redis] = await Promise.all([
    new VictoriaLogs().start(),
    new Jaeger().start(),
    startRedis(),
  ]);
  pagePorts.steady = await freePort();
  pagePorts.broken = await freePort();
  collector = await new Collector({
    logs: logStore,
    traces: traceStore,
    env: collectorEnv({
      TRACELOG_CORS_ORIGIN: `http://127.0.0.1:${pagePorts.steady}`,
      TRACELOG_CORS_ORIGIN_2: `http://127.0.0.1:${pagePorts.broken}`,
    }),
  }).start();
  // A second collector whose stores are gone (nothing listens on port 9) and whose queues hold
  // five requests each: they fill, then it refuses records and spans.
  const gone = 'http://127.0.0.1:9';
  brokenCollector = await new Collector({
    logs: { url: gone } as VictoriaLogs,
    traces: { otlpUrl: gone } as Jaeger,
    env: collectorEnv({
      TRACELOG_COLLECTOR_SERVICE_NAME: S.brokenCollector,
      TRACELOG_VICTORIALOGS_QUEUE_SIZE: '5',
      TRACELOG_JAEGER_QUEUE_SIZE: '5',
    }),
  }).start();
  // The API the gateway calls: healthy until the test breaks it.
  let upstreamStatus = 200;
  upstream = createServer((_req, res) => res.writeHead(upstreamStatus).end('{}'));
  upstreamPort = await freePort();
  await new Promise<void>((resolve) => upstream.listen(upstreamPort, '127.0.0.1', resolve));
  breakUpstream = () => {
    upstreamStatus = 503;
  };
  browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
});
let breakUpstream = () => {};

afterAll(async () => {
  await browser?.close();
  await stopServices();
  await Promise.all([collector?.stop(), brokenCollector?.stop()]);
  await Promise.all([
    prometheus?.stop(),
    alertmanager?.stop(),
    logStore?.stop(),
    traceStore?.stop(),
    redis?.stop(),
  ]);
  await webhook?.stop();
  await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
  removeWorkDirs();
});

describe('alerts fire for real', () => {
  let doomed: Awaited<ReturnType<typeof api>>;

  it('normal traffic from every kind of service fires nothing', async () => {
    const steady = await api('alerting-service.mjs', S.normal, { QUEUE: 'steady' });
    await service('alerting-worker.mjs', S.normalWorker, { QUEUE: 'steady' }).line;
    doomed = await api('alerting-service.mjs', S.doomed);
    const page = await browser!.newPage();
    const web = await api('alerting-service.mjs', 'steady-web-host', {
      PAGE_SERVICE: S.normalWeb,
      PORT: String(pagePorts.steady),
    });
    await page.goto(web.url);

    // Longer than every rule window, with every kind of traffic flowing.
    const until = Date.now() + 45_000;
    while (Date.now() < until) {
      await hit(`${steady.url}/ok`, 10);
      await hit(`${steady.url}/upstream`, 2);
      await fetch(`${steady.url}/jobs?count=3`, { method: 'POST' });
      await hit(`${doomed.url}/ok`, 1);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await page.close();

    // The metrics every rule reads are there, so silence means "below threshold", not "no data".
    const seen = async (expr: string) => (await prometheus.query(expr)).length > 0;
    expect(await seen(`traces_span_metrics_calls_total{service_name="${S.normal}"}`)).toBe(true);
    expect(await seen(`tracelog_log_records_total{service_name="${S.normal}"}`)).toBe(true);
    expect(await seen(`tracelog_log_records_total{service_name="${S.normalWeb}"}`)).toBe(true);
    expect(
      await seen(`messaging_process_duration_seconds_count{service_name="${S.normalWorker}"}`),
    ).toBe(true);
    expect(await seen('otelcol_exporter_queue_size{service_name="tracelog-collector"}')).toBe(true);
    expect(await prometheus.ruleErrors()).toEqual([]);
    expect(await prometheus.alerts()).toEqual([]);
    expect(webhook.notifications).toEqual([]);
  });

  it('every rule fires on its fault and reaches the webhook with service and severity', async () => {
    // Error-log surge and 5xx ratio: a service whose store refuses every write.
    const failing = await api('alerting-service.mjs', S.errors);
    // Slow requests: every answer takes 1.5 s.
    const slow = await api('alerting-service.mjs', S.slow, { SLOW_MS: '1500' });
    // Outbound API failures: the API the gateway calls answers 503.
    const gateway = await api('alerting-service.mjs', S.gateway);
    breakUpstream();
    // Failing jobs: every job on the queue throws.
    const producer = await api('alerting-service.mjs', 'settlement-producer', {
      QUEUE: 'settlement',
    });
    await service('alerting-worker.mjs', S.jobsWorker, { QUEUE: 'settlement' }).line;
    // Queue wait: jobs enqueued with no worker; the worker comes 35 s later.
    const backlogProducer = await api('alerting-service.mjs', 'backlog-producer', {
      QUEUE: 'backlog',
    });
    await fetch(`${backlogProducer.url}/jobs?count=20`, { method: 'POST' });
    const backlogStart = Date.now();
    // Front-end error surge: the page throws on every click.
    const webHost = await api('alerting-service.mjs', 'broken-web-host', {
      PAGE_SERVICE: S.web,
      PORT: String(pagePorts.broken),
    });
    const page = await browser!.newPage();
    await page.goto(webHost.url);
    // A service that stops sending: killed without a chance to flush.
    doomed.child.kill('SIGKILL');
    // The collector failing to export: traffic through the collector whose stores are gone.
    const lonely = await api('alerting-service.mjs', S.lonely, {}, brokenCollector);

    let backlogWorker = false;
    const expected = new Map<string, string>([
      ['ErrorLogSurge', S.errors],
      ['HttpServerErrorRatio', S.errors],
      ['SlowRequests', S.slow],
      ['OutboundApiFailures', S.gateway],
      ['FailingJobs', S.jobsWorker],
      ['QueueWaitHigh', S.backlogWorker],
      ['FrontEndErrorSurge', S.web],
      ['ServiceStoppedSending', S.doomed],
      ['CollectorExportFailing', S.brokenCollector],
      ['CollectorQueueFilling', S.brokenCollector],
    ]);
    expect([...expected.keys()].sort()).toEqual(PROM_ALERTS.map((a) => a.alert).sort());

    const missing = () =>
      [...expected].filter(
        ([alert, name]) =>
          !webhook.alerts.some(
            (a) =>
              a.status === 'firing' && a.labels.alertname === alert && a.labels.service === name,
          ),
      );
    const deadline = Date.now() + 240_000;
    while (missing().length > 0 && Date.now() < deadline) {
      await Promise.all([
        hit(`${failing.url}/fail`, 10),
        hit(`${slow.url}/slow`, 10, 10),
        hit(`${gateway.url}/upstream`, 10),
        fetch(`${producer.url}/jobs?count=5&fail=1`, { method: 'POST' }),
        hit(`${lonely.url}/ok`, 20),
        (async () => {
          for (let i = 0; i < 5; i++) await page.click('#explode');
        })(),
      ]);
      if (!backlogWorker && Date.now() - backlogStart > 35_000) {
        backlogWorker = true;
        await service('alerting-worker.mjs', S.backlogWorker, { QUEUE: 'backlog' }).line;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await page.close();
    expect(missing(), `received: ${webhook.summary()}`).toEqual([]);

    // Each carries the labels and annotations the rule source gives it.
    for (const rule of PROM_ALERTS) {
      const alert = webhook.alerts.find(
        (a) => a.labels.alertname === rule.alert && a.labels.service === expected.get(rule.alert),
      )!;
      expect(alert.labels.severity, rule.alert).toBe(rule.severity);
      expect(alert.annotations.runbook_url, rule.alert).toBe(
        `dashboards/RUNBOOK.md#${rule.runbook}`,
      );
      expect(alert.annotations.summary, rule.alert).toContain(expected.get(rule.alert));
    }
    // Alertmanager grouped them by service: one group per service, never two services in one.
    for (const n of webhook.notifications) {
      expect(Object.keys(n.groupLabels)).toEqual(['service']);
      expect(new Set(n.alerts.map((a) => a.labels.service)).size).toBe(1);
    }
    // The healthy services stayed quiet throughout.
    const quiet = [S.normal, S.normalWorker, S.normalWeb, 'tracelog-collector'];
    expect(webhook.alerts.filter((a) => quiet.includes(a.labels.service!))).toEqual([]);
    await stopService(lonely.child);
  });
});
