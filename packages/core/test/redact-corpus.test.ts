import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCompactRedactor, createRedactor } from '@tracelog/core';
import type { Redactor } from '@tracelog/core';
import { loadGitleaks } from '../../../scripts/redaction/source.mjs';
import { builtinRules } from '../src/redaction/builtin.js';
import { GITLEAKS_RULES } from '../src/redaction/gitleaks.generated.js';
import { minMatchLength, requiredChars } from '../src/redaction/scanner.js';

// The outside corpus: every rule's own example secrets from the pinned gitleaks release, with
// the secrets gitleaks itself reports in each (fetched once through the Go module cache).
const { corpus } = loadGitleaks();
const root = fileURLToPath(new URL('../../..', import.meta.url));

interface Score {
  tp: number;
  masked: number;
  fp: number;
  untouched: number;
  missed: string[];
  touched: string[];
}

function score(redactor: Redactor, ids?: ReadonlySet<string>): Score {
  const s: Score = { tp: 0, masked: 0, fp: 0, untouched: 0, missed: [], touched: [] };
  for (const rule of corpus) {
    if (ids && !ids.has(rule.id)) continue;
    for (const example of rule.tps) {
      if (example.secrets.length === 0) continue; // rules bound to file paths
      s.tp++;
      const out = redactor.redactString(example.text);
      if (example.secrets.every((secret) => !out.includes(secret))) s.masked++;
      else s.missed.push(`${rule.id}: ${example.text.slice(0, 80)}`);
    }
    // A false positive of one rule can be a true positive of another (a Cloudflare global key
    // is a false positive of the origin-CA rule): only those no gitleaks rule flags count.
    for (const example of rule.fps) {
      if (example.flaggedBy.length > 0) continue;
      s.fp++;
      if (redactor.redactString(example.text) === example.text) s.untouched++;
      else s.touched.push(`${rule.id}: ${example.text.slice(0, 80)}`);
    }
  }
  return s;
}

const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(2)}%`;

describe('gitleaks corpus', () => {
  it('covers every rule of the pinned release', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(corpus.reduce((n, r) => n + r.tps.length, 0)).toBeGreaterThan(5000);
  });

  it('the Node redactor masks at least 98% of the true positives and leaves 95% of the false positives', () => {
    const s = score(createRedactor());
    console.log(
      `node redactor: ${s.masked}/${s.tp} true positives masked (${pct(s.masked, s.tp)}), ` +
        `${s.untouched}/${s.fp} false positives untouched (${pct(s.untouched, s.fp)})`,
    );
    expect(s.masked / s.tp, s.missed.slice(0, 20).join('\n')).toBeGreaterThanOrEqual(0.98);
    expect(s.untouched / s.fp, s.touched.slice(0, 20).join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('the browser redactor masks every example of the rules it carries', async () => {
    const { COMPACT_IDS } = await import('../src/redaction/compact.generated.js');
    const ids = new Set(COMPACT_IDS);
    const own = score(createCompactRedactor(), ids);
    const all = score(createCompactRedactor());
    console.log(
      `browser redactor: ${ids.size} gitleaks rules; ${pct(all.masked, all.tp)} of the whole corpus masked, ` +
        `${pct(all.untouched, all.fp)} of the false positives untouched`,
    );
    expect(own.missed).toEqual([]);
    expect(all.untouched / all.fp).toBeGreaterThanOrEqual(0.95);
  });

  it('no rule matches a text the scanner skips it for (too short, or without a character it needs)', () => {
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

  it('the generated rules match the pinned gitleaks release', () => {
    // Fails when the committed rules, browser subset or collector statements drift.
    expect(() =>
      execFileSync(process.execPath, ['scripts/redaction/generate.mjs', '--check'], {
        cwd: root,
        stdio: 'pipe',
      }),
    ).not.toThrow();
  }, 300_000);
});
