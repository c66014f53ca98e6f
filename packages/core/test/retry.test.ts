import { describe, expect, it } from 'vitest';
import { isRetryableStatus, nextBackoff, parseRetryAfter } from '@tracelog/core';
import { MAX_RETRY_AFTER_MS } from '../src/retry.js';

describe('isRetryableStatus', () => {
  it('retries timeouts, throttling and server errors', () => {
    for (const status of [408, 429, 500, 502, 503, 504, 599]) {
      expect(isRetryableStatus(status), String(status)).toBe(true);
    }
  });

  it('gives up on success, redirects and the other client errors', () => {
    for (const status of [0, 200, 204, 301, 400, 401, 403, 404, 413, 415, 600]) {
      expect(isRetryableStatus(status), String(status)).toBe(false);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2026, 11, 1, 12, 0, 0);

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1_500);
  });

  it('reads an HTTP date as the time until then, never negative', () => {
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(parseRetryAfter(new Date(now - 30_000).toUTCString(), now)).toBe(0);
  });

  it('caps long waits and ignores what it cannot read', () => {
    expect(parseRetryAfter('86400', now)).toBe(MAX_RETRY_AFTER_MS);
    expect(parseRetryAfter('-5', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('nextBackoff', () => {
  it('doubles up to the cap', () => {
    const waits = [1_000];
    for (let i = 0; i < 6; i++) waits.push(nextBackoff(waits.at(-1)!, 30_000));
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000]);
  });

  it('grows by the multiplier it is given, up to the cap', () => {
    const waits = [200];
    for (let i = 0; i < 4; i++) waits.push(nextBackoff(waits.at(-1)!, 2_000, 3));
    expect(waits).toEqual([200, 600, 1_800, 2_000, 2_000]);
  });
});
