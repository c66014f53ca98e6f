/** Keeps the 1st, (N+1)th, (2N+1)th … record of each key; bounded by `maxKeys`. */
export class EveryNthSampler {
  private readonly counts = new Map<string, number>();
  private readonly every: number;
  private readonly maxKeys: number;

  constructor(opts: { every: number; maxKeys?: number }) {
    this.every = Math.max(1, Math.floor(opts.every));
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  sample(key: string): boolean {
    const count = this.counts.get(key) ?? 0;
    if (count === 0 && this.counts.size >= this.maxKeys) this.counts.clear();
    this.counts.set(key, (count + 1) % this.every);
    return count === 0;
  }
}
