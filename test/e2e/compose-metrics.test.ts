import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Alertmanager } from '../support/metrics.ts';
import { removeWorkDirs, stackBinaries, workDir } from '../support/stack.ts';

/**
 * The compose file's Prometheus, Alertmanager and Grafana wiring, checked without Docker: mounts
 * name files that exist, each server's start command (run here with the same sed) turns the
 * template into a configuration the real binaries accept, and every variable Grafana's
 * provisioning reads is set.
 */

const run = promisify(execFile);
const collectorDir = new URL('../../collector/', import.meta.url).pathname;
const dashboardsDir = new URL('../../dashboards/', import.meta.url).pathname;

interface Service {
  image: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: string[] | Record<string, unknown>;
}
const compose = parse(readFileSync(join(collectorDir, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
afterAll(() => removeWorkDirs());

/** Compose's own interpolation of `${NAME:-default}` and `$$`, with an empty environment. */
const interpolate = (text: string) =>
  text.replace(/\$\{(\w+):-([^}]*)\}/g, '$2').replace(/\$\$/g, '$');

/** Runs a service's `sh -c` start command up to its `exec`, with its mounts mapped to the repo. */
function renderConfig(name: string, template: string, env: Record<string, string> = {}) {
  const out = join(workDir(`compose-${name}`), `${name}.yml`);
  const script = interpolate(services[name]!.command![0]!)
    .split('&&')[0]!
    .replace(`/etc/tracelog/${name}.yml`, template)
    .replace(`/tmp/${name}.yml`, out);
  execFileSync('sh', ['-c', script], { env: { ...process.env, ...env } });
  return out;
}

describe('docker-compose: Prometheus, Alertmanager, Grafana', () => {
  it('bind mounts name files and folders that exist; named volumes are declared', () => {
    for (const name of ['prometheus', 'alertmanager', 'grafana']) {
      for (const volume of services[name]!.volumes ?? []) {
        const [source] = volume.split(':');
        if (source!.startsWith('.'))
          expect(existsSync(resolve(collectorDir, source!)), volume).toBe(true);
        else expect(compose.volumes, volume).toHaveProperty(source!);
      }
    }
  });

  it('the collector sends to Prometheus, Prometheus alerts through Alertmanager, Grafana reads both', () => {
    expect(services.collector!.environment!.TRACELOG_PROMETHEUS_OTLP_ENDPOINT).toBe(
      'http://prometheus:9090',
    );
    expect(services.prometheus!.command![0]).toContain('--web.enable-otlp-receiver');
    expect(services.alertmanager!.command![0]).toContain('--cluster.listen-address=');
    const volumes = services.grafana!.volumes!.join('\n');
    expect(volumes).toContain('../dashboards/metrics-json:/var/lib/grafana/dashboards-metrics');
  });

  it('Prometheus: the command renders a configuration promtool accepts, with the rules and Alertmanager', async () => {
    const config = renderConfig('prometheus', join(collectorDir, 'prometheus/prometheus.yml'));
    const text = readFileSync(config, 'utf8');
    expect(text).not.toContain('${');
    const parsed = parse(text) as {
      rule_files: string[];
      alerting: { alertmanagers: Array<{ static_configs: Array<{ targets: string[] }> }> };
    };
    expect(parsed.alerting.alertmanagers[0]!.static_configs[0]!.targets).toEqual([
      'alertmanager:9093',
    ]);
    // The rules folder is mounted at /etc/prometheus/rules: check with the repository's copy.
    expect(services.prometheus!.volumes).toContain(
      '../dashboards/prometheus-rules:/etc/prometheus/rules:ro',
    );
    writeFileSync(
      config,
      text.replace('/etc/prometheus/rules', join(dashboardsDir, 'prometheus-rules')),
    );
    const { stdout } = await run(stackBinaries().promtoolBin, ['check', 'config', config]);
    expect(stdout).toContain('SUCCESS');
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('Alertmanager: the command renders a configuration Alertmanager starts with, webhook from the environment', async () => {
    const config = renderConfig(
      'alertmanager',
      join(collectorDir, 'alertmanager/alertmanager.yml'),
      {
        TRACELOG_ALERT_WEBHOOK_URL: 'http://hooks.example:8080/tracelog',
      },
    );
    const text = readFileSync(config, 'utf8');
    expect(text).not.toContain('${');
    const parsed = parse(text) as {
      route: { group_by: string[]; group_wait: string };
      receivers: Array<{ webhook_configs: Array<{ url: string }> }>;
    };
    expect(parsed.route.group_by).toEqual(['service']);
    expect(parsed.route.group_wait).toBe('30s');
    expect(parsed.receivers[0]!.webhook_configs[0]!.url).toBe('http://hooks.example:8080/tracelog');
    // The real binary loads it (it refuses to start on an invalid configuration).
    const am = new Alertmanager({ webhookUrl: '', template: config });
    try {
      await am.start();
    } finally {
      await am.stop();
    }
  });

  it('every variable Grafana provisioning reads is set in its environment', () => {
    const env = services.grafana!.environment!;
    const provisioning = join(dashboardsDir, 'provisioning');
    const files = readdirSync(provisioning, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.yaml'),
    );
    const used = new Set<string>();
    for (const file of files)
      for (const [, name] of readFileSync(join(provisioning, file), 'utf8').matchAll(
        /(?<!\$)\$\{(\w+)\}/g,
      ))
        used.add(name!);
    expect(used).toContain('TRACELOG_PROMETHEUS_URL');
    expect(used).toContain('TRACELOG_ALERT_WEBHOOK_URL');
    for (const name of used) expect(env, name).toHaveProperty(name);
  });
});
