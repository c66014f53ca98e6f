import { loadGitleaks } from '../../../../scripts/redaction/source.mjs';
import type { Redactor } from '@tracelog/core';

/**
 * The outside corpus: every rule's own example secrets from the pinned gitleaks release, with
 * the secrets gitleaks itself reports in each (fetched once through the Go module cache).
 */
export const { corpus } = loadGitleaks();

export interface Score {
  tp: number;
  masked: number;
  fp: number;
  untouched: number;
  missed: string[];
  touched: string[];
}

/** How much of the corpus a redactor masks, over all rules or the rules in `ids`. */
export function score(redactor: Redactor, ids?: ReadonlySet<string>): Score {
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

export const pct = (n: number, d: number): string => `${((100 * n) / d).toFixed(2)}%`;
