import { describe, expect, it } from 'vitest';
import { Session } from '../src/session.js';
import type { SessionChange } from '../src/session.js';
import { MemoryStorage } from './fakes.js';

describe('Session', () => {
  it('ends after idleness and after its maximum length, and survives a reload', () => {
    let t = 1_000_000;
    const changes: SessionChange[] = [];
    const storage = new MemoryStorage();
    const s = new Session(
      'ui',
      1_000,
      10_000,
      (c) => changes.push(c),
      storage,
      () => t,
    );
    const first = s.touch();
    expect(changes).toHaveLength(1);
    expect(changes[0]!.ended).toBeUndefined();
    t += 900;
    expect(s.touch()).toBe(first);
    t += 1_001;
    const second = s.touch();
    expect(second).not.toBe(first);
    expect(changes[1]!.ended?.id).toBe(first);

    // A reload reads the same session back.
    const reloaded = new Session(
      'ui',
      1_000,
      10_000,
      (c) => changes.push(c),
      storage,
      () => t,
    );
    expect(reloaded.touch()).toBe(second);
    expect(changes).toHaveLength(2);

    // Activity all along, but past the maximum length: a new session.
    for (let i = 0; i < 12; i++) {
      t += 900;
      reloaded.touch();
    }
    expect(changes).toHaveLength(3);
    expect(changes[2]!.ended?.id).toBe(second);
  });
});
