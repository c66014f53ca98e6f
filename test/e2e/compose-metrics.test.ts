import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Alertmanager, expandTemplate } from '../support/metrics.ts';
import {
  Managed,
  freePort,
  removeWorkDirs,
  stackBinaries,
  waitFor,
  workDir,
} from '../support/stack.ts';

/**
 * The compose file's wiring, checked without Docker: mounts name files that exist; the
 * collector's command loads the overlays it names into a configuration our collector build
 * accepts; Jaeger's command starts the real Jaeger with every listener re-bound; each server's
 * start command (run here with the same sed) turns the template into a configuration the real
 * binaries accept; every variable Grafana's provisioning reads is set, and every plugin its data
 * sources need is installed.
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

/** Compose's own interpolation of `${NAME:-default}` and `$$`, in `env` (default: empty). */
const interpolate = (text: string, env: Record<string, string> = {}) =>
  expandTemplate(text, env).replace(/\$\$/g, '$');

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

describe('docker-compose: mounts, Prometheus, Alertmanager, Grafana', () => {
  it('bind mounts name files and folders that exist; named volumes are declared', () => {
    for (const name of Object.keys(services)) {
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

/** Where a path inside a service's container comes from in this repository (its bind mounts). */
function hostPath(name: string, inContainer: string): string | undefined {
  for (const volume of services[name]!.volumes ?? []) {
    const [source, target] = volume.split(':') as [string, string];
    if (source.startsWith('.') && (inContainer === target || inContainer.startsWith(`${target}/`)))
      return resolve(collectorDir, source) + inContainer.slice(target.length);
  }
  return undefined;
}

/** The collector's --config files for an environment, as files of this repository. */
function collectorConfigs(env: Record<string, string> = {}): string[] {
  return (
    services
      .collector!.command!.map((arg) => interpolate(arg, env).replace(/^--config=/, ''))
      // An unset slot: the empty configuration the contrib image's yaml provider reads (our
      // build has no yaml provider, and nothing to load for it).
      .filter((uri) => uri !== 'yaml:')
      .map((uri) => hostPath('collector', uri) ?? `not mounted: ${uri}`)
  );
}

/** Jaeger's --set flags: config path → value. */
const jaegerSets = () =>
  new Map(
    services
      .jaeger!.command!.filter((arg) => arg.startsWith('--set='))
      .map((arg) => arg.slice('--set='.length).split('=') as [string, string]),
  );

/** `host:port` → port. */
const portOf = (endpoint: string) => endpoint.slice(endpoint.lastIndexOf(':') + 1);

/** Jaeger started from the compose file's command, on this machine (see the Jaeger case). */
class ComposeJaeger extends Managed {
  readonly dir = workDir('compose-jaeger');

  constructor(
    private readonly args: string[],
    private readonly env: Record<string, string>,
  ) {
    super();
  }

  start(): Promise<this> {
    this.launch(stackBinaries().jaegerBin, this.args, this.env, join(this.dir, 'jaeger.log'));
    return Promise.resolve(this);
  }
}

describe('docker-compose: the collector, VictoriaLogs and Jaeger', () => {
  const stackScript = readFileSync(join(collectorDir, 'scripts/stack.sh'), 'utf8');
  const pinned = (name: string) => new RegExp(`^${name}="([^"]+)"`, 'm').exec(stackScript)![1]!;
  const profiles = [
    ...new Set(
      Object.values(services).flatMap((s) => (s as { profiles?: string[] }).profiles ?? []),
    ),
  ].sort();

  it('VictoriaLogs and Jaeger are the versions stack.sh builds; VictoriaLogs keeps 30 days', () => {
    expect(services.victorialogs!.image).toBe(
      `victoriametrics/victoria-logs:v${pinned('VICTORIALOGS_VERSION')}`,
    );
    expect(services.jaeger!.image).toBe(`jaegertracing/jaeger:${pinned('JAEGER_VERSION')}`);
    expect(services.victorialogs!.command).toContain('-retentionPeriod=30d');
  });

  it('the collector and Grafana reach VictoriaLogs and Jaeger where they listen', () => {
    const vlPort = portOf(
      services.victorialogs!.command!.find((arg) => arg.startsWith('-httpListenAddr='))!,
    );
    const sets = jaegerSets();
    const otlpPort = portOf(sets.get('receivers.otlp.protocols.http.endpoint')!);
    const queryPort = portOf(sets.get('extensions.jaeger_query.http.endpoint')!);
    expect(services.collector!.environment).toMatchObject({
      TRACELOG_VICTORIALOGS_ENDPOINT: `http://victorialogs:${vlPort}`,
      TRACELOG_JAEGER_OTLP_ENDPOINT: `http://jaeger:${otlpPort}`,
    });
    expect(services.grafana!.environment).toMatchObject({
      TRACELOG_VICTORIALOGS_URL: `http://victorialogs:${vlPort}`,
      TRACELOG_JAEGER_URL: `http://jaeger:${queryPort}`,
    });
  });

  it.each(
    [[], ...profiles.map((p) => [p]), profiles].map((enabled) => ({
      enabled,
      label: enabled.join(' + ') || 'none',
    })),
  )(
    'the collector loads VictoriaLogs, Jaeger and the overlays of the profiles on ($label); our build accepts them',
    async ({ enabled }) => {
      const env = Object.fromEntries(
        enabled.map((profile, i) => [
          i === 0 ? 'TRACELOG_COLLECTOR_EXTRA_CONFIG' : `TRACELOG_COLLECTOR_EXTRA_CONFIG_${i + 1}`,
          `/etc/tracelog/destinations/${profile}.yaml`,
        ]),
      );
      const configs = collectorConfigs(env);
      expect(configs).toEqual(
        [
          'config.yaml',
          ...['victorialogs', 'jaeger', ...enabled].map((d) => `destinations/${d}.yaml`),
        ].map((file) => join(collectorDir, file)),
      );
      const { collectorBin } = stackBinaries();
      const composeEnv = Object.fromEntries(
        Object.entries(services.collector!.environment!).map(([k, v]) => [k, interpolate(v)]),
      );
      await run(collectorBin, ['validate', ...configs.flatMap((file) => ['--config', file])], {
        env: { ...process.env, ...composeEnv },
      });
    },
  );

  it('Jaeger: the command re-binds every listener of jaeger/config.yaml to 0.0.0.0, on its own port', () => {
    const config = parse(readFileSync(join(collectorDir, 'jaeger/config.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    const endpoints = new Map<string, string>();
    const walk = (node: unknown, path: string[]) => {
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node))
        if (key === 'endpoint') endpoints.set(path.join('.'), String(value));
        else walk(value, [...path, key]);
    };
    walk({ receivers: config.receivers, extensions: config.extensions }, []);
    expect(endpoints.size).toBeGreaterThanOrEqual(4);
    const sets = jaegerSets();
    for (const [path, endpoint] of endpoints) {
      const port = /:-(\d+)\}$/.exec(endpoint)?.[1];
      expect(sets.get(`${path}.endpoint`), path).toBe(`0.0.0.0:${port}`);
    }
  });

  it('Jaeger: its command starts the real Jaeger, listening where the --set flags say', async () => {
    // On this machine: loopback and free ports in place of 0.0.0.0 and the compose file's ports,
    // and the config's own port variables pointed elsewhere, so only the flags can put the
    // listeners where they are found.
    const moved = new Map<string, string>();
    const args: string[] = [];
    for (const arg of services.jaeger!.command!) {
      const set = /^--set=([^=]+)=0\.0\.0\.0:\d+$/.exec(arg);
      if (set) {
        moved.set(set[1]!, `127.0.0.1:${await freePort()}`);
        args.push(`--set=${set[1]}=${moved.get(set[1]!)}`);
      } else
        args.push(
          arg.replace(
            /^--config=(.*)$/,
            (_, file: string) => `--config=${hostPath('jaeger', file)}`,
          ),
        );
    }
    const configPorts: Record<string, string> = {};
    for (const name of ['QUERY', 'QUERY_GRPC', 'OTLP_HTTP', 'OTLP_GRPC', 'HEALTH', 'METRICS'])
      configPorts[`TRACELOG_JAEGER_${name}_PORT`] = String(await freePort());
    const jaeger = new ComposeJaeger(args, {
      ...services.jaeger!.environment,
      ...configPorts,
      TRACELOG_JAEGER_DATA_DIR: workDir('compose-jaeger-data'),
    });
    await jaeger.start();
    try {
      const query = `http://${moved.get('extensions.jaeger_query.http.endpoint')}`;
      await waitFor(async () => (await fetch(`${query}/api/services`)).ok, 60_000, 'Jaeger');
      const otlp = `http://${moved.get('receivers.otlp.protocols.http.endpoint')}/v1/traces`;
      const posted = await fetch(otlp, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(posted.status).toBe(200);
      const health = `http://${moved.get('extensions.healthcheckv2.http.endpoint')}/status`;
      expect((await fetch(health)).status).toBe(200);
      // Nothing on the ports the config alone would have used.
      await expect(
        fetch(`http://127.0.0.1:${configPorts.TRACELOG_JAEGER_QUERY_PORT}/api/services`),
      ).rejects.toThrow();
    } finally {
      await jaeger.stop();
    }
  });

  it('Grafana installs the plugin of every provisioned data source that is not built in', () => {
    const builtIn = ['prometheus', 'loki', 'elasticsearch', 'jaeger', 'alertmanager'];
    const env = services.grafana!.environment!;
    const installed = (env.GF_PLUGINS_PREINSTALL_SYNC ?? '')
      .split(',')
      .map((plugin) => plugin.split('@')[0]!.trim());
    expect(installed).toContain('victoriametrics-logs-datasource');
    const dir = join(dashboardsDir, 'provisioning/datasources');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const { datasources } = parse(readFileSync(join(dir, file), 'utf8')) as {
        datasources: Array<{ name: string; type: string }>;
      };
      for (const source of datasources.filter((s) => !builtIn.includes(s.type)))
        expect(installed, `${file}: ${source.name}`).toContain(source.type);
    }
  });
});
