// Child processes for the benchmark runners: each peer prints one JSON line when it is ready or
// done, then runs until it exits or is stopped; and the Redis the queue peers share.
import { execFileSync, spawn } from 'node:child_process';

const here = new URL('.', import.meta.url).pathname;

/** Starts `node <args>` in bench/; `firstLine` is the JSON the process prints first. */
export function start(args, env = {}) {
  const child = spawn(process.execPath, args, {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve(JSON.parse(buffer.slice(0, newline)));
    });
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
  return { child, firstLine };
}

export const stop = (child) =>
  new Promise((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });

// The benchmarks' Redis is the tests' one (installed with apt-get when missing), and their free
// ports: from below the ephemeral range, so one held free for a minute is not taken meanwhile.
export { freeLoopbackPort, startRedis } from '../packages/test-utils/dist/index.js';

/**
 * The peers in the order round `round` runs them: each starts the rounds in turn, so none always
 * runs first, or right after the same neighbour, on a machine whose speed drifts.
 */
export const rotated = (peers, round) => peers.map((_, i) => peers[(i + round) % peers.length]);

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `node <script>` in bench/ to its end and returns the JSON lines it printed. */
export function jsonLines(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      cwd: here,
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('exit', (code) =>
      code === 0
        ? resolve(
            out
              .trim()
              .split('\n')
              .filter((line) => line.startsWith('{'))
              .map((line) => JSON.parse(line)),
          )
        : reject(new Error(`${script} exited with ${code}`)),
    );
  });
}

/**
 * The stack's binaries and configuration files, as `collector/scripts/stack.sh <command>` prints
 * them (building what is missing first): `bench-env` or `cluster-env`.
 */
export function stackEnv(command) {
  const script = new URL('../collector/scripts/stack.sh', import.meta.url).pathname;
  return Object.fromEntries(
    execFileSync('bash', [script, command], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .split('\n')
      .map((line) => /^([A-Z_]+)=(.*)$/.exec(line))
      .filter(Boolean)
      .map(([, key, value]) => [key, value.replace(/^'(.*)'$/, '$1')]),
  );
}

/** Starts a binary with no output kept; `stop()` ends it (SIGTERM, then SIGKILL after 30 s). */
export function launch(command, args, env = {}) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(30_000)]);
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `probe` until it gives a truthy value (returned), or fails after `timeoutMs`. */
export async function until(probe, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** How many records a VictoriaLogs holds. */
export async function storedRecords(url) {
  const response = await fetch(`${url}/select/logsql/query`, {
    method: 'POST',
    body: new URLSearchParams({ query: '* | stats count() as n' }),
  });
  return Number(JSON.parse((await response.text()).trim() || '{"n":0}').n);
}
