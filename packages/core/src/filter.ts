import { Deduper } from './dedupe.js';
import type { Repeats } from './dedupe.js';
import { TokenBucket } from './ratelimit.js';
import { EveryNthSampler } from './sample.js';

export interface RecordFilterOptions {
  /** Keep 1 in N debug/trace records per key; 1 keeps all. */
  debugSampleEvery: number;
  /** Repeats of a key within this window are counted, not emitted; 0 is off. */
  dedupeWindowMs: number;
  /** Records per second (and burst) over which limited records are dropped; undefined is off. */
  rateLimit: { perSecond: number; burst: number } | undefined;
  /** Bound on the keys the sampler and deduper remember. */
  maxKeys: number;
  now?: () => number;
}

export interface FilterVerdict<T> {
  /** Whether the record goes on. */
  pass: boolean;
  /** Why it does not. */
  reason?: 'sampled' | 'duplicate' | 'rate';
  /** Set when sampling is on and this debug record was kept: 1 in how many. */
  sampledEvery?: number;
  /**
   * A window of this key that closed with suppressed repeats: report it (as one record, before
   * this one) whether or not this record passes.
   */
  repeats?: Repeats<T>;
}

/**
 * The one order in which every SDK filters records: sample, then dedupe, then rate limit.
 * Sampling first, because a sampled-out debug record should neither open a dedupe window nor
 * count as a repeat; dedupe before the rate limit, because a repeat that is only counted must not
 * spend a token that a different record needs (a burst of one repeated line would otherwise
 * starve every other line of the rate it was promised).
 */
export class RecordFilter<T = undefined> {
  private readonly sampler: EveryNthSampler | undefined;
  private readonly deduper: Deduper<T> | undefined;
  private readonly bucket: TokenBucket | undefined;

  constructor(private readonly opts: RecordFilterOptions) {
    if (opts.debugSampleEvery > 1)
      this.sampler = new EveryNthSampler({ every: opts.debugSampleEvery, maxKeys: opts.maxKeys });
    if (opts.dedupeWindowMs > 0)
      this.deduper = new Deduper<T>({
        windowMs: opts.dedupeWindowMs,
        maxKeys: opts.maxKeys,
        now: opts.now,
      });
    if (opts.rateLimit)
      this.bucket = new TokenBucket({
        ratePerSecond: opts.rateLimit.perSecond,
        burst: opts.rateLimit.burst,
        now: opts.now,
      });
  }

  /** Whether anything would be filtered: when not, callers may skip computing keys. */
  get active(): boolean {
    return Boolean(this.sampler || this.deduper || this.bucket);
  }

  /** Whether keys are needed (sampling or dedupe on). */
  get keyed(): boolean {
    return Boolean(this.sampler || this.deduper);
  }

  /**
   * `debug`: a debug/trace record (only those are sampled). `limited`: whether the rate limit
   * applies to it. `sample` is what a repeat report needs of the first record of a window.
   */
  admit(key: string, debug: boolean, limited: boolean, sample?: () => T): FilterVerdict<T> {
    let sampledEvery: number | undefined;
    if (this.sampler && debug) {
      if (!this.sampler.sample(key)) return { pass: false, reason: 'sampled' };
      sampledEvery = this.opts.debugSampleEvery;
    }
    let repeats: Repeats<T> | undefined;
    if (this.deduper) {
      const verdict = this.deduper.observe(key, sample?.());
      if (!verdict.emit) return { pass: false, reason: 'duplicate' };
      repeats = verdict.closed;
    }
    if (this.bucket && limited && !this.bucket.tryTake())
      return { pass: false, reason: 'rate', repeats };
    return { pass: true, sampledEvery, repeats };
  }

  /** Repeats of windows that have closed (all windows, with `all`), to report as one record each. */
  closedRepeats(all = false): Array<Repeats<T>> {
    return this.deduper ? this.deduper.closed(all) : [];
  }
}
