import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { instrumentBullMQ } from '../src/bullmq.js';

/** Stands in for BullMQ's Worker: only the methods the instrumentation wraps. */
class FakeWorker {
  running = false;
  constructor(readonly name: string) {}
  async run(): Promise<void> {
    this.running = true;
  }
  async close(): Promise<void> {
    this.running = false;
  }
}

describe('worker stats timer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs while the worker runs: one timer from run(), none after close()', async () => {
    const handle = instrumentBullMQ({ statsEveryMs: 300, modules: [{ Worker: FakeWorker }] });
    const worker = new FakeWorker('settlement');
    expect(vi.getTimerCount()).toBe(0);
    await worker.run();
    await worker.run(); // a second run() of the same worker does not add a timer
    expect(vi.getTimerCount()).toBe(1);
    // With nothing processed the timer keeps checking and stays a single timer.
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(1);
    await worker.close();
    expect(vi.getTimerCount()).toBe(0);
    handle.disable();
  });

  it('stops the timers of running workers when the instrumentation is disabled', async () => {
    const handle = instrumentBullMQ({ statsEveryMs: 300, modules: [{ Worker: FakeWorker }] });
    await new FakeWorker('a').run();
    await new FakeWorker('b').run();
    expect(vi.getTimerCount()).toBe(2);
    handle.disable();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('starts no timer when every finished job reports (statsEveryMs 0)', async () => {
    const handle = instrumentBullMQ({ statsEveryMs: 0, modules: [{ Worker: FakeWorker }] });
    await new FakeWorker('a').run();
    expect(vi.getTimerCount()).toBe(0);
    handle.disable();
  });
});
