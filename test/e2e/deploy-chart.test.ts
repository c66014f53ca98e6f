import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { clusterBinaries, deployDir } from '../support/cluster.ts';
import { removeWorkDirs, stackBinaries, workDir } from '../support/stack.ts';

// The Helm chart in deploy/helm, checked offline with the tools a cluster would use: `helm lint`
// and `helm template` (Helm built from its Go module), every rendered object against the
// Kubernetes schemas of the versions we support (kubernetes-validate, strict: an unknown field
// fails), and the collector configurations the pods would run accepted by our collector build's
// `validate`, with the environment the rendered pods set. Deliberately broken values must fail.
const run = promisify(execFile);
const chart = join(deployDir, 'helm/tracelog-collector');
/** The Kubernetes versions the chart is validated against (kubernetes-validate 1.37.0 bundles them). */
const KUBERNETES = ['1.35.0', '1.37.0'];
const VALUES = ['ci/stores-values.yaml', 'ci/ha-values.yaml'];

afterAll(removeWorkDirs);

interface Result {
  ok: boolean;
  /** Standard output alone (a rendered chart). */
  stdout: string;
  /** Both outputs, for messages. */
  out: string;
}
async function tool(bin: string, args: string[], env?: NodeJS.ProcessEnv): Promise<Result> {
  try {
    const { stdout, stderr } = await run(bin, args, { maxBuffer: 64 << 20, env });
    return { ok: true, stdout, out: `${stdout}${stderr}` };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { ok: false, stdout, out: `${stdout}${stderr}` };
  }
}
const helm = (...args: string[]) => tool(clusterBinaries().helmBin, args);

interface K8sObject {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: Record<string, unknown>;
}
interface Container {
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: unknown }>;
  ports: Array<{ name: string; containerPort: number }>;
  resources: { limits: { memory: string } };
  livenessProbe: { httpGet: { port: string } };
  readinessProbe: { httpGet: { port: string } };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  volumes: Array<Record<string, unknown> & { name: string }>;
}

async function render(values: string): Promise<K8sObject[]> {
  const { ok, out, stdout } = await helm(
    'template',
    'tl',
    chart,
    '--namespace',
    'observability',
    '--kube-version',
    KUBERNETES[0]!,
    '-f',
    join(chart, values),
  );
  expect(ok, out).toBe(true);
  return parseAllDocuments(stdout)
    .map((doc) => doc.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const podSpec = (o: K8sObject) => (o.spec as { template: { spec: PodSpec } }).template.spec;
const envOf = (c: Container) =>
  Object.fromEntries(c.env.map((e) => [e.name, e.value ?? (e.valueFrom ? 'pod-0' : '')]));

/**
 * Writes the ConfigMap's files where the container reads them and runs our collector build's
 * `validate` on the container's own --config arguments, with its environment.
 */
async function validateCollector(objects: K8sObject[], container: Container): Promise<Result> {
  const dir = workDir('chart-config');
  const configMap = objects.find(
    (o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-config'),
  )!;
  for (const [file, text] of Object.entries(configMap.data!)) writeFileSync(join(dir, file), text);
  const mount = container.volumeMounts.find((m) => m.name === 'config')!.mountPath;
  const args = container.args.map((a) => a.replace(`=${mount}/`, `=${dir}/`));
  mkdirSync(join(dir, 'storage'));
  const env = { ...envOf(container), TRACELOG_STORAGE_DIR: join(dir, 'storage') };
  return tool(stackBinaries().collectorBin, ['validate', ...args], {
    PATH: process.env.PATH ?? '',
    ...env,
  });
}

describe('deploy/collector: the tier configurations', () => {
  it("the agent runs config.yaml's receivers, memory limit and redaction, and nothing that counts or stores", () => {
    const agent = parse(readFileSync(join(deployDir, 'collector/agent.yaml'), 'utf8')) as {
      processors: Record<string, unknown>;
      exporters: Record<string, { routing_key: string }>;
      connectors?: unknown;
    };
    const base = parse(readFileSync(stackBinaries().collectorConfig, 'utf8')) as {
      processors: Record<string, unknown>;
    };
    expect(agent.processors.redaction).toEqual(base.processors.redaction);
    expect(agent.processors.memory_limiter).toEqual(base.processors.memory_limiter);
    expect(Object.keys(agent.processors).sort()).toEqual(['memory_limiter', 'redaction']);
    expect(agent.connectors).toBeUndefined();
    expect(Object.values(agent.exporters).map((e) => e.routing_key)).toEqual([
      'service',
      'service',
      'service',
    ]);
  });
});

describe.each(VALUES)('the Helm chart with %s', (values) => {
  it('passes helm lint --strict', async () => {
    const { ok, out } = await helm('lint', chart, '--strict', '-f', join(chart, values));
    expect(ok, out).toBe(true);
    expect(out).toContain('0 chart(s) failed');
  });

  it.each(KUBERNETES)(
    'renders objects that Kubernetes %s accepts (kubernetes-validate --strict)',
    async (version) => {
      const objects = await render(values);
      const dir = workDir('chart-render');
      const file = join(dir, 'rendered.yaml');
      const rendered = await helm(
        'template',
        'tl',
        chart,
        '--kube-version',
        version,
        '-f',
        join(chart, values),
      );
      writeFileSync(file, rendered.stdout);
      const { ok, out } = await tool(clusterBinaries().kubernetesValidateBin, [
        '--strict',
        '--kubernetes-version',
        version,
        file,
      ]);
      expect(ok, out).toBe(true);
      // Every object was checked against a schema (an unknown kind would pass unchecked).
      expect(out.match(/ passed for resource /g)?.length).toBe(objects.length);
    },
  );

  it('renders the agent DaemonSet, the gateways behind a headless Service, a PDB and what the values ask for', async () => {
    const objects = await render(values);
    const persistent = values.includes('ha');
    const gatewayKind = persistent ? 'StatefulSet' : 'Deployment';
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        'ConfigMap',
        'ConfigMap',
        'DaemonSet',
        gatewayKind,
        'PodDisruptionBudget',
        'Service',
        'Service',
        ...(persistent ? [] : ['HorizontalPodAutoscaler']),
      ].sort(),
    );
    const [agent] = byKind(objects, 'DaemonSet');
    const [gateway] = byKind(objects, gatewayKind);
    const headless = byKind(objects, 'Service').find((s) => s.spec!.clusterIP === 'None')!;
    // The agents resolve the headless Service, which selects the gateway pods.
    const gatewayLabels = (gateway!.spec as { template: { metadata: { labels: unknown } } })
      .template.metadata.labels;
    expect(headless.spec!.selector).toEqual(gatewayLabels);
    expect(envOf(podSpec(agent!).containers[0]!).TRACELOG_GATEWAY_RESOLVER).toBe(
      `{dns: {hostname: ${headless.metadata.name}.observability.svc.cluster.local, port: "4317", interval: 5s}}`,
    );
    const [pdb] = byKind(objects, 'PodDisruptionBudget');
    expect(pdb!.spec).toMatchObject({
      maxUnavailable: 1,
      selector: { matchLabels: gatewayLabels },
    });
    if (!persistent) {
      const [hpa] = byKind(objects, 'HorizontalPodAutoscaler');
      expect(hpa!.spec!.scaleTargetRef).toEqual({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: gateway!.metadata.name,
      });
    } else {
      // One queue volume per gateway pod, which a replaced pod gets back.
      expect(gateway!.spec!.volumeClaimTemplates).toMatchObject([{ metadata: { name: 'queue' } }]);
    }
  });

  it("sets GOMEMLIMIT to memory_limiter's share of each container's limit, and probes the health endpoint", async () => {
    const objects = await render(values);
    const base = parse(readFileSync(stackBinaries().collectorConfig, 'utf8')) as {
      processors: { memory_limiter: { limit_percentage: number } };
    };
    const percent = base.processors.memory_limiter.limit_percentage;
    for (const workload of [
      ...byKind(objects, 'DaemonSet'),
      ...byKind(objects, 'Deployment'),
      ...byKind(objects, 'StatefulSet'),
    ]) {
      const container = podSpec(workload).containers[0]!;
      const limitMiB = Number(container.resources.limits.memory.replace(/Mi$/, ''));
      expect(envOf(container).GOMEMLIMIT).toBe(`${Math.floor((limitMiB * percent) / 100)}MiB`);
      const health = container.ports.find((p) => p.name === 'health')!;
      expect(envOf(container).TRACELOG_HEALTH_ENDPOINT).toBe(`0.0.0.0:${health.containerPort}`);
      expect(container.livenessProbe.httpGet.port).toBe('health');
      expect(container.readinessProbe.httpGet.port).toBe('health');
      // The persistent queue is on a volume, where file_storage keeps it.
      const queue = container.volumeMounts.find((m) => m.name === 'queue')!;
      expect(envOf(container).TRACELOG_STORAGE_DIR).toBe(queue.mountPath);
    }
  });

  it("the configurations the pods run pass our collector build's validate", async () => {
    const objects = await render(values);
    const workloads = [
      ...byKind(objects, 'DaemonSet'),
      ...byKind(objects, 'Deployment'),
      ...byKind(objects, 'StatefulSet'),
    ];
    expect(workloads).toHaveLength(2);
    for (const workload of workloads) {
      const result = await validateCollector(objects, podSpec(workload).containers[0]!);
      expect(result.ok, `${workload.kind}: ${result.out}`).toBe(true);
    }
  });
});

describe('a broken value fails', () => {
  const values = join(chart, VALUES[0]!);

  it('a port given as a string: helm lint names the value', async () => {
    const { ok, out } = await helm(
      'lint',
      chart,
      '-f',
      values,
      '--set-string',
      'gateway.ports.otlpGrpc=4317',
    );
    expect(ok).toBe(false);
    expect(out).toMatch(/\/gateway\/ports\/otlpGrpc.*got string, want integer/);
  });

  it('a missing store endpoint: helm lint names the value', async () => {
    const { ok, out } = await helm('lint', chart, '-f', values, '--set', 'stores.jaeger.endpoint=');
    expect(ok).toBe(false);
    expect(out).toContain('/stores/jaeger/endpoint');
  });

  it('past the values schema, a string port is refused by the Kubernetes schema', async () => {
    const rendered = await helm(
      'template',
      'tl',
      chart,
      '-f',
      values,
      '--skip-schema-validation',
      '--set',
      'agent.ports.otlpHttp=http',
    );
    expect(rendered.ok, rendered.out).toBe(true);
    const file = join(workDir('chart-broken'), 'rendered.yaml');
    writeFileSync(file, rendered.stdout);
    const { ok, out } = await tool(clusterBinaries().kubernetesValidateBin, [
      '--strict',
      '--kubernetes-version',
      KUBERNETES[0]!,
      file,
    ]);
    expect(ok).toBe(false);
    expect(out).toMatch(/daemonset.*containerPort.*'http' is not of type 'integer'/s);
  });

  it('an agent without gateways is refused by the collector', async () => {
    const objects = await render(VALUES[0]!);
    const container = podSpec(byKind(objects, 'DaemonSet')[0]!).containers[0]!;
    container.env = container.env.filter((e) => e.name !== 'TRACELOG_GATEWAY_RESOLVER');
    const result = await validateCollector(objects, container);
    expect(result.ok).toBe(false);
    expect(result.out).toContain('no resolvers specified for the exporter');
  });
});
