/** What a `worker.stats` record reports. */
export interface StatsReport {
  /** Jobs finished since the worker started: succeeded + failed. */
  processed: number;
  succeeded: number;
  failed: number;
  /** Nearest-rank percentiles of the durations (ms) of the jobs finished since the last report. */
  p50: number;
  p95: number;
  p99: number;
}

/** Durations kept per report window; past this a random sample of the window is kept. */
const RESERVOIR = 1000;

/**
 * Processed/succeeded/failed counts and duration percentiles of one queue's worker, reported
 * after every `everyJobs` jobs, or once `everyMs` has passed since the last report, whichever
 * comes first. The time-based report comes with the first job to finish after the interval, or
 * from the worker's timer (`due()`) when no job finishes; an interval in which nothing finished
 * reports nothing, since the cumulative counts have not changed.
 */
export class WorkerStats {
  private processed = 0;
  private succeeded = 0;
  private failed = 0;
  private durations: number[] = [];
  /** Jobs finished in the current window (may exceed the reservoir). */
  private windowJobs = 0;
  private lastReport: number;

  constructor(
    private readonly everyJobs: number,
    private readonly everyMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastReport = now();
  }

  /** Counts one finished job; returns the report when one is due (and starts a new window). */
  record(outcome: 'succeeded' | 'failed', durationMs: number): StatsReport | undefined {
    this.processed++;
    this[outcome]++;
    this.windowJobs++;
    // Reservoir sampling: every job of the window is equally likely to be kept, memory fixed.
    if (this.durations.length < RESERVOIR) this.durations.push(durationMs);
    else {
      const slot = Math.floor(Math.random() * this.windowJobs);
      if (slot < RESERVOIR) this.durations[slot] = durationMs;
    }
    if (this.processed % this.everyJobs !== 0 && this.msUntilDue() > 0) return undefined;
    return this.report();
  }

  /** The report, when the interval has passed and a job finished since the last one. */
  due(): StatsReport | undefined {
    return this.windowJobs > 0 && this.msUntilDue() === 0 ? this.report() : undefined;
  }

  /** How long until the interval since the last report has passed; 0 when it has. */
  msUntilDue(): number {
    return Math.max(0, this.lastReport + this.everyMs - this.now());
  }

  private report(): StatsReport {
    const sorted = this.durations.sort((a, b) => a - b);
    const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
    const report = {
      processed: this.processed,
      succeeded: this.succeeded,
      failed: this.failed,
      p50: rank(50),
      p95: rank(95),
      p99: rank(99),
    };
    this.lastReport = this.now();
    this.durations = [];
    this.windowJobs = 0;
    return report;
  }
}
