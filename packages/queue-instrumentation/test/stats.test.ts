import { describe, expect, it } from 'vitest';
import { fakeClock } from '@tracelog/test-utils';
import { WorkerStats } from '../src/stats.js';

describe('WorkerStats', () => {
  it('reports after every N jobs with cumulative counts and the window’s nearest-rank percentiles', () => {
    const time = fakeClock(1_000_000);
    const stats = new WorkerStats(4, 60_000, time.now);
    expect(stats.record('succeeded', 40)).toBeUndefined();
    expect(stats.record('failed', 10)).toBeUndefined();
    expect(stats.record('succeeded', 30)).toBeUndefined();
    expect(stats.record('succeeded', 20)).toEqual({
      processed: 4,
      succeeded: 3,
      failed: 1,
      p50: 20, // sorted 10 20 30 40: rank ceil(0.5 × 4) = 2
      p95: 40,
      p99: 40,
    });
    // The next window starts empty: its percentiles are its own jobs only, counts carry on.
    for (const ms of [5, 1, 3]) expect(stats.record('failed', ms)).toBeUndefined();
    expect(stats.record('succeeded', 2)).toEqual({
      processed: 8,
      succeeded: 4,
      failed: 4,
      p50: 2,
      p95: 5,
      p99: 5,
    });
  });

  it('reports with the first job to finish once the interval has passed, then restarts the interval', () => {
    const time = fakeClock(1_000_000);
    const stats = new WorkerStats(100, 60_000, time.now);
    expect(stats.record('succeeded', 7)).toBeUndefined();
    time.advance(59_999);
    expect(stats.record('succeeded', 9)).toBeUndefined();
    time.advance(1);
    expect(stats.record('failed', 8)).toEqual({
      processed: 3,
      succeeded: 2,
      failed: 1,
      p50: 8,
      p95: 9,
      p99: 9,
    });
    time.advance(30_000);
    expect(stats.record('succeeded', 1)).toBeUndefined();
    time.advance(30_000);
    expect(stats.record('succeeded', 3)).toMatchObject({ processed: 5, p50: 1, p99: 3 });
  });

  it('has a report due from the timer only once the interval has passed and a job finished since the last report', () => {
    const time = fakeClock(1_000_000);
    const stats = new WorkerStats(100, 300, time.now);
    expect(stats.due()).toBeUndefined(); // nothing finished yet
    expect(stats.record('succeeded', 4)).toBeUndefined();
    expect(stats.record('failed', 6)).toBeUndefined();
    time.advance(299);
    expect(stats.msUntilDue()).toBe(1);
    expect(stats.due()).toBeUndefined();
    time.advance(1);
    expect(stats.due()).toEqual({ processed: 2, succeeded: 1, failed: 1, p50: 4, p95: 6, p99: 6 });
    // An idle interval: the same cumulative counts again would be noise.
    time.advance(1000);
    expect(stats.msUntilDue()).toBe(0);
    expect(stats.due()).toBeUndefined();
    // News after the idle period: the next job finishing reports at once, counts cumulative.
    expect(stats.record('succeeded', 2)).toMatchObject({ processed: 3, succeeded: 2, p50: 2 });
    expect(stats.msUntilDue()).toBe(300);
  });

  it('keeps percentiles exact up to its reservoir and bounded past it', () => {
    const stats = new WorkerStats(5000, 60_000, () => 0);
    let report;
    // 1..5000 ms in a shuffled order: the window holds more jobs than the reservoir keeps.
    const durations = Array.from({ length: 5000 }, (_, i) => i + 1).sort(
      (a, b) => ((a * 7919) % 5000) - ((b * 7919) % 5000),
    );
    for (const ms of durations) report = stats.record('succeeded', ms);
    expect(report).toMatchObject({ processed: 5000, succeeded: 5000, failed: 0 });
    // A sample of 1000 out of 5000 puts the median within a few percent of the true one.
    expect(report!.p50).toBeGreaterThan(2000);
    expect(report!.p50).toBeLessThan(3000);
    expect(report!.p99).toBeGreaterThan(4500);

    const exact = new WorkerStats(1000, 60_000, () => 0);
    for (let ms = 1000; ms >= 1; ms--) report = exact.record('succeeded', ms);
    expect(report).toMatchObject({ p50: 500, p95: 950, p99: 990 });
  });
});
