import { describe, expect, it } from 'vitest';
import { RecordFilter, TokenBucket, fingerprint } from '@tracelog/core';
import { Deduper } from '../src/dedupe.js';
import { EveryNthSampler } from '../src/sample.js';

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
  it('emits the first, counts repeats within the window, and hands the count back once the window closes', () => {
    const c = clock();
    const deduper = new Deduper<string>({ windowMs: 1000, maxKeys: 10, now: c.now });
    const fp = fingerprint('orders', 'timeout');
    expect(deduper.observe(fp, 'first')).toEqual({ emit: true, closed: undefined });
    for (let i = 0; i < 5; i++) expect(deduper.observe(fp, 'again')).toEqual({ emit: false });
    expect(deduper.observe(fingerprint('orders', 'other'), 'other')).toMatchObject({ emit: true });
    expect(deduper.closed()).toEqual([]); // still open
    c.advance(1000);
    expect(deduper.observe(fp, 'next')).toEqual({
      emit: true,
      closed: { sample: 'first', repeats: 5, windowMs: 1000 },
    });
  });

  it('reports windows that went quiet once they close, or all at shutdown, each once', () => {
    const c = clock();
    const deduper = new Deduper<string>({ windowMs: 1000, maxKeys: 10, now: c.now });
    deduper.observe('a', 'a1');
    deduper.observe('a', 'a2');
    deduper.observe('a', 'a3');
    c.advance(500);
    deduper.observe('b', 'b1');
    deduper.observe('b', 'b2');
    c.advance(500);
    expect(deduper.closed()).toEqual([{ sample: 'a1', repeats: 2, windowMs: 1000 }]);
    expect(deduper.closed()).toEqual([]);
    expect(deduper.closed(true)).toEqual([{ sample: 'b1', repeats: 1, windowMs: 1000 }]);
    expect(deduper.observe('a', 'a4')).toEqual({ emit: true, closed: undefined });
  });

  it('stays within maxKeys', () => {
    const deduper = new Deduper({ windowMs: 60_000, maxKeys: 2, now: () => 0 });
    deduper.observe('a');
    deduper.observe('a');
    deduper.observe('b');
    deduper.observe('c'); // evicts a, uncounted
    expect(deduper.observe('a')).toEqual({ emit: true, closed: undefined });
    deduper.observe('c');
    expect(deduper.closed(true)).toEqual([{ sample: undefined, repeats: 1, windowMs: 60_000 }]);
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

describe('RecordFilter: sample, then dedupe, then rate limit', () => {
  it('a counted repeat spends no rate-limit token, so other records keep their rate', () => {
    const c = clock();
    const filter = new RecordFilter({
      debugSampleEvery: 1,
      dedupeWindowMs: 10_000,
      rateLimit: { perSecond: 1, burst: 2 },
      maxKeys: 10,
      now: c.now,
    });
    expect(filter.admit('flood', false, true).pass).toBe(true);
    for (let i = 0; i < 50; i++)
      expect(filter.admit('flood', false, true).reason).toBe('duplicate');
    expect(filter.admit('order placed', false, true).pass).toBe(true);
    expect(filter.admit('order filled', false, true).reason).toBe('rate');
  });

  it('a sampled-out debug record neither opens a dedupe window nor counts as a repeat', () => {
    const filter = new RecordFilter<string>({
      debugSampleEvery: 2,
      dedupeWindowMs: 10_000,
      rateLimit: undefined,
      maxKeys: 10,
      now: () => 0,
    });
    expect(filter.admit('tick', true, true, () => 'tick')).toMatchObject({
      pass: true,
      sampledEvery: 2,
    });
    expect(filter.admit('tick', true, true).reason).toBe('sampled');
    expect(filter.admit('tick', true, true).reason).toBe('duplicate');
    expect(filter.closedRepeats(true)).toEqual([{ sample: 'tick', repeats: 1, windowMs: 10_000 }]);
  });

  it('hands back a closed window’s repeats even when the record that closed it is rate limited', () => {
    const c = clock();
    const filter = new RecordFilter<string>({
      debugSampleEvery: 1,
      dedupeWindowMs: 100,
      rateLimit: { perSecond: 0.001, burst: 1 },
      maxKeys: 10,
      now: c.now,
    });
    filter.admit('x', false, true, () => 'first');
    filter.admit('x', false, true);
    c.advance(100);
    expect(filter.admit('x', false, true, () => 'later')).toEqual({
      pass: false,
      reason: 'rate',
      repeats: { sample: 'first', repeats: 1, windowMs: 100 },
    });
  });
});
