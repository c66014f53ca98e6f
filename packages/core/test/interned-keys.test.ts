import { describe, expect, it } from 'vitest';
import { internedKeys } from '../src/interned-keys.js';

describe('internedKeys', () => {
  it('makes each key once per name, with the text the maker gives', () => {
    const made: string[] = [];
    const key = internedKeys((name) => {
      made.push(name);
      return `${name}.job.attempts`;
    });
    expect(key('bullmq')).toBe('bullmq.job.attempts');
    expect(key('bullmq')).toBe('bullmq.job.attempts');
    expect(key('bee')).toBe('bee.job.attempts');
    expect(made).toEqual(['bullmq', 'bee']);
  });
});
