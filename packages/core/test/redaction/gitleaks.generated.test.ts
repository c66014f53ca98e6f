import { describe, expect, it } from 'vitest';
import { createRedactor } from '@tracelog/core';
import { GITLEAKS_RULES } from '../../src/redaction/gitleaks.generated.js';
import { corpus, pct, score } from './gitleaks-corpus.js';

describe('the generated gitleaks rules', () => {
  it('cover every rule of the pinned release, and the corpus holds its examples', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(corpus.reduce((n, r) => n + r.tps.length, 0)).toBeGreaterThan(5000);
    const withExpression = corpus.filter((r) => r.tps.some((tp) => tp.secrets.length > 0));
    const generated = new Set(GITLEAKS_RULES.map((r) => r.id));
    expect(withExpression.filter((r) => !generated.has(r.id)).map((r) => r.id)).toEqual([]);
  });

  it('with our own rules, the Node redactor masks at least 98% of the true positives and leaves 95% of the false positives', () => {
    const s = score(createRedactor());
    console.log(
      `node redactor: ${s.masked}/${s.tp} true positives masked (${pct(s.masked, s.tp)}), ` +
        `${s.untouched}/${s.fp} false positives untouched (${pct(s.untouched, s.fp)})`,
    );
    expect(s.masked / s.tp, s.missed.slice(0, 20).join('\n')).toBeGreaterThanOrEqual(0.98);
    expect(s.untouched / s.fp, s.touched.slice(0, 20).join('\n')).toBeGreaterThanOrEqual(0.95);
  });
});
