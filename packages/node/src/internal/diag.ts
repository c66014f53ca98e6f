/**
 * tracelog's own voice. Problems inside the SDK are reported here, never thrown into the app:
 * each kind of problem is written to stderr at most once per interval, with how many times it
 * happened since, and counted for `stats()`. It writes to process.stderr directly, not through
 * console, so a patched console can't loop back into the logger.
 */
const DEFAULT_INTERVAL_MS = 60_000;

interface Entry {
  lastWrite: number;
  suppressed: number;
}

export interface Counters {
  /** Records accepted for export. */
  exported: number;
  /** Records written to the local spool because the collector was unreachable or slow. */
  spooled: number;
  /** Records sent from the spool once the collector answered again. */
  replayed: number;
  /** Records lost: spool full, or refused by the collector as invalid. */
  dropped: number;
  /** Export attempts that failed (each is retried or spooled). */
  exportFailures: number;
}

export class Diagnostics {
  readonly counters: Counters = {
    exported: 0,
    spooled: 0,
    replayed: 0,
    dropped: 0,
    exportFailures: 0,
  };
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly intervalMs = DEFAULT_INTERVAL_MS,
    private readonly write: (line: string) => void = writeStderr,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reports `message` unless the same `key` was reported within the interval. */
  warn(key: string, message: string): void {
    const now = this.now();
    const entry = this.entries.get(key);
    if (entry && now - entry.lastWrite < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    const repeats = entry?.suppressed ? ` (${entry.suppressed} more since the last report)` : '';
    this.entries.set(key, { lastWrite: now, suppressed: 0 });
    this.write(`tracelog: ${message}${repeats}\n`);
  }

  drop(count: number, reason: string): void {
    this.counters.dropped += count;
    this.warn(`drop:${reason}`, `dropped ${count} telemetry record(s): ${reason}`);
  }
}

function writeStderr(line: string): void {
  try {
    process.stderr.write(line);
  } catch {
    // stderr closed: nothing left to tell
  }
}

/** The process-wide instance; tests create their own. */
export const diagnostics = new Diagnostics();
