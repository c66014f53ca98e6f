/** FNV-1a over the parts (separated), as 8 hex digits: cheap, stable, not cryptographic. */
export function fingerprint(...parts: string[]): string {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      hash ^= part.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0x1f;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

interface Seen<T> {
  first: number;
  suppressed: number;
  sample: T;
}

/** A kind whose window closed with suppressed repeats: the first record's sample, and how many. */
export interface Repeats<T> {
  sample: T;
  repeats: number;
  windowMs: number;
}

/**
 * Collapses identical records: the first of a kind is emitted; repeats within `windowMs` are
 * suppressed and counted. When a kind's window has closed, its count is handed back once, with a
 * sample of the first record, to be reported as one record: by `observe` when the kind comes
 * again after its window, and by `closed()` for kinds that went quiet (call it on a timer, and
 * with `all` at flush and shutdown). Memory is bounded by `maxKeys` (the oldest kinds are
 * forgotten first, uncounted).
 */
export class Deduper<T = undefined> {
  private readonly seen = new Map<string, Seen<T>>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(opts: { windowMs: number; maxKeys: number; now?: () => number }) {
    this.windowMs = opts.windowMs;
    this.maxKeys = opts.maxKeys;
    this.now = opts.now ?? Date.now;
  }

  /** `sample` is kept for the first record of a window only. */
  observe(
    fp: string,
    sample?: T,
  ): { emit: true; closed: Repeats<T> | undefined } | { emit: false } {
    const now = this.now();
    const entry = this.seen.get(fp);
    if (entry && now - entry.first < this.windowMs) {
      entry.suppressed++;
      return { emit: false };
    }
    const closed =
      entry && entry.suppressed > 0
        ? { sample: entry.sample, repeats: entry.suppressed, windowMs: this.windowMs }
        : undefined;
    this.seen.delete(fp);
    this.seen.set(fp, { first: now, suppressed: 0, sample: sample as T });
    if (this.seen.size > this.maxKeys) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return { emit: true, closed };
  }

  /** Kinds whose window has closed (every kind, with `all`) with repeats not yet reported; resets them. */
  closed(all = false): Array<Repeats<T>> {
    const now = this.now();
    const out: Array<Repeats<T>> = [];
    for (const [fp, entry] of this.seen) {
      if (!all && now - entry.first < this.windowMs) continue;
      if (entry.suppressed > 0) {
        out.push({ sample: entry.sample, repeats: entry.suppressed, windowMs: this.windowMs });
      }
      this.seen.delete(fp);
    }
    return out;
  }
}
