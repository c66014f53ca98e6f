import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A real, throwaway Redis for tests and benchmarks: Debian's redis-server, installed with apt-get
 * when missing, on a free loopback port with no persistence, ready when it answers PING.
 */
export async function startRedis(): Promise<RedisServer> {
  const bin = ensureRedis();
  const port = await freeLoopbackPort();
  const child = spawn(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 20_000;
  while (!(await ping(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function ensureRedis(): string {
  for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server'])
    if (existsSync(candidate)) return candidate;
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
      stdio: 'ignore',
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    throw new Error('redis-server is needed and could not be installed with apt-get', {
      cause: error,
    });
  }
  return '/usr/bin/redis-server';
}

/**
 * A free loopback port from below the ephemeral range. A port the kernel hands out for a
 * `listen(0)` or an outgoing connection can be taken by any process between this check and the
 * server's own listen (an alert test's page server once met EADDRINUSE so, while other test
 * files ran); the ports below the range are only ever taken on request. Falls back to port 0's
 * choice when no port down there is free.
 */
export async function freeLoopbackPort(): Promise<number> {
  const low = ephemeralLow();
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (low - LOWEST));
    if ((await listenOnce(port)) === port) return port;
  }
  return listenOnce(0);
}

const LOWEST = 10_000;

/** The first port of the kernel's ephemeral range (32768 when it cannot be read). */
function ephemeralLow(): number {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return low > LOWEST + 1000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** Listens on `port` and closes again: the port it got, or 0 when that one was taken. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(0));
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      server.close(() => resolve(bound));
    });
  });
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}
