import { describe, expect, it } from 'vitest';
import { EveryNthSampler } from '../src/sample.js';

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
