import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Managed, freePort, waitFor, workDir } from './stack.js';

/**
 * Python services for the end-to-end tests: the examples in examples/python, run under upstream
 * OpenTelemetry Python (`opentelemetry-instrument`) and exporting OTLP/HTTP to the test's
 * collector, as docs/python.md tells users to run them.
 *
 * Their virtualenv is made on first use from examples/python/requirements.txt (every version
 * pinned) with PyPI as the only source, into ~/.cache/tracelog/python/<hash>/venv, outside the
 * repository. The hash covers the lock file and the interpreter, so a change to either makes a new
 * one. A lock file (flock) makes concurrent test runs wait for one build instead of racing.
 * The interpreter is `python3` (3.10 or newer), or the one TRACELOG_PYTHON names.
 */

const run = promisify(execFile);
const repo = new URL('../../', import.meta.url).pathname;
export const PYTHON_EXAMPLES = join(repo, 'examples/python');
const LOCK_FILE = join(PYTHON_EXAMPLES, 'requirements.txt');
/** Written last: a venv without it is a build that did not finish, and is made again. */
const COMPLETE = '.tracelog-complete';

const PYTHON = process.env.TRACELOG_PYTHON ?? 'python3';

let venvPromise: Promise<string> | undefined;

/** The cached virtualenv's directory (made on first use); its `bin/` holds the tools. */
export function pythonVenv(): Promise<string> {
  venvPromise ??= ensureVenv();
  return venvPromise;
}

async function ensureVenv(): Promise<string> {
  let version: string;
  try {
    version = execFileSync(PYTHON, ['-c', 'import sys; print(sys.version, sys.executable)'], {
      encoding: 'utf8',
    });
  } catch (error) {
    throw new Error(`the Python end-to-end tests need ${PYTHON} (3.10 or newer) on PATH`, {
      cause: error,
    });
  }
  const hash = createHash('sha256')
    .update(readFileSync(LOCK_FILE))
    .update(version)
    .digest('hex')
    .slice(0, 16);
  const home = join(homedir(), '.cache', 'tracelog', 'python', hash);
  const venv = join(home, 'venv');
  if (existsSync(join(venv, COMPLETE))) return venv;
  mkdirSync(home, { recursive: true });
  // Under the lock: check again (another run may have finished it meanwhile), else build afresh.
  const build = [
    'set -e',
    `[ -f "$VENV/${COMPLETE}" ] && exit 0`,
    'rm -rf "$VENV"',
    '"$PYTHON" -m venv "$VENV"',
    // --no-deps: the lock names every package; pip check proves the set is whole and consistent.
    '"$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-virtualenv -r "$LOCK"',
    '"$VENV/bin/pip" check --disable-pip-version-check',
    `touch "$VENV/${COMPLETE}"`,
  ].join('\n');
  try {
    await run('flock', [join(home, 'lock'), 'bash', '-c', build], {
      env: { ...process.env, VENV: venv, PYTHON, LOCK: LOCK_FILE },
      timeout: 1_200_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
    throw new Error(`could not make the Python environment in ${venv}:\n${stdout}${stderr}`, {
      cause: error,
    });
  }
  return venv;
}

export interface PythonServiceOptions {
  /** `service.name` of its telemetry. */
  service: string;
  /** The command `opentelemetry-instrument` runs (a tool of the venv, or `python` and a script). */
  command: string[];
  /** The collector's OTLP/HTTP base URL. */
  otlpEndpoint: string;
  /** When the service is ready: a URL that answers (any status), or a line of its output. */
  ready: { url: string } | { output: RegExp };
  env?: Record<string, string>;
}

/**
 * One Python service under `opentelemetry-instrument`, configured by environment variables only:
 * OTLP over HTTP for traces, logs and metrics, W3C trace context and baggage, stable HTTP
 * semantic conventions. Batches are sent every half second so the tests need not wait long.
 * `stop()` sends SIGINT, which every one of them (uvicorn, Django's runserver, Celery) takes as a
 * graceful shutdown, so the SDK flushes what it holds.
 */
export class PythonService extends Managed {
  private readonly dir = workDir('python');

  constructor(private readonly opts: PythonServiceOptions) {
    super();
  }

  async start(): Promise<this> {
    const venv = await pythonVenv();
    const bin = join(venv, 'bin');
    this.launch(
      join(bin, 'opentelemetry-instrument'),
      this.opts.command,
      {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        VIRTUAL_ENV: venv,
        PYTHONPATH: PYTHON_EXAMPLES,
        PYTHONUNBUFFERED: '1',
        // No __pycache__ folders in the repository.
        PYTHONDONTWRITEBYTECODE: '1',
        OTEL_SERVICE_NAME: this.opts.service,
        OTEL_EXPORTER_OTLP_ENDPOINT: this.opts.otlpEndpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_LOGS_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_PROPAGATORS: 'tracecontext,baggage',
        OTEL_SEMCONV_STABILITY_OPT_IN: 'http',
        OTEL_BSP_SCHEDULE_DELAY: '500',
        OTEL_BLRP_SCHEDULE_DELAY: '500',
        OTEL_METRIC_EXPORT_INTERVAL: '5000',
        LOG_LEVEL: 'INFO',
        ...this.opts.env,
      },
      join(this.dir, `${this.opts.service}.log`),
    );
    const { ready } = this.opts;
    await this.readying(() =>
      waitFor(
        async () => {
          if (this.pid === undefined)
            throw new Error(`${this.opts.service} exited:\n${this.output.join('')}`);
          if ('url' in ready) return (await fetch(ready.url)).status > 0;
          return ready.output.test(this.output.join(''));
        },
        120_000,
        `${this.opts.service} to start`,
      ).then(() => undefined),
    );
    return this;
  }

  override stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    return super.stop(signal);
  }
}

/** A free port and the loopback URL on it, for a service to listen on. */
export async function loopbackAddress(): Promise<{ port: number; url: string }> {
  const port = await freePort();
  return { port, url: `http://127.0.0.1:${port}` };
}
