import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { buildPrometheusRules } from '../../dashboards/src/build.ts';
import type { PromRuleOptions } from '../../dashboards/src/build.ts';
import { Managed, freePort, stackBinaries, waitFor, workDir } from './stack.ts';

/**
 * Prometheus and Alertmanager for end-to-end tests (built by collector/scripts/stack.sh, started
 * here on free loopback ports with their own data), and a webhook receiver standing in for the
 * team's chat or pager: it records every notification Alertmanager delivers.
 */

/**
 * Fills in a configuration template's `${NAME:-default}` placeholders, as stack.sh does (Prometheus
 * and Alertmanager do not read the environment).
 */
export function expandTemplate(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+):-([^}]*)\}/g, (_, name: string, fallback: string) =>
    values[name] ? values[name] : fallback,
  );
}

/** Writes the rule file made from the committed one's source with `opts`; returns its folder. */
export function writeRules(opts: PromRuleOptions): string {
  const dir = workDir('prometheus-rules');
  writeFileSync(join(dir, 'tracelog.rules.yaml'), stringify(buildPrometheusRules(opts)));
  return dir;
}

export interface PrometheusOptions {
  /** Folder of `*.rules.yaml` files (default: the committed rules). */
  rulesDir?: string;
  evaluationInterval?: string;
  /** `host:port` of an Alertmanager. */
  alertmanager?: string;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** One series of a range selector's result: its samples, oldest first. */
export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/**
 * The environment of an alerting fixture service (`test/e2e/fixtures/alerting-*.mjs`): exporting
 * to `via`, metrics every second (the rules' and panels' windows are seconds long in tests), its
 * own spool, the shared Redis and the upstream it calls.
 */
export function alertingEnv(
  name: string,
  via: { url: string },
  shared: { redisPort: number; upstreamUrl: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: via.url,
    OTEL_SERVICE_NAME: name,
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
    TRACELOG_ENVIRONMENT: 'test',
    TRACELOG_SPOOL_DIR: join(workDir('spool'), 'spool'),
    REDIS_PORT: String(shared.redisPort),
    UPSTREAM_URL: shared.upstreamUrl,
    ...extra,
  };
}

export class Prometheus extends Managed {
  readonly dir = workDir('prometheus');
  port = 0;

  constructor(private readonly opts: PrometheusOptions = {}) {
    super();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const bin = stackBinaries();
    if (!this.port) this.port = await freePort();
    const config = join(this.dir, 'prometheus.yml');
    writeFileSync(
      config,
      expandTemplate(readFileSync(bin.prometheusConfig, 'utf8'), {
        TRACELOG_PROMETHEUS_EVALUATION_INTERVAL: this.opts.evaluationInterval ?? '',
        TRACELOG_PROMETHEUS_RULES: this.opts.rulesDir ?? bin.prometheusRules,
        // Nothing listens on port 9: alerts go nowhere unless an Alertmanager is given.
        TRACELOG_ALERTMANAGER_TARGET: this.opts.alertmanager ?? '127.0.0.1:9',
      }),
    );
    this.launch(
      bin.prometheusBin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--web.enable-otlp-receiver',
        // As in stack.sh: a counter or histogram first seen with a value counts from zero.
        '--enable-feature=created-timestamp-zero-ingestion',
        '--rules.alert.resend-delay=1s',
      ],
      {},
      join(this.dir, 'prometheus.log'),
    );
    await this.readying(async () => {
      await waitFor(async () => (await fetch(`${this.url}/-/ready`)).ok, 60_000, 'Prometheus');
    });
    return this;
  }

  /** An instant query's samples, now or at `at` (seconds); throws on a query error. */
  query(expr: string, at?: number): Promise<Sample[]> {
    return this.instant<Sample>(expr, at);
  }

  /** Every sample of a range selector (`metric{…}[5m]`), now or at `at` (seconds). */
  samples(selector: string, at?: number): Promise<RangeSeries[]> {
    return this.instant<RangeSeries>(selector, at);
  }

  private async instant<T>(expr: string, at?: number): Promise<T[]> {
    const response = await fetch(`${this.url}/api/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ query: expr, ...(at === undefined ? {} : { time: String(at) }) }),
    });
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: T[] };
    };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data!.result;
  }

  /** A range query over the last `seconds`, as a Grafana time-series panel runs it. */
  async queryRange(expr: string, seconds: number, step = 5): Promise<unknown[]> {
    const end = Date.now() / 1000;
    const response = await fetch(`${this.url}/api/v1/query_range`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        query: expr,
        start: String(end - seconds),
        end: String(end),
        step: String(step),
      }),
    });
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: unknown[] };
    };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data!.result;
  }

  /** The alerts Prometheus holds now (pending and firing). */
  async alerts(): Promise<Array<{ labels: Record<string, string>; state: string }>> {
    const body = (await (await fetch(`${this.url}/api/v1/alerts`)).json()) as {
      data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
    };
    return body.data.alerts;
  }

  /** Rules that failed to evaluate, with their errors. */
  async ruleErrors(): Promise<string[]> {
    const body = (await (await fetch(`${this.url}/api/v1/rules`)).json()) as {
      data: {
        groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }>;
      };
    };
    return body.data.groups
      .flatMap((g) => g.rules)
      .filter((r) => r.health === 'err')
      .map((r) => `${r.name}: ${r.lastError}`);
  }
}

export interface AlertmanagerOptions {
  webhookUrl: string;
  /** The configuration template (default: collector/alertmanager/alertmanager.yml). */
  template?: string;
  /** Notification pacing; the tests use one second. */
  groupWait?: string;
  groupInterval?: string;
}

export class Alertmanager extends Managed {
  readonly dir = workDir('alertmanager');
  port = 0;

  constructor(private readonly opts: AlertmanagerOptions) {
    super();
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** `host:port`, as Prometheus's alerting configuration names it. */
  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const bin = stackBinaries();
    if (!this.port) this.port = await freePort();
    const config = join(this.dir, 'alertmanager.yml');
    writeFileSync(
      config,
      expandTemplate(readFileSync(this.opts.template ?? bin.alertmanagerConfig, 'utf8'), {
        TRACELOG_ALERT_WEBHOOK_URL: this.opts.webhookUrl,
        TRACELOG_ALERTMANAGER_GROUP_WAIT: this.opts.groupWait ?? '',
        TRACELOG_ALERTMANAGER_GROUP_INTERVAL: this.opts.groupInterval ?? '',
      }),
    );
    mkdirSync(join(this.dir, 'data'), { recursive: true });
    this.launch(
      bin.alertmanagerBin,
      [
        `--config.file=${config}`,
        `--storage.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--cluster.listen-address=',
      ],
      {},
      join(tmpdir(), `alertmanager-${this.port}.log`),
    );
    await this.readying(async () => {
      await waitFor(async () => (await fetch(`${this.url}/-/ready`)).ok, 60_000, 'Alertmanager');
    });
    return this;
  }
}

/** One alert as Alertmanager's webhook delivers it (payload version 4). */
export interface Notified {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** Alertmanager's webhook receiver: keeps every notification and the alerts in it. */
export class WebhookReceiver {
  private server: Server | undefined;
  port = 0;
  /** Each notification's group labels and alerts, in arrival order. */
  readonly notifications: Array<{ groupLabels: Record<string, string>; alerts: Notified[] }> = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}/alerts`;
  }

  get alerts(): Notified[] {
    return this.notifications.flatMap((n) => n.alerts);
  }

  async start(): Promise<this> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString()) as {
            version: string;
            groupLabels: Record<string, string>;
            alerts: Notified[];
          };
          this.notifications.push({ groupLabels: body.groupLabels, alerts: body.alerts });
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    return this;
  }

  /** Resolves with the first firing alert named `alertname` for `service`. */
  waitForAlert(alertname: string, service: string, timeoutMs = 240_000): Promise<Notified> {
    return waitFor(
      async () =>
        this.alerts.find(
          (a) =>
            a.status === 'firing' &&
            a.labels.alertname === alertname &&
            a.labels.service === service,
        ),
      timeoutMs,
      `a ${alertname} notification for ${service} (received: ${this.summary()})`,
    );
  }

  /** `alertname/service` of everything received so far, for failure messages. */
  summary(): string {
    return [...new Set(this.alerts.map((a) => `${a.labels.alertname}/${a.labels.service}`))].join(
      ', ',
    );
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/**
 * The rules as the alerting tests load them: generated from the committed source with the same
 * expressions and thresholds, but windows of seconds, `for: 1s`, evaluated every second.
 */
export const TEST_RULES: PromRuleOptions = {
  windows: { rate: '30s', jobs: '30s', silent: '20s', silentBefore: '5m' },
  for: '1s',
  interval: '1s',
};

/**
 * A webhook receiver, an Alertmanager notifying it (group wait and interval 1 s) and a Prometheus
 * evaluating `TEST_RULES` every second and sending its alerts to that Alertmanager.
 */
export async function startAlerting(): Promise<{
  webhook: WebhookReceiver;
  alertmanager: Alertmanager;
  prometheus: Prometheus;
}> {
  const webhook = await new WebhookReceiver().start();
  const alertmanager = await new Alertmanager({
    webhookUrl: webhook.url,
    groupWait: '1s',
    groupInterval: '1s',
  }).start();
  const prometheus = await new Prometheus({
    rulesDir: writeRules(TEST_RULES),
    evaluationInterval: '1s',
    alertmanager: alertmanager.target,
  }).start();
  return { webhook, alertmanager, prometheus };
}
