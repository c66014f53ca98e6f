/** Processed/succeeded/failed counts and duration percentiles of one worker, reported periodically. */
export class WorkerStats {
  processed = 0;
  succeeded = 0;
  failed = 0;
  private durations: number[] = [];
  private lastReport = Date.now();

  constructor(
    private readonly everyJobs: number,
    private readonly everyMs: number,
  ) {}

  record(outcome: 'succeeded' | 'failed', durationMs: number): void {
    this.processed++;
    this[outcome]++;
    // A bounded reservoir: percentiles of the recent window, memory fixed.
    if (this.durations.length < 1000) this.durations.push(durationMs);
    else this.durations[Math.floor(Math.random() * 1000)] = durationMs;
  }

  /** The report due now, if any; resets the window. */
  due(now = Date.now()): Record<string, number> | undefined {
    const jobs = this.processed;
    if (jobs === 0 || (jobs % this.everyJobs !== 0 && now - this.lastReport < this.everyMs))
      return undefined;
    const sorted = [...this.durations].sort((a, b) => a - b);
    const pct = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    const report = {
      processed: this.processed,
      succeeded: this.succeeded,
      failed: this.failed,
      p50: pct(50),
      p95: pct(95),
      p99: pct(99),
    };
    this.lastReport = now;
    this.durations = [];
    return report;
  }
}
