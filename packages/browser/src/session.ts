import { randomHex } from './trace.js';

interface Stored {
  id: string;
  start: number;
  last: number;
}

export interface SessionChange {
  /** The session that ended (idle or too long), if any. */
  ended: Stored | undefined;
  started: Stored;
}

/**
 * A session id with a lifecycle: it ends after `idleMs` without activity or `maxMs` after it
 * began, and a new one starts with the next activity. Kept in sessionStorage so it survives
 * reloads and navigation within the tab, and no longer.
 */
export class Session {
  private current: Stored | undefined;
  private lastWrite = 0;
  private readonly key: string;

  constructor(
    service: string,
    private readonly idleMs: number,
    private readonly maxMs: number,
    private readonly onChange: (change: SessionChange) => void,
    private readonly storage: Storage | undefined = safeSessionStorage(),
    private readonly now: () => number = Date.now,
  ) {
    this.key = `tracelog:session:${service}`;
    try {
      const parsed = JSON.parse(this.storage?.getItem(this.key) ?? 'null') as Stored | null;
      if (parsed && typeof parsed.id === 'string') this.current = parsed;
    } catch {
      // unreadable: a new session starts
    }
  }

  /** The session id, after ending an expired session and starting a new one when needed. */
  touch(): string {
    const t = this.now();
    let s = this.current;
    if (!s || t - s.last > this.idleMs || t - s.start > this.maxMs) {
      const ended = s;
      s = this.current = { id: randomHex(16), start: t, last: t };
      this.write(t);
      this.onChange({ ended, started: s });
      return s.id;
    }
    s.last = t;
    // Activity is frequent; storage writes are not needed more often than this.
    if (t - this.lastWrite > 5_000) this.write(t);
    return s.id;
  }

  private write(t: number): void {
    this.lastWrite = t;
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.current));
    } catch {
      // storage full or disabled: the session lives in memory
    }
  }
}

function safeSessionStorage(): Storage | undefined {
  try {
    return globalThis.sessionStorage;
  } catch {
    return undefined;
  }
}
