import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '@tracelog/test-utils';

// These run the built package in real child processes, as an app would (npm test builds first).
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const receiver = new OtlpReceiver();
const work = mkdtempSync(join(tmpdir(), 'tracelog-process-'));

beforeAll(async () => {
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  rmSync(work, { recursive: true, force: true });
});

function run(
  args: string[],
  env: Record<string, string>,
  cwd = fixtures,
): { child: ChildProcess; line: Promise<string>; stderr: () => string } {
  const child = spawn(process.execPath, args, {
    cwd,
    env: {
      ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      TRACELOG_CONSOLE: 'off',
      TRACELOG_SPOOL_DIR: join(work, 'spool'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
    process.stderr.write(chunk);
  });
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(out.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}`)));
  });
  return { child, line, stderr: () => errors };
}

const exit = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

describe.each([
  ['ESM', 'server.mjs', 'fixture.esm'],
  ['CommonJS', 'server.cjs', 'fixture.cjs'],
])('--import @tracelog/node/register in a %s app', (_kind, file, scope) => {
  it('traces incoming requests and correlates the handler log with the server span', async () => {
    const marker = `register-${file}`;
    const { child, line, stderr } = run(['--import', '@tracelog/node/register', file], {
      OTEL_SERVICE_NAME: `svc-${file.replace('.', '-')}`,
      MARKER: marker,
    });
    const port = Number(await line);
    const response = await fetch(`http://127.0.0.1:${port}/orders`);
    const correlationId = response.headers.get('traceresponse')?.split('-')[1];
    expect(correlationId).toMatch(/^[0-9a-f]{32}$/);
    const exited = exit(child);
    child.kill('SIGTERM');
    const { signal } = await exited;
    expect(signal).toBe('SIGTERM'); // re-raised after the flush: the process ends as it would have
    await receiver.waitFor(() => receiver.logs.some((l) => l.attributes.marker === marker));
    const log = receiver.logs.find((l) => l.attributes.marker === marker)!;
    expect(log.scope).toBe(scope);
    expect(log.traceId).toBe(correlationId);
    await receiver.waitFor(() =>
      receiver.spans.some((s) => s.traceId === correlationId && s.kind === 2),
    );
    // The loader hook wraps only what it must: nothing it cannot wrap (BullMQ's ESM build, which
    // the queue instrumentation loads) is reported to the app's stderr.
    expect(stderr()).not.toContain('failed to wrap');
  });
});

describe('SIGTERM', () => {
  it('flushes every buffered record before the process exits', async () => {
    const count = 3000;
    const { child, line } = run(['burst-then-signal.mjs'], { COUNT: String(count) });
    expect(await line).toBe('ready');
    const exited = exit(child);
    child.kill('SIGTERM');
    const { signal } = await exited;
    expect(signal).toBe('SIGTERM');
    // Everything was sent before the process ended: no waiting after exit.
    const seqs = new Set(
      receiver.logs.filter((l) => l.scope === 'fixture.signal').map((l) => l.attributes.seq),
    );
    expect(seqs.size).toBe(count);
  });
});

/** Runs a fixture to its natural end and returns its stderr. */
async function runToEnd(args: string[], env: Record<string, string>): Promise<string> {
  const { child, line, stderr } = run(args, env);
  line.catch(() => undefined); // these fixtures print nothing
  const { code } = await exit(child);
  expect(code).toBe(0);
  return stderr();
}

describe('OTEL_* variables', () => {
  it('OTEL_SDK_DISABLED=true patches nothing and sends nothing', async () => {
    const marker = `disabled-${Date.now()}`;
    const before = receiver.requests.length;
    const { child, line, stderr } = run(['--import', '@tracelog/node/register', 'server.mjs'], {
      OTEL_SDK_DISABLED: 'true',
      MARKER: marker,
    });
    const port = Number(await line);
    const response = await fetch(`http://127.0.0.1:${port}/orders`);
    expect(response.headers.get('traceresponse')).toBeNull(); // node:http was not patched
    const exited = exit(child);
    child.kill('SIGTERM');
    await exited;
    expect(receiver.requests.length).toBe(before);
    expect(stderr()).toContain('OTEL_SDK_DISABLED');
  });

  it('an unsampled trace exports no span, and its logs still carry the trace id', async () => {
    const marker = `unsampled-${Date.now()}`;
    await runToEnd(['one-span.mjs'], { OTEL_TRACES_SAMPLER: 'always_off', MARKER: marker });
    const log = receiver.logs.find((l) => l.attributes.marker === marker);
    expect(log?.traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
    expect(receiver.spans.some((s) => s.traceId === log!.traceId)).toBe(false);
  });

  it('parentbased_traceidratio with ratio 1 keeps the trace; a bad ratio is reported', async () => {
    const marker = `ratio-${Date.now()}`;
    const stderr = await runToEnd(['one-span.mjs'], {
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '1.5',
      MARKER: marker,
    });
    expect(stderr).toContain('OTEL_TRACES_SAMPLER_ARG=1.5 must be a ratio from 0 to 1; using 1');
    const log = receiver.logs.find((l) => l.attributes.marker === marker);
    expect(receiver.spans.some((s) => s.traceId === log?.traceId && s.name === 'work')).toBe(true);
  });

  it('per-signal endpoints without a base endpoint send to the collector, not the local file', async () => {
    const marker = `per-signal-${Date.now()}`;
    const cwd = join(work, marker);
    mkdirSync(cwd);
    const { child, line } = run(
      [join(fixtures, 'one-span.mjs')],
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: '',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: `${receiver.url}/v1/logs`,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
        MARKER: marker,
      },
      cwd,
    );
    line.catch(() => undefined);
    expect((await exit(child)).code).toBe(0);
    const log = receiver.logs.find((l) => l.attributes.marker === marker);
    expect(receiver.spans.some((s) => s.traceId === log?.traceId)).toBe(true);
    expect(existsSync(join(cwd, '.tracelog'))).toBe(false);
  });

  it('OTEL_PROPAGATORS=none sends no trace context; unknown names are reported', async () => {
    const seen: Array<string | undefined> = [];
    const callee = createServer((req, res) => {
      seen.push(req.headers.traceparent as string | undefined);
      res.end('ok');
    });
    await new Promise<void>((resolve) => callee.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(callee.address() as AddressInfo).port}/`;
    try {
      await runToEnd(['one-span.mjs'], { OTEL_PROPAGATORS: 'none', CALL_URL: url });
      const stderr = await runToEnd(['one-span.mjs'], {
        OTEL_PROPAGATORS: 'b3,tracecontext',
        CALL_URL: url,
      });
      expect(stderr).toContain('OTEL_PROPAGATORS: b3 is not supported');
      expect(seen[0]).toBeUndefined();
      expect(seen[1]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    } finally {
      callee.close();
    }
  });
});

describe("service identity from the app's package.json", () => {
  it('an app started with --import and no service name reports the name and version of its package.json, and says where they came from', async () => {
    const marker = `identity-${Date.now()}`;
    const app = join(work, 'settlement-api');
    mkdirSync(join(app, 'node_modules', '@tracelog'), { recursive: true });
    mkdirSync(join(app, 'src'));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'settlement-api', version: '3.1.0', type: 'module' }),
    );
    // The app installs @tracelog/node as a dependency; here, the package under test.
    symlinkSync(
      new URL('../', import.meta.url).pathname,
      join(app, 'node_modules', '@tracelog', 'node'),
    );
    writeFileSync(
      join(app, 'src', 'main.js'),
      "import { getLogger } from '@tracelog/node';\n" +
        "getLogger('settlement').info('settled', { marker: process.env.MARKER });\n",
    );
    // Started as `node --import @tracelog/node/register src/main.js`, not through npm, so no
    // npm_package_* variables name it either.
    const env: Record<string, string | undefined> = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
    delete env.OTEL_SERVICE_NAME;
    delete env.OTEL_RESOURCE_ATTRIBUTES;
    const child = spawn(
      process.execPath,
      ['--import', '@tracelog/node/register', join('src', 'main.js')],
      {
        cwd: app,
        env: {
          ...env,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          TRACELOG_CONSOLE: 'off',
          TRACELOG_SPOOL: 'off',
          MARKER: marker,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect((await exit(child)).code).toBe(0);
    expect(stderr.split('\n')).toContain(
      `tracelog: service.name "settlement-api" from ${join(app, 'package.json')}`,
    );
    await receiver.waitFor(
      () => receiver.logs.some((l) => l.attributes.marker === marker),
      'the app’s record',
    );
    const record = receiver.logs.find((l) => l.attributes.marker === marker)!;
    expect(record.resource).toMatchObject({
      'service.name': 'settlement-api',
      'service.version': '3.1.0',
    });
  });
});
