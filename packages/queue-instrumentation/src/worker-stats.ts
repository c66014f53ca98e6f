import { ROOT_CONTEXT, context, diag } from '@opentelemetry/api';
import { ATTR, EVENT, OWN_RECORD, SEVERITY_NUMBER, ownRecord } from '@tracelog/core';
import { destination, instruments } from './instruments.js';
import type { ResolvedOptions } from './options.js';
import { QueueMap } from './queue-map.js';
import { WorkerStats } from './stats.js';
import type { StatsReport } from './stats.js';

/** One set of counts per queue of a messaging system, shared by the workers that consume it. */
const stats = new QueueMap<WorkerStats>();

/** Counts a finished attempt for its queue's `worker.stats`, logging the report when one is due. */
export function countFinished(
  system: string,
  queue: string,
  options: ResolvedOptions,
  outcome: 'succeeded' | 'failed',
  durationMs: number,
): void {
  let worker = stats.get(system, queue);
  if (!worker) {
    worker = new WorkerStats(options.statsEveryJobs, options.statsEveryMs);
    stats.set(system, queue, worker);
  }
  const report = worker.record(outcome, durationMs);
  if (report) emitReport(system, queue, report);
}

/**
 * Starts a running worker's stats timer, so a worker that goes idle still reports what it did
 * once `statsEveryMs` has passed, without waiting for another job. It reports only when a job
 * finished since the last report: an idle queue would otherwise log the same cumulative counts
 * every interval. The timer is unref'd (it never keeps the process alive) and is created under
 * the root context, so a worker started inside a request does not hold on to that request's
 * context. Returns the function that stops it.
 */
export function startStatsTimer(
  system: string,
  queue: string,
  options: ResolvedOptions,
): () => void {
  // With no interval every finished job reports: there is never anything left for a timer.
  if (options.statsEveryMs === 0) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (ms: number) => {
    timer = context.with(ROOT_CONTEXT, () => setTimeout(tick, ms));
    timer.unref();
  };
  const tick = () => {
    const worker = stats.get(system, queue);
    try {
      const report = worker?.due();
      if (report) emitReport(system, queue, report);
    } catch (error) {
      diag.warn(`queue instrumentation: could not report worker stats: ${String(error)}`);
    }
    // Next check when the interval since the last report ends (a report by job count moves
    // it), or a whole interval on when it has ended with nothing new to report.
    if (!stopped) schedule(worker?.msUntilDue() || options.statsEveryMs);
  };
  schedule(options.statsEveryMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function emitReport(system: string, queue: string, report: StatsReport): void {
  instruments().logger.emit(
    ownRecord({
      eventName: EVENT.WORKER_STATS,
      severityNumber: SEVERITY_NUMBER.info,
      severityText: 'INFO',
      body: `${queue}: ${report.processed} processed, ${report.failed} failed, p95 ${report.p95} ms`,
      attributes: {
        ...destination(system, queue).attributes,
        [ATTR.WORKER_PROCESSED]: report.processed,
        [ATTR.WORKER_SUCCEEDED]: report.succeeded,
        [ATTR.WORKER_FAILED]: report.failed,
        [ATTR.WORKER_DURATION_P50_MS]: report.p50,
        [ATTR.WORKER_DURATION_P95_MS]: report.p95,
        [ATTR.WORKER_DURATION_P99_MS]: report.p99,
      },
      context: ROOT_CONTEXT,
      [OWN_RECORD]: true,
    }),
  );
}
