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

interface Seen {
  first: number;
  suppressed: number;
}

/**
 * Collapses identical records: the first of a kind is emitted; repeats within `windowMs` are
 * suppressed and counted; the first one after the window is emitted carrying that count.
 * Memory is bounded by `maxKeys` (the oldest kinds are forgotten first).
 */
export class Deduper {
  private readonly seen = new Map<string, Seen>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(opts: { windowMs: number; maxKeys: number; now?: () => number }) {
    this.windowMs = opts.windowMs;
    this.maxKeys = opts.maxKeys;
    this.now = opts.now ?? Date.now;
  }

  observe(fp: string): { emit: true; repeats: number } | { emit: false } {
    const now = this.now();
    const entry = this.seen.get(fp);
    if (entry && now - entry.first < this.windowMs) {
      entry.suppressed++;
      return { emit: false };
    }
    const repeats = entry?.suppressed ?? 0;
    this.seen.delete(fp);
    this.seen.set(fp, { first: now, suppressed: 0 });
    if (this.seen.size > this.maxKeys) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return { emit: true, repeats };
  }

  /** Kinds with suppressed repeats not yet reported, for a summary at shutdown; resets them. */
  drain(): Array<{ fp: string; repeats: number }> {
    const pending: Array<{ fp: string; repeats: number }> = [];
    for (const [fp, entry] of this.seen) {
      if (entry.suppressed > 0) pending.push({ fp, repeats: entry.suppressed });
      entry.suppressed = 0;
    }
    return pending;
  }
}
