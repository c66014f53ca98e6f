import { describe, expect, it } from 'vitest';
import { createRedactor } from '@tracelog/core';
import { builtinRules } from '../../src/redaction/builtin.js';
import { GITLEAKS_RULES } from '../../src/redaction/gitleaks.generated.js';
import { minMatchLength, requiredChars } from '../../src/redaction/scanner.js';
import { corpus } from './gitleaks-corpus.js';

const r = createRedactor();

describe('the keyword pass', () => {
  it('finds keywords in any case, at either end of the text and beside non-ASCII text', () => {
    const npm = 'npm_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    const token = npm.slice(0, 40);
    for (const text of [
      token,
      `NPM_${token.slice(4)}`,
      `é ${token}`,
      `${token} ü`,
      `«${token} »`,
    ]) {
      expect(r.redactString(text), text).not.toContain(token.slice(4));
    }
    expect(r.redactString('Password: hunter2-trading')).toBe('Password: [REDACTED]');
    expect(r.redactString('x PASSWORD=hunter2-trading')).toBe('x PASSWORD=[REDACTED]');
  });

  it('tests the card trigger only with enough digits, and still finds cards split by spaces', () => {
    expect(r.redactString('card 4111 1111 1111 1111 on file')).toBe('card [REDACTED]:card on file');
    expect(r.redactString('order 4111-1111-1111')).toBe('order 4111-1111-1111');
  });

  it('returns short values as they are', () => {
    for (const value of ['GET', 'POST', '200', 'ok', 'ord-1', '/', 'pwd=ab']) {
      expect(r.redactString(value)).toBe(value);
    }
    expect(r.redactString('pwd=abc')).toBe('pwd=[REDACTED]');
  });
});

describe('what a rule needs', () => {
  it('knows the shortest match of an expression', () => {
    expect(minMatchLength('abc')).toBe(3);
    expect(minMatchLength('a{3,5}b?c*[xy]+d+?')).toBe(5);
    expect(minMatchLength('(?:ab|c)(?=zzzz)\\bq$')).toBe(2);
    expect(minMatchLength('(?<n>ab)\\k<n>\\x41\\u0041[\\]a]')).toBe(5);
    expect(minMatchLength('(?i:ab)(?<!x)(?-i:c){2}|[^)]{3}')).toBe(3);
    expect(minMatchLength('')).toBe(0);
  });

  it('knows which characters every match of an expression holds one of', () => {
    expect(requiredChars('api[ \\w]{0,5}(?:=|:{1,3}=|\\?=|,)\\S+')).toBe('=:?,');
    expect(requiredChars('a(?:x|y)\\.b-c')).toBe('.');
    expect(requiredChars('a(?:=|b)')).toBeUndefined();
    expect(requiredChars('a(?:-)?b:{0,2}c')).toBeUndefined();
    expect(requiredChars('x|y:')).toBeUndefined();
    expect(requiredChars('(?=:)abc')).toBeUndefined();
  });

  it('no rule matches a text of the gitleaks corpus the scanner skips it for (too short, or without a character it needs)', () => {
    const texts = corpus.flatMap((rule) => [
      ...rule.tps.map((t) => t.text),
      ...rule.fps.map((f) => f.text),
    ]);
    const expressions = [
      ...GITLEAKS_RULES.map((s) => [s.id, new RegExp(s.source, `${s.flags}g`)] as const),
      ...builtinRules('[REDACTED]', new Set()).map((b) => [b.name, b.pattern!] as const),
    ];
    const skipped: string[] = [];
    let gated = 0;
    for (const [id, re] of expressions) {
      const min = minMatchLength(re.source);
      const needs = requiredChars(re.source);
      if (needs !== undefined) gated++;
      for (const text of texts) {
        for (const m of text.matchAll(re)) {
          if (m[0].length < min) skipped.push(`${id} (shorter than ${min}): ${m[0]}`);
          if (needs !== undefined && ![...needs].some((c) => m[0].includes(c)))
            skipped.push(`${id} (none of ${needs}): ${m[0]}`);
        }
      }
    }
    expect(gated).toBeGreaterThan(100);
    expect(skipped).toEqual([]);
  }, 120_000);
});
