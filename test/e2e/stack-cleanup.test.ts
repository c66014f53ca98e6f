import { existsSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { Collector, Jaeger, VictoriaLogs, removeWorkDirs } from '../support/stack.js';

// A stack that fails to start part-way must not leave what it had started running: a server that
// never became ready is stopped before the error reaches the test. A stack that ran leaves no
// process and no data behind once stopped.
afterAll(() => removeWorkDirs());

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('stops a collector that did not become ready in time, and says why', async () => {
  let started: number | undefined;
  const collector = new Collector({
    // Nothing needs to listen there: the collector starts without reaching its stores.
    logs: { url: 'http://127.0.0.1:9' } as VictoriaLogs,
    traces: { otlpUrl: 'http://127.0.0.1:9' } as Jaeger,
    // Shorter than any collector takes to answer its health check.
    readyTimeoutMs: 1,
  });
  const spy = setInterval(() => (started ??= collector.pid), 1);
  await expect(collector.start()).rejects.toThrow(/timed out waiting for the collector/);
  clearInterval(spy);
  expect(started).toBeTypeOf('number');
  expect(collector.pid).toBeUndefined();
  expect(alive(started!)).toBe(false);
});

it('stops VictoriaLogs, Jaeger and the collector, and removes their data', async () => {
  const [logs, traces] = await Promise.all([new VictoriaLogs().start(), new Jaeger().start()]);
  const collector = await new Collector({ logs, traces }).start();
  const pids = [logs.pid, traces.pid, collector.pid];
  expect(pids.every((pid) => pid !== undefined && alive(pid))).toBe(true);
  const dirs = [logs.dir, traces.dir, collector.dir];
  expect(dirs.every((dir) => existsSync(dir))).toBe(true);
  await collector.stop();
  await Promise.all([logs.stop(), traces.stop()]);
  expect(pids.filter((pid) => alive(pid!))).toEqual([]);
  removeWorkDirs();
  expect(dirs.filter((dir) => existsSync(dir))).toEqual([]);
});
