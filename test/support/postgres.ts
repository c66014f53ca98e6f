import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './stack.js';

export interface Postgres {
  /** Connection string for `pg` (`new pg.Client({ connectionString: url })`). */
  url: string;
  port: number;
  database: string;
  user: string;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

const DATABASE = 'tracelog';
const USER = 'postgres';

/**
 * A real PostgreSQL for the tests: Debian's server, installed when missing, with a fresh data
 * directory from `initdb` in a temporary folder, on a free loopback port, fsync off, local trust
 * authentication and one database. PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` user the Debian package creates. `stop()` stops it and removes its data.
 */
export async function startPostgres(): Promise<Postgres> {
  const bin = ensurePostgres();
  const runAs = process.getuid?.() === 0 ? USER : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tracelog-pg-'));
  const data = join(dir, 'data');
  if (runAs) chownSync(dir, uidOf(runAs), -1);
  const asUser = (command: string, args: string[]): [string, string[]] =>
    runAs ? ['runuser', ['-u', runAs, '--', command, ...args]] : [command, args];

  let child: ChildProcess | undefined;
  const output: string[] = [];
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      try {
        // A fast shutdown signalled to the postmaster itself (through runuser a signal may not
        // reach it).
        const [command, args] = asUser(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'fast']);
        execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
      } catch {
        child.kill('SIGKILL');
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 30_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const [initCommand, initArgs] = asUser(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      USER,
      '--auth=trust',
      '--no-locale',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    execFileSync(initCommand, initArgs, { stdio: 'pipe', timeout: 120_000 });

    const port = await freePort();
    const [command, args] = asUser(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dir}`,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ]);
    const started = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    const keep = (chunk: Buffer) => {
      output.push(chunk.toString());
      if (output.length > 100) output.shift();
    };
    started.stdout!.on('data', keep);
    started.stderr!.on('data', keep);

    const isReady = join(bin, 'pg_isready');
    await waitFor(
      async () => {
        if (started.exitCode !== null) throw new Error(`postgres exited: ${output.join('')}`);
        try {
          execFileSync(isReady, ['-h', '127.0.0.1', '-p', String(port), '-U', USER], {
            stdio: 'ignore',
            timeout: 5_000,
          });
          return true;
        } catch {
          return false;
        }
      },
      60_000,
      'PostgreSQL',
    );
    execFileSync(
      join(bin, 'psql'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        USER,
        '-d',
        'postgres',
        '-v',
        'ON_ERROR_STOP=1',
      ],
      {
        input: `CREATE DATABASE ${DATABASE};\n`,
        stdio: ['pipe', 'ignore', 'pipe'],
        timeout: 30_000,
      },
    );
    return {
      url: `postgres://${USER}@127.0.0.1:${port}/${DATABASE}`,
      port,
      database: DATABASE,
      user: USER,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The newest Debian PostgreSQL server's bin folder, installing the server when there is none. */
function ensurePostgres(): string {
  const found = serverBin();
  if (found) return found;
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', 'postgresql'], {
      stdio: 'ignore',
      timeout: 600_000,
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch (error) {
    throw new Error(
      'PostgreSQL is needed for the database tests and could not be installed with apt-get',
      { cause: error },
    );
  }
  const installed = serverBin();
  if (!installed) throw new Error('apt-get installed postgresql, but no server was found');
  return installed;
}

function serverBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

function uidOf(user: string): number {
  return Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
}
