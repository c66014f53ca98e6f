import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * Fixture services for the end-to-end tests: Node scripts instrumented with our SDKs, each
 * printing one line (its port, or "done …") when it is ready. Every service started here is
 * stopped by `stopServices()`, also those a failed test left running.
 */

const running: ChildProcess[] = [];

export interface Service {
  child: ChildProcess;
  /** The first line the service prints; rejects if it exits first. */
  line: Promise<string>;
}

export function startService(dir: string, script: string, env: Record<string, string>): Service {
  const child = spawn(process.execPath, [join(dir, script)], {
    cwd: dir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.push(child);
  const line = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(out.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, line };
}

/** SIGTERM (the SDK flushes) and waits for the exit. */
export function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Stops every service still running. */
export async function stopServices(): Promise<void> {
  await Promise.all(running.splice(0).map(stopService));
}
