import { describe, expect, it } from 'vitest';
import { createCompactRedactor } from '@tracelog/core';
import { COMPACT_IDS } from '../../src/redaction/compact.generated.js';
import { pct, score } from './gitleaks-corpus.js';

describe('the browser redactor', () => {
  it('masks every example of the gitleaks rules it carries, and leaves 95% of the false positives', () => {
    const ids = new Set(COMPACT_IDS);
    const own = score(createCompactRedactor(), ids);
    const all = score(createCompactRedactor());
    console.log(
      `browser redactor: ${ids.size} gitleaks rules; ${pct(all.masked, all.tp)} of the whole corpus masked, ` +
        `${pct(all.untouched, all.fp)} of the false positives untouched`,
    );
    expect(own.tp).toBeGreaterThan(ids.size);
    expect(own.missed).toEqual([]);
    expect(all.untouched / all.fp, all.touched.join('\n')).toBeGreaterThanOrEqual(0.95);
  });
});
