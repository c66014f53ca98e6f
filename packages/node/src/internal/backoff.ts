import { nextBackoff } from '@tracelog/core';

/** How the waits between tries to reach the collector grow, and how many tries one post gets. */
export interface BackoffSettings {
  /** First wait after a failed try. */
  initialMs: number;
  /** Longest wait. A Retry-After longer than this is not waited for within one post. */
  maxMs: number;
  /** Each wait is the previous one times this. */
  multiplier: number;
  /**
   * Each wait moves at random by up to this fraction either way, so that the processes (or
   * requests) that lost the collector together do not all come back in the same instant.
   */
  jitter: number;
  /** Tries of one post before its last answer goes back to the caller. */
  attempts: number;
}

/**
 * The backoff of everything this package posts to the collector, one row per user, both fed to
 * core's retry rule (`nextBackoff`, `isRetryableStatus`, `parseRetryAfter`). The rows differ
 * because their callers wait differently:
 * - `export`: nobody waits for the answer and the channel keeps what failed (in its spool), so one
 *   post is one try; the channel's probes behind it back off far, for as long as the outage lasts.
 * - `relay`: a browser waits for the answer, so the tries within its request stay short; past
 *   them the browser is told to retry later (503 with Retry-After) and keeps the data queued.
 */
export const BACKOFF = {
  export: { initialMs: 1_000, maxMs: 30_000, multiplier: 2, jitter: 0.25, attempts: 1 },
  relay: { initialMs: 200, maxMs: 1_600, multiplier: 2, jitter: 0.25, attempts: 3 },
} as const satisfies Record<string, BackoffSettings>;

/** The waits of one series of tries: growing by core's rule, jittered, never sooner than asked. */
export class Backoff {
  private currentMs: number;

  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.currentMs = settings.initialMs;
  }

  /** The wait before the next try: the grown backoff, or the server's Retry-After if longer. */
  next(retryAfterMs?: number): number {
    const { jitter, maxMs, multiplier } = this.settings;
    const waitMs = Math.round(this.currentMs * (1 - jitter + 2 * jitter * this.random()));
    this.currentMs = nextBackoff(this.currentMs, maxMs, multiplier);
    return Math.max(waitMs, retryAfterMs ?? 0);
  }

  /** The collector answered: the next failure starts again from the first wait. */
  reset(): void {
    this.currentMs = this.settings.initialMs;
  }
}
