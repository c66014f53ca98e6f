import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '@tracelog/test-utils';
import { startSilentCollector, until } from '../support/silent-collector.js';

// The standard OTEL_* variables the Node SDK's README says it honours, in real child processes
// started as users start them: OTEL_LOG_LEVEL (what OpenTelemetry's own diagnostics write on
// stderr), OTEL_EXPORTER_OTLP_HEADERS (on every export request) and OTEL_EXPORTER_OTLP_TIMEOUT
// with its per-signal forms (when a request nobody answers is abandoned).
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-otel-env-'));
const running = new Set<ChildProcess>();
const SIGNALS = ['logs', 'traces', 'metrics'] as const;
type Signal = (typeof SIGNALS)[number];

/** Far below the 10 s default, far above the 200 ms under test: a loaded machine still passes. */
const ABANDONED_WITHIN_MS = 5000;

afterEach(async () => {
  await Promise.all([...running].map(stop));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let runCounter = 0;
/** The environment every child gets: its own file and spool, nothing on the console. */
function baseEnv(): NodeJS.ProcessEnv {
  const run = `run-${runCounter++}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OTEL_SERVICE_NAME: `otel-env-${run}`,
    TRACELOG_CONSOLE: 'off',
    TRACELOG_FILE: join(work, run, 'telemetry.jsonl'),
    TRACELOG_SPOOL_DIR: join(work, run, 'spool'),
  };
  // Whatever the shell running the tests says must not decide the case.
  for (const name of Object.keys(env)) if (name.startsWith('OTEL_EXPORTER_')) delete env[name];
  delete env.OTEL_LOG_LEVEL;
  return env;
}

interface Started {
  child: ChildProcess;
  stderr: () => string;
}

/** Spawns `args` in the fixtures folder, keeping its stderr; resolves when it prints `ready`. */
function start(args: string[], env: NodeJS.ProcessEnv, ready?: string): Promise<Started> {
  const child = spawn(process.execPath, args, { cwd: fixtures, env, stdio: 'pipe' });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const started = { child, stderr: () => err };
  if (!ready) return Promise.resolve(started);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`${ready}\n`)) resolve(started);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${err}`)));
  });
}

/** SIGTERM (the SDK flushes, then the process ends) and waits for the exit. */
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

describe('OTEL_LOG_LEVEL: OpenTelemetry diagnostics on stderr', () => {
  const PROBES = ['error', 'warn', 'info', 'debug', 'verbose'] as const;

  /** Runs the diagnostics probe with OTEL_LOG_LEVEL set to `level` (unset: undefined). */
  async function diagnostics(level: string | undefined) {
    const env = baseEnv();
    if (level !== undefined) env.OTEL_LOG_LEVEL = level;
    const { child, stderr } = await start(['diag-probe.mjs'], env);
    await exited(child);
    expect(child.exitCode).toBe(0);
    const text = stderr();
    return {
      text,
      probes: PROBES.filter((p) => text.includes(`tracelog: OpenTelemetry: probe at ${p}\n`)),
      // A real warning of the metrics SDK, and a real debug message of the API.
      metricsSdkWarning: text.includes(
        'OpenTelemetry: Invalid metric name: "1 is not a metric name"',
      ),
      apiDebug: text.includes('OpenTelemetry: @opentelemetry/api: Registered a global for trace'),
      // A component logger's whole call, not only its namespace.
      componentWarning: text.includes('OpenTelemetry: probe-component component says more\n'),
    };
  }

  it.each([
    ['none', [], false, false],
    ['error', ['error'], false, false],
    ['warn', ['error', 'warn'], true, false],
    ['info', ['error', 'warn', 'info'], true, false],
    ['debug', ['error', 'warn', 'info', 'debug'], true, true],
    ['verbose', [...PROBES], true, true],
    ['all', [...PROBES], true, true],
    ['DEBUG', ['error', 'warn', 'info', 'debug'], true, true],
  ])(
    '%s: the messages at that level and above, no others',
    async (level, shown, sdkWarn, debug) => {
      const seen = await diagnostics(level);
      expect(seen.probes).toEqual(shown);
      expect(seen.metricsSdkWarning).toBe(sdkWarn);
      expect(seen.apiDebug).toBe(debug);
      expect(seen.componentWarning).toBe(sdkWarn);
      // The metric reader's timeout fits its interval, so it has nothing to clamp or say.
      expect(seen.text).not.toContain('exceeds the interval');
      if (level === 'none') expect(seen.text).not.toContain('OpenTelemetry:');
    },
  );

  it('unset: warn, the default', async () => {
    const seen = await diagnostics(undefined);
    expect(seen.probes).toEqual(['error', 'warn']);
    expect(seen.metricsSdkWarning).toBe(true);
  });

  it('a value that is no level: said once on stderr, and warn is used', async () => {
    const seen = await diagnostics('chatty');
    expect(seen.text.match(/OTEL_LOG_LEVEL=chatty is not one of/g)).toHaveLength(1);
    expect(seen.probes).toEqual(['error', 'warn']);
  });
});

describe('OTEL_EXPORTER_OTLP_HEADERS: on every export request', () => {
  it('each signal’s requests carry the headers, percent-decoded', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const env = {
        ...baseEnv(),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20desk-7-key, x-tenant = desk%2Fnorth',
        OTEL_METRIC_EXPORT_INTERVAL: '300',
      };
      const { child } = await start(
        ['--import', '@tracelog/node/register', 'export-probe.mjs'],
        env,
        'ready',
      );
      const requestsTo = (signal: Signal) =>
        receiver.requests.filter((r) => r.path === `/v1/${signal}`);
      await receiver.waitFor(
        () => SIGNALS.every((s) => requestsTo(s).length > 0),
        'a request of each signal',
        20_000,
      );
      await stop(child);
      for (const signal of SIGNALS) {
        for (const request of requestsTo(signal)) {
          expect(request.headers.authorization, signal).toBe('Bearer desk-7-key');
          expect(request.headers['x-tenant'], signal).toBe('desk/north');
        }
      }
    } finally {
      await receiver.stop();
    }
  });
});

describe('OTEL_EXPORTER_OTLP_TIMEOUT and the per-signal timeouts', () => {
  /**
   * Starts the probe service against a collector that never answers, with `timeouts` set; waits
   * until each signal has sent a request and the `abandoned` ones were closed by the SDK (each
   * well before the 10 s default would have); returns which signals' first requests are still
   * held open at that moment, and the SDK's stderr.
   */
  async function whileHeld(timeouts: Record<string, string>, abandoned: Signal[]) {
    const collector = await startSilentCollector();
    try {
      const env = {
        ...baseEnv(),
        ...timeouts,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_METRIC_EXPORT_INTERVAL: '300',
      };
      const { child, stderr } = await start(
        ['--import', '@tracelog/node/register', 'export-probe.mjs'],
        env,
        'ready',
      );
      const first = (signal: Signal) => collector.held.find((r) => r.signal === signal);
      await until(() => SIGNALS.every((s) => first(s)), 'a request of each signal');
      await until(
        () => abandoned.every((s) => first(s)!.closedAt !== undefined),
        `the SDK to abandon ${abandoned.join(', ')}`,
      );
      const stillOpen = SIGNALS.filter((s) => first(s)!.closedAt === undefined);
      for (const signal of abandoned) {
        const { arrivedAt, closedAt } = first(signal)!;
        expect(closedAt! - arrivedAt, signal).toBeLessThan(ABANDONED_WITHIN_MS);
      }
      // The SDK says why: the failure names the signal and the timeout.
      await until(
        () => abandoned.every((s) => stderr().includes(`cannot export ${s} to ${collector.url}`)),
        'the SDK to report the abandoned exports',
      );
      child.kill('SIGKILL');
      return { stillOpen, stderr: stderr() };
    } finally {
      await collector.close();
    }
  }

  it('OTEL_EXPORTER_OTLP_TIMEOUT=200: every signal’s request is abandoned, and said why', async () => {
    const { stillOpen, stderr } = await whileHeld({ OTEL_EXPORTER_OTLP_TIMEOUT: '200' }, [
      ...SIGNALS,
    ]);
    expect(stillOpen).toEqual([]);
    for (const signal of SIGNALS)
      expect(stderr).toMatch(
        new RegExp(`cannot export ${signal} to \\S+ \\(no answer within 200 ms\\)`),
      );
  });

  it('a per-signal timeout wins over OTEL_EXPORTER_OTLP_TIMEOUT', async () => {
    const { stillOpen } = await whileHeld(
      { OTEL_EXPORTER_OTLP_TIMEOUT: '200', OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '60000' },
      ['logs', 'metrics'],
    );
    expect(stillOpen).toEqual(['traces']);
  });

  it.each(SIGNALS.map((signal) => [`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_TIMEOUT`, signal]))(
    '%s=200 alone: that signal is abandoned while the others, at the 10 s default, are still waiting',
    async (variable, signal) => {
      const { stillOpen, stderr } = await whileHeld({ [variable]: '200' }, [signal]);
      expect(stillOpen).toEqual(SIGNALS.filter((s) => s !== signal));
      expect(stderr).toContain(`(no answer within 200 ms)`);
    },
  );
});
