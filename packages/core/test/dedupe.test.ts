import { describe, expect, it } from 'vitest';
import { fakeClock } from '@tracelog/test-utils';
import { fingerprint } from '@tracelog/core';
import { Deduper } from '../src/dedupe.js';

describe('Deduper', () => {
  it('emits the first, counts repeats within the window, and hands the count back once the window closes', () => {
    const c = fakeClock();
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
    const c = fakeClock();
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
