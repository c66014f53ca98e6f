import { describe, expect, it } from 'vitest';
import { fakeClock } from '@tracelog/test-utils';
import { RecordFilter } from '@tracelog/core';

describe('RecordFilter: sample, then dedupe, then rate limit', () => {
  it('a counted repeat spends no rate-limit token, so other records keep their rate', () => {
    const c = fakeClock();
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
    const c = fakeClock();
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
