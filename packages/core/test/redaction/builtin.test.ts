import { describe, expect, it } from 'vitest';
import { createCompactRedactor, createRedactor, luhn } from '@tracelog/core';
import { PREFIXED_TOKENS, PREFIX_NEAR_MISSES, tokenVariants } from '@tracelog/test-utils';
import { TOKEN_MIN_LENGTH, TOKEN_PREFIXES } from '../../src/redaction/sensitive.js';

const r = createRedactor();
// Both carry our own rules; the browser's with a smaller share of gitleaks' behind them.
const redactors = [
  ['node', r],
  ['browser', createCompactRedactor()],
] as const;

describe('prefixed tokens', () => {
  it('have a documented example for every prefix', () => {
    const prefixes = TOKEN_PREFIXES.flatMap(([name, list]) => list.map((p) => `${name} ${p}`));
    expect(PREFIXED_TOKENS.map((t) => `${t.rule} ${t.prefix}`).sort()).toEqual(prefixes.sort());
  });

  describe.each(redactors)('the %s redactor', (_, redactor) => {
    it.each(PREFIXED_TOKENS)(
      'masks $prefix… whole, longer, shorter, regrouped and in either case',
      (token) => {
        const variants = tokenVariants(token, TOKEN_MIN_LENGTH);
        expect(variants.length).toBeGreaterThan(25);
        for (const variant of variants) {
          expect(redactor.redactString(variant), variant).toBe(`[REDACTED]:${token.rule}`);
          expect(redactor.redactString(`sent "${variant}" to the API`), variant).toBe(
            `sent "[REDACTED]:${token.rule}" to the API`,
          );
        }
      },
    );

    it('leaves names, filler, short runs, prose and prefixes inside longer words alone', () => {
      for (const { text } of PREFIX_NEAR_MISSES) {
        expect(redactor.redactString(text)).toBe(text);
        expect(redactor.redactString(`got ${text} back`)).toBe(`got ${text} back`);
      }
    });
  });
});

describe('card numbers', () => {
  it('are masked only when they pass the Luhn check', () => {
    expect(r.redactString('card 4111 1111 1111 1111 ok')).toBe('card [REDACTED]:card ok');
    expect(r.redactString('order 4111111111111112')).toBe('order 4111111111111112');
    // Digits elsewhere in the text (ids, amounts) do not hide or make a run.
    expect(r.redactString('req 7f3a9 paid 12.50 with 5555-5555-5555-4444')).toBe(
      'req 7f3a9 paid 12.50 with [REDACTED]:card',
    );
    expect(r.redactString('4111 1111 1111 ab 1111')).toBe('4111 1111 1111 ab 1111');
    expect(luhn('378282246310005')).toBe(true);
    expect(luhn('1234567890123')).toBe(false);
  });

  it('are masked when they start as cards do, not epoch timestamps that happen to pass Luhn', () => {
    // Each of these passes the Luhn check.
    expect(r.redactString('run kill-1795574460055')).toBe('run kill-1795574460055'); // ms
    expect(r.redactString('at 1795574460050124')).toBe('at 1795574460050124'); // µs
    expect(r.redactValue(1795574460055)).toBe(1795574460055);
    expect(r.redactString('uatp 135410014004955')).toBe('uatp [REDACTED]:card');
    for (const card of [
      '378282246310005',
      '6011111111111117',
      '3530111333300000',
      '2221000000000009',
    ])
      expect(r.redactString(`pay ${card}`), card).toBe('pay [REDACTED]:card');
  });
});

describe('schemes and URLs', () => {
  it('keep the scheme of an Authorization value and the user of a URL', () => {
    const header = r.redactString('Authorization: Bearer abc.def-ghi_123');
    expect(header).toBe('Authorization: Bearer [REDACTED]');
    expect(header).not.toContain('abc.def');
    expect(r.redactString('sent Bearer abcdef123456')).toBe('sent Bearer [REDACTED]');
    expect(r.redactString('postgres://orders:s3cret@db:5432/x')).toBe(
      'postgres://orders:[REDACTED]@db:5432/x',
    );
  });
});
