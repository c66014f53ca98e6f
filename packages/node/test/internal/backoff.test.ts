import { describe, expect, it } from 'vitest';
import { BACKOFF, Backoff } from '../../src/internal/backoff.js';

describe('Backoff', () => {
  it('grows each row by its multiplier up to its cap (jitter at its midpoint)', () => {
    const relay = new Backoff(BACKOFF.relay, () => 0.5);
    expect(Array.from({ length: 6 }, () => relay.next())).toEqual([
      200, 400, 800, 1_600, 1_600, 1_600,
    ]);
    const exporter = new Backoff(BACKOFF.export, () => 0.5);
    expect(Array.from({ length: 7 }, () => exporter.next())).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
  });

  it('moves each wait by at most its jitter either way', () => {
    const low = new Backoff(BACKOFF.export, () => 0);
    const high = new Backoff(BACKOFF.export, () => 0.999_999);
    expect(low.next()).toBe(750);
    expect(high.next()).toBe(1_250);
  });

  it("never waits less than the server's Retry-After, and starts over after reset()", () => {
    const backoff = new Backoff(BACKOFF.relay, () => 0.5);
    expect(backoff.next(1_000)).toBe(1_000);
    expect(backoff.next(100)).toBe(400);
    backoff.reset();
    expect(backoff.next()).toBe(200);
  });
});
