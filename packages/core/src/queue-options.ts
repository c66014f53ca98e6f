// The queue instrumentation's options are declared here, in the package that both
// @tracelog/queue-instrumentation and @tracelog/node depend on, so init()'s option types never
// require the optional queue package to be installed.

/** Options for `instrumentBullMQ()` and `runJob()`, and `init({ instrumentations: { bullmq } })`. */
export interface QueueInstrumentationOptions {
  /**
   * How a job's processing span relates to the code that enqueued it.
   * - `parent`: always continue the enqueuing trace;
   * - `link`: always start a new trace, linked to the enqueuing span;
   * - `auto`: continue for one-off jobs, start a linked trace for repeated/scheduled runs,
   *   retries after a delay, delayed jobs and large fan-outs (so no trace grows forever).
   * The originating trace id is always on `messaging.message.conversation_id`.
   * @default 'auto'
   */
  consumerParent?: 'parent' | 'link' | 'auto';
  /** In `auto`, bulk adds of more jobs than this start their own traces. @default 20 */
  fanOutThreshold?: number;
  /** Log `worker.stats` after this many jobs per worker… @default 100 */
  statsEveryJobs?: number;
  /**
   * …or after this long, whichever comes first; a running worker's timer reports when it has gone
   * idle, but only when a job finished since the last report. @default 60000
   */
  statsEveryMs?: number;
  /** Record job data (redacted) on `job.enqueued` and `job.started`. @default true */
  recordJobData?: boolean;
  /**
   * BullMQ module objects to patch (`[await import('bullmq')]`). `init()` of `@tracelog/node`
   * passes the build the application loads; called directly, nothing is patched without them.
   */
  modules?: unknown[];
}
