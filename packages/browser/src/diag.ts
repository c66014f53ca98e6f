/**
 * The SDK's own voice: each kind of problem is written once a minute at most, through the
 * console method captured before any patching so it can never loop back into the logger.
 */
export type Diag = (key: string, message: string) => void;

export function createDiag(write: (message: string) => void, now: () => number = Date.now): Diag {
  const last = new Map<string, number>();
  return (key, message) => {
    const t = now();
    const prev = last.get(key);
    if (prev !== undefined && t - prev < 60_000) return;
    last.set(key, t);
    try {
      write(`tracelog: ${message}`);
    } catch {
      // a console that throws has nothing left to tell
    }
  };
}
