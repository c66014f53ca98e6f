import type { AllowSpec, RuleSpec } from './types.js';

/** A rule ready to run: its keywords and what it does to a text that holds one of them. */
export interface ScanRule {
  readonly name: string;
  /** Lower-case; empty (and no `trigger`) = the rule runs on every text. */
  readonly keywords: readonly string[];
  /** Instead of keywords: a regular expression source whose match makes the rule run. */
  readonly trigger?: string;
  apply(text: string): string;
}

/**
 * Runs only the rules whose keywords occur in the text, found by one pass of one case-insensitive
 * regular expression of every keyword: the cost grows with what the text holds, not with the
 * number of rules. The keywords are folded into a trie (`a(?:3-|dafruit|…)|b…`), so at each
 * position the engine follows one branch instead of trying every keyword: measured on log-sized
 * strings, twice as fast as the flat alternation and 3× as fast as a trie walk in JavaScript.
 */
export function createScanner(rules: readonly ScanRule[]): (text: string) => string {
  const always: number[] = [];
  const byKeyword = new Map<string, number[]>();
  const triggered: number[] = [];
  const triggerSources: string[] = [];
  rules.forEach((rule, index) => {
    if (rule.trigger !== undefined) {
      triggered.push(index);
      triggerSources.push(rule.trigger);
    } else if (rule.keywords.length === 0) always.push(index);
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
  // Triggers (card numbers: a run of digits) share the one pass with the keywords.
  const sources = [...(keywords.length > 0 ? [trieSource(keywords)] : []), ...triggerSources];
  const prefilter = sources.length > 0 ? new RegExp(sources.join('|'), 'gi') : undefined;
  const hit = new Uint8Array(rules.length);
  const due: number[] = [];

  return function scan(text: string): string {
    for (const i of always) {
      hit[i] = 1;
      due.push(i);
    }
    if (prefilter) {
      prefilter.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = prefilter.exec(text)) !== null) {
        const found = triggers.get(m[0]) ?? triggers.get(m[0].toLowerCase()) ?? triggered;
        for (const i of found) {
          if (hit[i] === 0) {
            hit[i] = 1;
            due.push(i);
          }
        }
        prefilter.lastIndex = m.index + 1;
      }
    }
    if (due.length === 0) return text;
    // In rule order: our own rules (readable masks) before gitleaks'.
    if (due.length > 1) due.sort((a, b) => a - b);
    let value = text;
    for (const i of due) {
      hit[i] = 0;
      value = rules[i]!.apply(value);
    }
    due.length = 0;
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
        if (allow!.length > 0) {
          let start = m.index;
          if (spec.widen) {
            const floor = Math.max(last, m.index - 50);
            while (start > floor && IDENTIFIER_CHAR.test(text[start - 1]!)) start--;
          }
          if (allowed(allow!, secret, text.slice(start, m.index + whole.length), text, start))
            continue;
        }
        const at = m.index + whole.lastIndexOf(secret);
        if (at < last) continue;
        out += text.slice(last, at) + label;
        last = at + secret.length;
      }
      return last === 0 && out === '' ? text : out + text.slice(last);
    },
  };
}

const IDENTIFIER_CHAR = /[\w.-]/;

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

/** One regular expression matching any of `words`, longest first, shaped as their trie. */
export function trieSource(words: readonly string[]): string {
  interface Node {
    end: boolean;
    next: Map<string, Node>;
  }
  const root: Node = { end: false, next: new Map() };
  for (const word of words) {
    let node = root;
    for (const ch of word) {
      let child = node.next.get(ch);
      if (!child) node.next.set(ch, (child = { end: false, next: new Map() }));
      node = child;
    }
    node.end = true;
  }
  const emit = (node: Node): string => {
    const branches = [...node.next].map(([ch, child]) => escapeRegExp(ch) + emit(child));
    if (branches.length === 0) return '';
    const body = branches.length === 1 ? branches[0]! : `(?:${branches.join('|')})`;
    if (!node.end) return body;
    return branches.length === 1 && node.next.size === 1 && body.length === 1
      ? `${body}?`
      : `(?:${branches.join('|')})?`;
  };
  return emit(root);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
