import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.ts';
import {
  METRICS_DASHBOARD_FILES,
  METRICS_PANELS,
  interpolatePromql,
  rangeHasData,
} from '../support/metrics-panels.ts';
import { Prometheus, alertingEnv } from '../support/metrics.ts';
import { startRedis } from '@tracelog/test-utils';
import { startService, stopServices } from '../support/services.ts';
import { Collector, VictoriaLogs, freePort, removeWorkDirs, waitFor } from '../support/stack.ts';
import type { Jaeger } from '../support/stack.ts';

/**
 * Every panel of the dashboards on Prometheus (dashboards/metrics-json, as Grafana loads them),
 * run as Grafana runs it, against a real Prometheus fed by our collector build with telemetry
 * that only our SDKs produced: an API and a BullMQ worker on @tracelog/node, a page on
 * @tracelog/browser in Chromium, and a collector whose log and trace stores are gone for the
 * health panels' failures. A panel reading a metric or label nothing emits comes back empty here.
 */

const dir = new URL('../../dashboards/', import.meta.url);
const fixtures = new URL('./fixtures/', import.meta.url).pathname;

const S = { api: 'desk-api', worker: 'desk-worker', web: 'desk-web', lonely: 'desk-lonely' };
let logs: VictoriaLogs;
let prometheus: Prometheus;
let collector: Collector;
let brokenCollector: Collector;
let redis: Awaited<ReturnType<typeof startRedis>>;
let browser: Browser | undefined;
let upstream: Server | undefined;

describe('dashboards on Prometheus', () => {
  it.each(METRICS_DASHBOARD_FILES)('$file: uid, data source and variables', ({ file, json }) => {
    const datasources = parse(
      readFileSync(new URL('provisioning/datasources/tracelog.yaml', dir), 'utf8'),
    ) as { datasources: Array<{ uid: string; type: string }> };
    const prom = datasources.datasources.find((d) => d.type === 'prometheus')!;
    expect(json.uid).toBe(`tracelog-${file.replace(/\.json$/, '')}`);
    const defined = new Set(json.templating.list.map((v) => v.name));
    for (const v of json.templating.list) expect(v.datasource?.uid).toBe(prom.uid);
    for (const panel of json.panels) {
      expect(panel.datasource.uid, panel.title).toBe(prom.uid);
      for (const target of panel.targets) {
        expect(target.datasource.uid).toBe(prom.uid);
        for (const [, name] of target.expr.matchAll(/\$\{?(\w+)\}?/g))
          expect(defined.has(name!), `${panel.title} uses $${name}`).toBe(true);
      }
    }
  });

  describe('every panel returns data from SDK-only traffic', () => {
    beforeAll(async () => {
      prometheus = await new Prometheus().start();
      [logs, redis] = await Promise.all([new VictoriaLogs().start(), startRedis()]);
      const pagePort = await freePort();
      const collectorEnv = {
        TRACELOG_PROMETHEUS_OTLP_ENDPOINT: prometheus.url,
        TRACELOG_SPANMETRICS_FLUSH_INTERVAL: '1s',
        TRACELOG_COLLECTOR_METRICS_INTERVAL_MS: '1000',
      };
      collector = await new Collector({
        logs,
        env: { ...collectorEnv, TRACELOG_CORS_ORIGIN: `http://127.0.0.1:${pagePort}` },
      }).start();
      // Stores at a port nothing listens on, with five-request queues: they fill, then refuse.
      const gone = 'http://127.0.0.1:9';
      brokenCollector = await new Collector({
        logs: { url: gone } as VictoriaLogs,
        traces: { otlpUrl: gone } as Jaeger,
        env: {
          ...collectorEnv,
          TRACELOG_COLLECTOR_SERVICE_NAME: 'desk-collector-broken',
          TRACELOG_VICTORIALOGS_QUEUE_SIZE: '5',
          TRACELOG_JAEGER_QUEUE_SIZE: '5',
        },
      }).start();
      upstream = createServer((_req, res) => res.writeHead(503).end());
      const upstreamPort = await freePort();
      await new Promise<void>((resolve) => upstream!.listen(upstreamPort, '127.0.0.1', resolve));

      const shared = { redisPort: redis.port, upstreamUrl: `http://127.0.0.1:${upstreamPort}/` };
      const env = (name: string, via: Collector, extra: Record<string, string> = {}) =>
        alertingEnv(name, via, shared, { QUEUE: 'desk', SLOW_MS: '200', ...extra });
      const url = async (script: string, e: Record<string, string>) =>
        `http://127.0.0.1:${await startService(fixtures, script, e).line}`;
      const api = await url(
        'alerting-service.mjs',
        env(S.api, collector, { PAGE_SERVICE: S.web, PORT: String(pagePort) }),
      );
      await startService(fixtures, 'alerting-worker.mjs', env(S.worker, collector)).line;
      const lonely = await url('alerting-service.mjs', env(S.lonely, brokenCollector));

      browser = await chromium.launch({ executablePath: ensureChromium(), args: CHROMIUM_ARGS });
      const page = await browser.newPage();
      await page.goto(api);
      for (let round = 0; round < 10; round++) {
        await Promise.all(
          ['ok', 'ok', 'fail', 'slow', 'upstream'].map((path) =>
            fetch(`${api}/${path}`).then((r) => r.arrayBuffer()),
          ),
        );
        await fetch(`${api}/jobs?count=3`, { method: 'POST' });
        await fetch(`${api}/jobs?count=1&fail=1`, { method: 'POST' });
        await fetch(`${lonely}/ok`);
        await page.click('#explode');
        // Half-way, the page is loaded again: leaving it reports its Web Vitals, so their counter
        // gets two samples (a rate needs two; one page view gives one).
        if (round === 4) await page.goto(api);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      await page.close();
      // Everything flushed: the last of each kind of series is in.
      await waitFor(
        async () =>
          (
            await prometheus.query(
              `otelcol_exporter_enqueue_failed_spans_total{service_name="desk-collector-broken"}`,
            )
          ).length > 0 &&
          (
            await prometheus.query(
              `count_over_time(tracelog_web_vitals_total{service_name="${S.web}"}[10m]) > 1`,
            )
          ).length > 0,
        60_000,
        'the last series',
      );
    });

    afterAll(async () => {
      await browser?.close();
      await stopServices();
      await Promise.all([collector?.stop(), brokenCollector?.stop()]);
      await Promise.all([prometheus?.stop(), logs?.stop(), redis?.stop()]);
      await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
      removeWorkDirs();
    });

    it.each(METRICS_PANELS)('$name (all services)', async ({ expr, variables }) => {
      const query = interpolatePromql(expr, variables, {});
      expect(rangeHasData(await prometheus.queryRange(query, 600)), query).toBe(true);
    });

    it.each(METRICS_PANELS)('$name (one service picked)', async ({ name, expr, variables }) => {
      // The service the panel is about, as a user picks it from the variable's values.
      const service = name.startsWith('collector-health')
        ? 'desk-collector-broken'
        : name.startsWith('front-end')
          ? S.web
          : name.startsWith('job-metrics')
            ? S.worker
            : S.api;
      const values = (await (
        await fetch(`${prometheus.url}/api/v1/label/service_name/values`)
      ).json()) as { data: string[] };
      expect(values.data).toContain(service);
      const query = interpolatePromql(expr, variables, { service, environment: 'test' });
      expect(rangeHasData(await prometheus.queryRange(query, 600)), query).toBe(true);
    });
  });
});
