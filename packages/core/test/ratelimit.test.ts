import { describe, expect, it } from 'vitest';
import { fakeClock } from '@tracelog/test-utils';
import { TokenBucket } from '@tracelog/core';

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate', () => {
    const c = fakeClock();
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 3, now: c.now });
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([
      true,
      true,
      true,
      false,
    ]);
    c.advance(100);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    c.advance(10_000);
    expect([1, 2, 3, 4].map(() => bucket.tryTake())).toEqual([true, true, true, false]);
  });
});
