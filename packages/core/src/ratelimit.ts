/** A token bucket: `burst` tokens, refilled at `ratePerSecond`. Time comes from `now` (ms). */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(opts: { ratePerSecond: number; burst: number; now?: () => number }) {
    this.rate = opts.ratePerSecond / 1000;
    this.burst = opts.burst;
    this.now = opts.now ?? Date.now;
    this.tokens = opts.burst;
    this.last = this.now();
  }

  /** Takes `count` tokens if there are enough; false (and nothing taken) otherwise. */
  tryTake(count = 1): boolean {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.rate);
    this.last = now;
    if (this.tokens < count) return false;
    this.tokens -= count;
    return true;
  }
}
