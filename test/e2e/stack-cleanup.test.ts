import { afterAll, expect, it } from 'vitest';
import { Collector, removeWorkDirs } from '../support/stack.js';
import type { Elasticsearch } from '../support/stack.js';

// A stack that fails to start part-way must not leave what it had started running: a server that
// never became ready is stopped before the error reaches the test.
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
    // Nothing needs to listen there: the collector starts without reaching Elasticsearch.
    elasticsearch: { url: 'http://127.0.0.1:9' } as Elasticsearch,
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
