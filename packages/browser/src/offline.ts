import type { Diag } from './diag.js';

export type Signal = 'logs' | 'traces';
/** One unsent request: signal, body, when it was first queued. */
export type Entry = [Signal, string, number];

const MAX_AGE_MS = 24 * 3_600_000;

/**
 * Requests that could not be sent, kept in localStorage so they survive a reload or going
 * offline, bounded by bytes (oldest dropped first). Falls back to memory where storage is
 * unavailable (private modes, quota, disabled).
 */
export class OfflineQueue {
  private memory: Entry[] = [];
  private readonly key: string;

  constructor(
    service: string,
    private readonly maxBytes: number,
    private readonly diag: Diag,
    private readonly storage: Storage | undefined = safeLocalStorage(),
  ) {
    this.key = `tracelog:queue:${service}`;
  }

  private load(): Entry[] {
    if (!this.storage) return this.memory;
    try {
      const parsed: unknown = JSON.parse(this.storage.getItem(this.key) ?? '[]');
      return Array.isArray(parsed) ? (parsed as Entry[]) : [];
    } catch {
      return this.memory;
    }
  }

  private save(entries: Entry[]): void {
    const cutoff = Date.now() - MAX_AGE_MS;
    let kept = entries.filter((e) => e[2] >= cutoff);
    let bytes = kept.reduce((n, e) => n + e[1].length, 0);
    let dropped = 0;
    while (bytes > this.maxBytes && kept.length > 0) {
      bytes -= kept[0]![1].length;
      kept = kept.slice(1);
      dropped++;
    }
    if (dropped > 0)
      this.diag('queue-full', `offline queue full, dropped ${dropped} oldest request(s)`);
    this.memory = kept;
    if (!this.storage) return;
    try {
      if (kept.length === 0) this.storage.removeItem(this.key);
      else this.storage.setItem(this.key, JSON.stringify(kept));
    } catch {
      this.diag('storage', 'localStorage refused the offline queue; kept in memory');
    }
  }

  push(signal: Signal, body: string, first = false): void {
    const entries = this.load();
    const entry: Entry = [signal, body, Date.now()];
    this.save(first ? [entry, ...entries] : [...entries, entry]);
  }

  /** Removes and returns the oldest entry (removed first, so another tab does not send it too). */
  take(): Entry | undefined {
    const entries = this.load();
    const entry = entries.shift();
    if (entry) this.save(entries);
    return entry;
  }

  size(): number {
    return this.load().length;
  }
}

function safeLocalStorage(): Storage | undefined {
  try {
    const s = globalThis.localStorage;
    s.setItem('tracelog:probe', '1');
    s.removeItem('tracelog:probe');
    return s;
  } catch {
    return undefined;
  }
}
