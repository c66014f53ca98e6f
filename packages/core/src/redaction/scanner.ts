import type { AllowSpec, RuleSpec } from './types.js';

/** A rule ready to run: its keywords and what it does to a text that holds one of them. */
export interface ScanRule {
  readonly name: string;
  /** Lower-case; empty = the rule runs on every text. */
  readonly keywords: readonly string[];
  apply(text: string): string;
}

/**
 * Runs only the rules whose keywords occur in the text, found by one pass of one case-sensitive
 * alternation over the lower-cased text: the cost grows with what the text holds, not with the
 * number of rules. (A hand-written Aho-Corasick loop in JavaScript was measurably slower than the
 * regexp engine's literal alternation on log-sized strings.)
 */
export function createScanner(rules: readonly ScanRule[]): (text: string) => string {
  const always: number[] = [];
  const byKeyword = new Map<string, number[]>();
  rules.forEach((rule, index) => {
    if (rule.keywords.length === 0) always.push(index);
    for (const keyword of rule.keywords) {
      const list = byKeyword.get(keyword) ?? [];
      if (!list.includes(index)) list.push(index);
      byKeyword.set(keyword, list);
    }
  });
  const keywords = [...byKeyword.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  // The alternation reports one keyword per position (the longest): a keyword hit also triggers
  // the rules of every keyword inside it (`github_pat_` holds `pat_`).
  const triggers = new Map<string, readonly number[]>();
  for (const keyword of keywords) {
    const set = new Set<number>();
    for (const other of keywords) {
      if (keyword.includes(other)) for (const i of byKeyword.get(other)!) set.add(i);
    }
    triggers.set(keyword, [...set]);
  }
  const prefilter =
    keywords.length > 0 ? new RegExp(keywords.map(escapeRegExp).join('|'), 'g') : undefined;
  const hit = new Uint8Array(rules.length);

  return function scan(text: string): string {
    let any = always.length > 0;
    for (const i of always) hit[i] = 1;
    if (prefilter) {
      const lower = text.toLowerCase();
      prefilter.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = prefilter.exec(lower)) !== null) {
        for (const i of triggers.get(m[0])!) hit[i] = 1;
        any = true;
        prefilter.lastIndex = m.index + 1;
      }
    }
    if (!any) return text;
    let value = text;
    for (let i = 0; i < rules.length; i++) {
      if (hit[i] === 0) continue;
      hit[i] = 0;
      value = rules[i]!.apply(value);
    }
    return value;
  };
}

/** Global allowlists shared by every spec rule (gitleaks' `[allowlist]`). */
export interface GlobalAllow {
  readonly regexes: readonly (readonly [string, string])[];
  readonly stopwords: readonly string[];
}

/**
 * A data rule as gitleaks applies it: each match's secret (its secret group) must pass the
 * entropy check and the allowlists; then only the secret is replaced.
 */
export function specRule(spec: RuleSpec, mask: string, global?: GlobalAllow): ScanRule {
  let re: RegExp | undefined;
  let allow: CompiledAllow[] | undefined;
  const label = `${mask}:${spec.id}`;
  return {
    name: spec.id,
    keywords: spec.keywords,
    apply(text) {
      if (re === undefined) {
        re = new RegExp(spec.source, `${spec.flags}g`);
        allow = compileAllow(spec.allow ?? [], global);
      }
      re.lastIndex = 0;
      let out = '';
      let last = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        const whole = m[0];
        if (whole.length === 0) {
          re.lastIndex++;
          continue;
        }
        let secret: string | undefined;
        if (spec.secretGroup) secret = m[spec.secretGroup];
        else for (let g = 1; g < m.length && !secret; g++) secret = m[g];
        if (!secret) secret = whole.replace(/^\n+|\n+$/g, '');
        if (secret.length === 0 || secret.includes(mask)) continue;
        if (spec.entropy !== undefined && shannon(secret) <= spec.entropy) continue;
        if (allow!.length > 0 && allowed(allow!, secret, whole, text, m.index)) continue;
        const at = m.index + whole.lastIndexOf(secret);
        if (at < last) continue;
        out += text.slice(last, at) + label;
        last = at + secret.length;
      }
      return last === 0 && out === '' ? text : out + text.slice(last);
    },
  };
}

interface CompiledAllow {
  all: boolean;
  target: 'secret' | 'match' | 'line';
  regexes: RegExp[];
  stopwords: readonly string[];
}

function compileAllow(specs: readonly AllowSpec[], global?: GlobalAllow): CompiledAllow[] {
  const out: CompiledAllow[] = specs.map((a) => ({
    all: a.all === true,
    target: a.target ?? 'secret',
    regexes: (a.regexes ?? []).map(([s, f]) => new RegExp(s, f)),
    stopwords: a.stopwords ?? [],
  }));
  if (global) {
    out.push({
      all: false,
      target: 'secret',
      regexes: global.regexes.map(([s, f]) => new RegExp(s, f)),
      stopwords: global.stopwords,
    });
  }
  return out;
}

function allowed(
  lists: readonly CompiledAllow[],
  secret: string,
  match: string,
  text: string,
  index: number,
): boolean {
  for (const list of lists) {
    let subject = secret;
    if (list.target === 'match') subject = match;
    else if (list.target === 'line') {
      const start = text.lastIndexOf('\n', index) + 1;
      const end = text.indexOf('\n', index + match.length);
      subject = text.slice(start, end < 0 ? text.length : end);
    }
    const checks: boolean[] = [];
    if (list.regexes.length > 0) checks.push(list.regexes.some((re) => re.test(subject)));
    if (list.stopwords.length > 0) {
      const lower = secret.toLowerCase();
      checks.push(list.stopwords.some((w) => lower.includes(w)));
    }
    if (checks.length === 0) continue;
    if (list.all ? checks.every(Boolean) : checks.some(Boolean)) return true;
  }
  return false;
}

/** Shannon entropy in bits per character, as gitleaks computes it for `entropy = …`. */
export function shannon(text: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let h = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    h -= p * Math.log2(p);
  }
  return h;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
