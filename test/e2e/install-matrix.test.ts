// The install matrix: every public package packed with `pnpm pack` (as it would be published),
// installed with npm — not the workspace — into throwaway apps, and each app run on every
// supported Node major against the test receiver. Each case backs a cell of the Compatibility
// table in packages/node/README.md. npm's own cache (~/.npm) keeps warm runs fast.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { BuildOptions } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '@tracelog/test-utils';
import type { ReceivedLog, ReceivedSpan } from '@tracelog/test-utils';
import { GZIP_BUDGET_BYTES } from '../../packages/browser/test/size-budget.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = join(repo, 'test', 'install');
const PUBLIC_PACKAGES = ['core', 'node', 'queue-instrumentation', 'browser'] as const;
type PublicPackage = (typeof PUBLIC_PACKAGES)[number];
const NODE_MAJORS = ['22', '24'] as const;
const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, CONSUMER: 5 } as const;

const manifest = (path: string) =>
  JSON.parse(readFileSync(join(repo, path, 'package.json'), 'utf8')) as {
    version: string;
    engines?: Record<string, string>;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
/** Versions the apps install, taken from the workspace's own manifests rather than retyped. */
const VERSIONS = {
  api: manifest('packages/node').devDependencies!['@opentelemetry/api']!,
  sdkTrace: manifest('test').devDependencies!['@opentelemetry/sdk-trace']!,
  express: manifest('test').devDependencies!.express!,
  typesNode: manifest('.').devDependencies!['@types/node']!,
  react: manifest('packages/browser').devDependencies!.react!,
  reactDom: manifest('packages/browser').devDependencies!['react-dom']!,
};
/** TypeScript 5 for `moduleResolution: node`, which TypeScript 6 only accepts with ignoreDeprecations. */
const TYPESCRIPT_5 = '5.9.3';
/** The last @opentelemetry/api release before the one our peer range starts at. */
const API_BELOW_RANGE = '1.9.0';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (or its timeout), never rejecting. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<Result> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: `${stderr}${String(error)}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const ok = (result: Result, what: string) => {
  if (result.code !== 0)
    throw new Error(`${what} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  return result;
};

/** Bytes of every file under a folder (apparent size, symbolic links not followed). */
async function folderBytes(folder: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) total += await folderBytes(path);
    else if (entry.isFile()) total += (await stat(path)).size;
  }
  return total;
}

/** The file names and package.json inside a tarball made by `pnpm pack`. */
function tarballContents(file: string): { files: Map<string, Buffer> } {
  const tar = gunzipSync(readFileSync(file));
  const files = new Map<string, Buffer>();
  for (let offset = 0; offset + 512 <= tar.length;) {
    const name = tar.toString('utf8', offset, offset + 100).replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.toString('utf8', offset + 124, offset + 136).trim(), 8);
    files.set(name.replace(/^package\//, ''), tar.subarray(offset + 512, offset + 512 + size));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return { files };
}

let work: string;
const tarballs = {} as Record<PublicPackage, string>;
const nodeBinaries = {} as Record<(typeof NODE_MAJORS)[number], string>;
const receiver = new OtlpReceiver();
const apps = {
  plain: '',
  node: '',
  ts: '',
  tsQueue: '',
  web: '',
  oldApi: '',
};
let oldApiInstall: Result;
const timings: Record<string, number> = {};

/** A throwaway app: its package.json, the fixture files it runs, and `npm install`. */
async function createApp(
  name: keyof typeof apps,
  spec: {
    packages: PublicPackage[];
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    files?: string[];
  },
): Promise<Result> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  apps[name] = dir;
  const dependencies: Record<string, string> = { ...spec.dependencies };
  for (const pkg of spec.packages) dependencies[`@tracelog/${pkg}`] = `file:${tarballs[pkg]}`;
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: `matrix-${name.toLowerCase()}`,
      version: '1.0.0',
      private: true,
      type: 'module',
      dependencies,
      devDependencies: spec.devDependencies ?? {},
    }),
  );
  for (const file of spec.files ?? []) copyFileSync(join(fixtures, file), join(dir, file));
  return run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    { cwd: dir, timeoutMs: 600_000 },
  );
}

beforeAll(async () => {
  timings.started = Date.now();
  work = mkdtempSync(join(tmpdir(), 'tracelog-install-'));
  mkdirSync(join(work, 'packs'));
  // One after the other: each prepack runs `tsc -b`, which also builds the referenced packages.
  for (const pkg of PUBLIC_PACKAGES) {
    const packed = ok(
      await run('pnpm', ['pack', '--json', '--pack-destination', join(work, 'packs')], {
        cwd: join(repo, 'packages', pkg),
      }),
      `pnpm pack of ${pkg}`,
    );
    // The lifecycle scripts print their command lines first; the JSON starts on a line of its own.
    const json = JSON.parse(packed.stdout.slice(packed.stdout.search(/^\{$/m))) as {
      filename: string;
    };
    tarballs[pkg] = json.filename;
  }
  timings.pack = Date.now() - timings.started;

  const installing = Date.now();
  const nodeApp = ['scenario.cjs', 'esm-register.mjs', 'esm-init.mjs', 'cjs-require.cjs'];
  const [plain, node, ts, tsQueue, web, oldApi, ...binaries] = await Promise.all([
    // What `npm install @tracelog/node` gives a user, measured below.
    createApp('plain', { packages: ['node', 'core'] }),
    createApp('node', {
      packages: ['node', 'core'],
      dependencies: {
        '@opentelemetry/api': VERSIONS.api,
        '@opentelemetry/sdk-trace': VERSIONS.sdkTrace,
        express: VERSIONS.express,
      },
      files: [...nodeApp, 'own-api.mjs', 'other-sdk.mjs'],
    }),
    createApp('ts', {
      packages: ['node', 'core'],
      devDependencies: { '@types/node': VERSIONS.typesNode, typescript: TYPESCRIPT_5 },
      files: ['app.ts'],
    }),
    createApp('tsQueue', {
      packages: ['node', 'core', 'queue-instrumentation'],
      devDependencies: { '@types/node': VERSIONS.typesNode },
      files: ['app.ts', 'app-queue.ts'],
    }),
    createApp('web', {
      packages: ['browser', 'core'],
      dependencies: { react: VERSIONS.react, 'react-dom': VERSIONS.reactDom },
      files: ['browser-app.mjs'],
    }),
    createApp('oldApi', {
      packages: ['node', 'core'],
      dependencies: { '@opentelemetry/api': API_BELOW_RANGE },
    }),
    ...NODE_MAJORS.map((major) =>
      run(
        'bash',
        [join(repo, 'scripts/tools.sh'), '--node', major, 'node', '-p', 'process.execPath'],
        {
          cwd: repo,
          timeoutMs: 600_000,
        },
      ),
    ),
  ]);
  for (const [name, result] of Object.entries({ plain, node, ts, tsQueue, web }))
    ok(result!, `npm install in the ${name} app`);
  oldApiInstall = oldApi!;
  NODE_MAJORS.forEach((major, i) => {
    nodeBinaries[major] = ok(binaries[i]!, `Node ${major}`).stdout.trim();
  });
  timings.install = Date.now() - installing;
  await receiver.start();
}, 900_000);

afterAll(async () => {
  await receiver.stop();
  console.log(
    `install matrix: packing ${timings.pack} ms, npm installs ${timings.install} ms, ` +
      `whole file ${Date.now() - timings.started!} ms`,
  );
  rmSync(work, { recursive: true, force: true });
});

describe('packed tarballs', () => {
  it.each(PUBLIC_PACKAGES)('@tracelog/%s: manifest and files are what users install', (pkg) => {
    const { files } = tarballContents(tarballs[pkg]);
    const published = JSON.parse(files.get('package.json')!.toString()) as {
      engines: Record<string, string>;
      main: string;
      types: string;
      exports: Record<string, { types: string; default: string }>;
      typesVersions?: Record<string, Record<string, string[]>>;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      sideEffects?: boolean;
    };
    // pnpm rewrote every workspace: range to a real version.
    expect(files.get('package.json')!.toString()).not.toContain('workspace:');
    expect(published.engines.node).toBe(manifest('.').engines!.node);
    // The licence and the README travel with the code.
    expect(files.get('LICENSE')).toEqual(readFileSync(join(repo, 'LICENSE')));
    expect(files.has('README.md')).toBe(true);
    // Every entry point, for each resolution mode, points at a file in the tarball.
    const targets = [
      published.main,
      published.types,
      ...Object.values(published.exports).flatMap((entry) => [entry.types, entry.default]),
      ...Object.values(published.typesVersions?.['*'] ?? {}).flat(),
    ];
    for (const target of targets) expect(files.has(target.replace(/^\.\//, ''))).toBe(true);
    if (pkg !== 'browser') {
      expect(published.dependencies?.['@opentelemetry/api']).toBeUndefined();
      expect(published.peerDependencies?.['@opentelemetry/api']).toBe('>=1.10.0 <1.11.0');
    } else {
      expect(published.sideEffects).toBe(false);
    }
  });

  it('npm refuses an app pinned to an @opentelemetry/api below the peer range, naming it', () => {
    expect(oldApiInstall.code).not.toBe(0);
    expect(oldApiInstall.stderr).toContain('ERESOLVE');
    expect(oldApiInstall.stderr).toContain(
      'peer @opentelemetry/api@">=1.10.0 <1.11.0" from @tracelog/node',
    );
  });
});

describe('what an npm user installs', () => {
  it('one copy of each @opentelemetry package, but for the base instrumentation-http pins', async () => {
    // Counted by the workspace's own duplicate check, run on the npm user's node_modules.
    const counted = ok(
      await run(
        process.execPath,
        [join(repo, 'scripts/check-otel-copies.mjs'), join(apps.plain, 'node_modules'), '--json'],
        { cwd: repo },
      ),
      'check-otel-copies',
    );
    const copies = new Map(Object.entries(JSON.parse(counted.stdout) as Record<string, string[]>));
    const bytes = await folderBytes(join(apps.plain, 'node_modules'));
    const summary = [...copies].map(([name, versions]) => `${name} ×${versions.length}`);
    console.log(
      `npm install @tracelog/node: ${(bytes / 1024 / 1024).toFixed(1)} MiB in node_modules; ${summary.join(', ')}`,
    );
    for (const [name, versions] of copies) {
      // The contrib instrumentations ask for @opentelemetry/instrumentation ^0.300.0, and so do we
      // (0.300.0 and 0.301.0 differ only in their version field): one copy serves them all. Only
      // instrumentation-http pins 0.301.0 exactly and keeps a copy of its own.
      if (name === '@opentelemetry/instrumentation') {
        expect(versions.length).toBeLessThanOrEqual(2);
      } else {
        expect([name, versions.length]).toEqual([name, 1]);
      }
    }
    expect(copies.get('@opentelemetry/api')).toEqual([VERSIONS.api]);
  });
});

const TS_MODES = {
  node16: { module: 'node16', moduleResolution: 'node16' },
  bundler: { module: 'preserve', moduleResolution: 'bundler' },
  // TypeScript 6 deprecates `node` (node10); it still compiles with ignoreDeprecations.
  node: { module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' },
} as const;
type TsMode = keyof typeof TS_MODES;

/** Compiles the app's TypeScript with one resolution mode into `out-<label>/`, runnable by Node. */
async function compile(app: string, label: string, files: string[], mode: TsMode, ts5: boolean) {
  const tsc = ts5
    ? join(app, 'node_modules/typescript/bin/tsc')
    : join(repo, 'node_modules/typescript/bin/tsc');
  const { ignoreDeprecations, ...options } = TS_MODES[mode] as {
    module: string;
    moduleResolution: string;
    ignoreDeprecations?: string;
  };
  const compilerOptions = {
    ...options,
    // TypeScript 5 only understands its own deprecation level.
    ...(ignoreDeprecations && !ts5 ? { ignoreDeprecations } : {}),
    target: 'es2022',
    strict: true,
    skipLibCheck: false,
    // winston's own types (our Logger type builds on them) need default-import interop, as
    // `tsc --init` and TypeScript 6 set it.
    esModuleInterop: true,
    types: ['node'],
    outDir: `out-${label}`,
  };
  writeFileSync(join(app, `tsconfig.${label}.json`), JSON.stringify({ compilerOptions, files }));
  const result = await run(process.execPath, [tsc, '-p', `tsconfig.${label}.json`], { cwd: app });
  // A CommonJS build inside this "type": "module" app.
  if (options.module === 'commonjs')
    writeFileSync(join(app, `out-${label}`, 'package.json'), '{"type":"commonjs"}');
  return result;
}

/** Each TypeScript build: the app, its install, the compiler, and the entry it runs. */
const TS_BUILDS: Array<{ label: string; app: 'ts' | 'tsQueue'; mode: TsMode; ts5?: true }> = [
  { label: 'node16', app: 'ts', mode: 'node16' },
  { label: 'bundler', app: 'ts', mode: 'bundler' },
  { label: 'node', app: 'ts', mode: 'node' },
  { label: 'node-ts5', app: 'ts', mode: 'node', ts5: true },
  { label: 'node16', app: 'tsQueue', mode: 'node16' },
  { label: 'bundler', app: 'tsQueue', mode: 'bundler' },
  { label: 'node', app: 'tsQueue', mode: 'node' },
];

describe('TypeScript, skipLibCheck false', () => {
  it.each(TS_BUILDS)(
    'moduleResolution $mode ($label), $app app: compiles',
    async ({ label, app, mode, ts5 }) => {
      const dir = apps[app];
      const files = app === 'tsQueue' ? ['app.ts', 'app-queue.ts'] : ['app.ts'];
      const result = await compile(dir, label, files, mode, ts5 === true);
      expect(result.stdout + result.stderr).toBe('');
      expect(result.code).toBe(0);
    },
  );
});

/** What one app run exported, once the process has ended (it flushes before it exits). */
function exported(service: string): { spans: ReceivedSpan[]; logs: ReceivedLog[] } {
  return {
    spans: receiver.spans.filter((s) => s.service === service),
    logs: receiver.logs.filter((l) => l.service === service),
  };
}

let runs = 0;
/** Runs one app to its natural end with a service name of its own; returns it and its output. */
async function runApp(major: string, app: string, args: string[]) {
  const service = `matrix-${++runs}`;
  const result = await run(nodeBinaries[major as (typeof NODE_MAJORS)[number]], args, {
    cwd: app,
    env: {
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      TRACELOG_CONSOLE: 'false',
    },
  });
  return { service, ...ok(result, `${args.join(' ')} on Node ${major}`) };
}

/**
 * The request scenario's telemetry: server and client spans in one trace with the handler's log
 * record, all under the app's resource; with `route`, the server span carries Express's route;
 * with `ownApi`, the app's own span and API log record are in the same trace, under our resource.
 */
function expectRequestTelemetry(
  service: string,
  expected: { route: boolean; ownApi: boolean },
): void {
  const { spans, logs } = exported(service);
  const server = spans.find((s) => s.kind === SPAN_KIND.SERVER);
  const client = spans.find((s) => s.kind === SPAN_KIND.CLIENT);
  expect(server, `server span of ${service}`).toBeDefined();
  expect(client?.traceId).toBe(server!.traceId);
  expect(server!.attributes['http.route']).toBe(expected.route ? '/orders/:id' : undefined);
  const record = logs.find((l) => l.body === 'order received');
  expect(record?.traceId).toBe(server!.traceId);
  expect(record?.scope).toBe('matrix.app');
  for (const item of [...spans, ...logs]) {
    expect(item.resource['telemetry.distro.name']).toBe('tracelog');
  }
  const own = spans.find((s) => s.name === 'checkout');
  const ownRecord = logs.find((l) => l.body === 'checkout started');
  if (expected.ownApi) {
    expect(own?.kind).toBe(SPAN_KIND.INTERNAL);
    expect(own?.scope).toBe('matrix.shop');
    expect(own?.traceId).toBe(server!.traceId);
    expect(client?.parentSpanId).toBe(own?.spanId);
    expect(ownRecord?.traceId).toBe(server!.traceId);
    expect(ownRecord?.spanId).toBe(own?.spanId);
  } else {
    expect(own).toBeUndefined();
  }
}

const diagnostics = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('tracelog:'));

describe.each(NODE_MAJORS)('Node %s', (major) => {
  it('is the Node major it claims to be', async () => {
    const { stdout } = ok(
      await run(nodeBinaries[major], ['-p', 'process.versions.node'], { cwd: work }),
      'node',
    );
    expect(stdout.split('.')[0]).toBe(major);
  });

  it('ESM with --import @tracelog/node/register: Express imported as ESM gets its routes', async () => {
    const app = await runApp(major, apps.node, [
      '--import',
      '@tracelog/node/register',
      'esm-register.mjs',
    ]);
    expect(diagnostics(app.stderr)).toEqual([]);
    expectRequestTelemetry(app.service, { route: true, ownApi: false });
  });

  it('ESM calling init()', async () => {
    const app = await runApp(major, apps.node, ['esm-init.mjs']);
    expect(diagnostics(app.stderr)).toEqual([]);
    expectRequestTelemetry(app.service, { route: false, ownApi: false });
  });

  it("CommonJS with require(): Express routes, and the app's own API through its CommonJS build", async () => {
    const app = await runApp(major, apps.node, ['cjs-require.cjs']);
    expect(diagnostics(app.stderr)).toEqual([]);
    expectRequestTelemetry(app.service, { route: true, ownApi: true });
  });

  it(`own @opentelemetry/api ${VERSIONS.api}: the app's spans and log records join our traces`, async () => {
    const app = await runApp(major, apps.node, ['own-api.mjs']);
    expect(diagnostics(app.stderr)).toEqual([]);
    expectRequestTelemetry(app.service, { route: false, ownApi: true });
  });

  it('another SDK registered first: one message, nothing installed, the other SDK unaffected', async () => {
    const app = await runApp(major, apps.node, ['other-sdk.mjs']);
    expect(diagnostics(app.stderr)).toEqual([
      expect.stringContaining(
        'another OpenTelemetry SDK registered the global trace before init(), so tracelog did not start',
      ),
    ]);
    const report = JSON.parse(app.stdout.trim()) as {
      destination: string;
      otherSdkSpans: string[];
    };
    // Only the app's own span reached the other SDK: none of our instrumentation ran.
    expect(report.otherSdkSpans).toEqual(['checkout']);
    expect(report.destination).toContain('another OpenTelemetry SDK registered trace first');
    expect(exported(app.service)).toEqual({ spans: [], logs: [] });
  });

  describe('bundled with esbuild (CommonJS, platform node)', () => {
    const bundle = async (outfile: string, external: string[]) => {
      const options: BuildOptions = {
        entryPoints: [join(apps.node, 'cjs-require.cjs')],
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: join(apps.node, outfile),
        external,
        logLevel: 'silent',
      };
      const result = await build(options);
      expect(result.errors).toEqual([]);
    };

    it('Express inlined: init() says which instrumentations the bundle bypasses and how to keep them', async () => {
      await bundle('dist/inlined.cjs', []);
      const app = await runApp(major, apps.node, ['dist/inlined.cjs']);
      const [message, ...rest] = diagnostics(app.stderr);
      expect(rest).toEqual([]);
      expect(message).toContain('this process runs from a bundle');
      expect(message).toContain('--external:express');
      expect(message).toContain('HTTP, fetch, Fastify and runtime metrics work either way');
      // HTTP spans and correlation still work; the inlined Express is not instrumented.
      expectRequestTelemetry(app.service, { route: false, ownApi: true });
    });

    it('Express kept external, as the message says: its routes are back', async () => {
      await bundle('dist/external.cjs', ['express']);
      const app = await runApp(major, apps.node, ['dist/external.cjs']);
      expectRequestTelemetry(app.service, { route: true, ownApi: true });
    });
  });

  it.each(TS_BUILDS)(
    'TypeScript, moduleResolution $mode ($label), $app app: runs',
    async ({ label, app }) => {
      const entry = app === 'tsQueue' ? 'app-queue.js' : 'app.js';
      const { service } = await runApp(major, apps[app], [join(`out-${label}`, entry)]);
      const { spans, logs } = exported(service);
      const task = spans.find((s) => s.kind === SPAN_KIND.INTERNAL && s.name.startsWith('task '));
      expect(task).toBeDefined();
      const settled = logs.find((l) => l.body === 'order settled');
      expect(settled?.traceId).toBe(task!.traceId);
      if (app === 'tsQueue') {
        // The job ran with the context captured inside the task.
        const job = spans.find((s) => s.kind === SPAN_KIND.CONSUMER);
        expect(job?.traceId).toBe(task!.traceId);
        expect(logs.filter((l) => l.eventName?.startsWith('job.')).map((l) => l.eventName)).toEqual(
          ['job.started', 'job.succeeded'],
        );
      }
    },
  );
});

describe('browser: a React app built with esbuild from the packed packages', () => {
  // The same settings as the size recipe (packages/test-utils/src/bundle-size.ts), applied to the
  // installed packages instead of the workspace sources.
  const recipe = (entry: string) =>
    build({
      entryPoints: [entry],
      absWorkingDir: apps.web,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2020',
      write: false,
      metafile: true,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
    });

  it('builds with the React entry, and no Node builtin reaches the bundle', async () => {
    const result = await recipe(join(apps.web, 'browser-app.mjs'));
    const bundled = Object.entries(Object.values(result.metafile.outputs)[0]!.inputs).filter(
      ([, { bytesInOutput }]) => bytesInOutput > 0,
    );
    const from = (prefix: string) => bundled.filter(([input]) => input.startsWith(prefix));
    expect(from('node_modules/@tracelog/browser/dist/react.js')).toHaveLength(1);
    expect(from('node:')).toEqual([]);
    // @opentelemetry/api is installed as @tracelog/core's peer, but none of it is bundled.
    expect(from('node_modules/@opentelemetry/')).toEqual([]);
    const ours = from('node_modules/@tracelog/').reduce(
      (sum, [, { bytesInOutput }]) => sum + bytesInOutput,
      0,
    );
    console.log(
      `React app: ${(result.outputFiles[0]!.contents.length / 1024).toFixed(1)} KiB minified, ` +
        `${(ours / 1024).toFixed(1)} KiB of it from @tracelog/browser and @tracelog/core`,
    );
  });

  it('the SDK entry, from the tarball, stays within the size budget', async () => {
    const entry = join(apps.web, 'sdk-entry.mjs');
    writeFileSync(entry, "export { initBrowser } from '@tracelog/browser';\n");
    const result = await recipe(entry);
    const gzipped = gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length;
    expect(gzipped).toBeGreaterThan(1_000);
    expect(gzipped).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
  });
});
