import { describe, expect, it } from 'vitest';
import { createCompactRedactor, createRedactor } from '@tracelog/core';
import { KEY_ONLY_WORDS, SENSITIVE_PAIRS, SENSITIVE_WORDS } from '../../src/redaction/sensitive.js';

const r = createRedactor();
const words = [...SENSITIVE_WORDS, ...KEY_ONLY_WORDS];

describe('the sensitive words', () => {
  it('are lower-case single words, each written once', () => {
    for (const word of words) expect(word).toMatch(/^[a-z]+$/);
    for (const pair of SENSITIVE_PAIRS) expect(pair).toMatch(/^[a-z]+ [a-z]+$/);
    expect(new Set(words).size).toBe(words.length);
  });

  it('make a key sensitive as one of its parts, in any of the usual spellings', () => {
    for (const word of words) {
      for (const key of [
        word,
        `db_${word}`,
        `x-${word}`,
        `user.${word}`,
        `my${word[0]!.toUpperCase()}${word.slice(1)}`,
      ])
        expect(r.isSensitiveKey(key), key).toBe(true);
    }
    for (const pair of SENSITIVE_PAIRS) {
      const [a, b] = pair.split(' ') as [string, string];
      for (const key of [`${a}_${b}`, `${a}-${b}`, `${a}${b[0]!.toUpperCase()}${b.slice(1)}`])
        expect(r.isSensitiveKey(key), key).toBe(true);
    }
  });

  it('mark the value after them in free text and JSON, in both redactors; key-only words do not', () => {
    const names = [...SENSITIVE_WORDS, ...SENSITIVE_PAIRS.map((p) => p.replace(' ', '_'))];
    for (const redactor of [r, createCompactRedactor()]) {
      for (const name of names) {
        expect(redactor.redactString(`${name}=hunter2-trading`), name).toBe(`${name}=[REDACTED]`);
        expect(redactor.redactString(`{"${name}":"hunter2-trading"}`), name).toBe(
          `{"${name}":"[REDACTED]"}`,
        );
      }
      for (const word of KEY_ONLY_WORDS) {
        const text = `${word}: new AWS.SharedIniFileCredentials`;
        expect(redactor.redactString(text), word).toBe(text);
      }
    }
  });
});
