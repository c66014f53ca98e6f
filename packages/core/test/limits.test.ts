import { describe, expect, it } from 'vitest';
import { Deduper, EveryNthSampler, TokenBucket, fingerprint } from '@tracelog/core';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('TokenBucket', () => {
  it('allows a burst, then the refill rate', () => {
    const c = clock();
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

describe('Deduper', () => {
  it('emits the first, suppresses repeats within the window, then reports how many', () => {
    const c = clock();
    const deduper = new Deduper({ windowMs: 1000, maxKeys: 10, now: c.now });
    const fp = fingerprint('orders', 'timeout');
    expect(deduper.observe(fp)).toEqual({ emit: true, repeats: 0 });
    for (let i = 0; i < 5; i++) expect(deduper.observe(fp)).toEqual({ emit: false });
    expect(deduper.observe(fingerprint('orders', 'other'))).toEqual({ emit: true, repeats: 0 });
    c.advance(1000);
    expect(deduper.observe(fp)).toEqual({ emit: true, repeats: 5 });
  });

  it('stays within maxKeys and drains pending counts', () => {
    const deduper = new Deduper({ windowMs: 60_000, maxKeys: 2, now: () => 0 });
    deduper.observe('a');
    deduper.observe('a');
    deduper.observe('b');
    deduper.observe('c'); // evicts a
    expect(deduper.observe('a')).toEqual({ emit: true, repeats: 0 });
    deduper.observe('c');
    expect(deduper.drain()).toEqual([{ fp: 'c', repeats: 1 }]);
  });

  it('fingerprints differ when any part differs', () => {
    expect(fingerprint('a', 'bc')).not.toBe(fingerprint('ab', 'c'));
    expect(fingerprint('x')).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('EveryNthSampler', () => {
  it('keeps the 1st, (N+1)th, … per key', () => {
    const sampler = new EveryNthSampler({ every: 3 });
    expect(Array.from({ length: 7 }, () => sampler.sample('tick'))).toEqual([
      true,
      false,
      false,
      true,
      false,
      false,
      true,
    ]);
    expect(sampler.sample('other')).toBe(true);
  });
});
