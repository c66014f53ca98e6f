import type { AllowSpec, RuleSpec } from './types.js';

/** A rule ready to run: its keywords and what it does to a text that holds one of them. */
export interface ScanRule {
  readonly name: string;
  /** Lower-case; empty (and no `trigger`) = the rule runs on every text. */
  readonly keywords: readonly string[];
  /** Instead of keywords: a regular expression source whose match makes the rule run. */
  readonly trigger?: string;
  /**
   * The fewest ASCII digits in one run (single spaces or dashes between them allowed) a text
   * holds when `trigger` matches it; the trigger is tested only then.
   */
  readonly triggerDigits?: number;
  /** The shortest text the rule can change: shorter ones are not given to it. */
  readonly minLength?: number;
  /** Characters of which a text must hold one for the rule to change it. */
  readonly needs?: string;
  /**
   * A global expression without which the rule changes nothing: tested first, as a test that
   * fails costs about half of a `replace` that finds nothing (measured on bench/redaction's texts).
   */
  readonly pattern?: RegExp;
  apply(text: string): string;
}

/**
 * Runs only the rules whose keywords occur in the text: the cost grows with what the text holds,
 * not with the number of rules. Keywords are found in one pass over the text's characters: each
 * pair of adjacent characters is looked up in a table of the pairs that open a keyword (in any
 * case), then the third character in that pair's set of third characters, and only then are the
 * pair's keywords compared. Measured on bench/redaction's texts (29 characters on average; CPU
 * time, medians of 9 alternating rounds), per text: this pass 84 ns; without the third-character
 * set 106 ns; a hashed table of character triples 124 ns (more work per character); a 64K table
 * on the low bytes (no ASCII test) 165 ns; one case-insensitive expression of every keyword folded
 * into a trie (`a(?:3-|dafruit|…)|b…`), which this replaced, 211 ns with `exec` and 128 ns for a
 * bare yes/no `test` — nearly every letter opens some keyword, so the engine tries a branch at
 * every position. Texts shorter than any rule's shortest match are not looked at, and a rule is
 * skipped for a text shorter than its own.
 */
export function createScanner(rules: readonly ScanRule[]): (text: string) => string {
  const index = indexRules(rules);
  const table = keywordTable(index.byKeyword);
  const gates = ruleGates(rules);
  // Triggers (card numbers: a run of digits) are tested once per text, and only when it holds
  // enough digits: counting them in the pass costs less than the regular expression's own search.
  const trigger =
    index.triggerSources.length > 0 ? new RegExp(index.triggerSources.join('|')) : undefined;
  const hit = new Uint8Array(rules.length);
  const due: number[] = [];

  function mark(list: readonly number[]): void {
    for (const i of list) {
      if (hit[i] === 0) {
        hit[i] = 1;
        due.push(i);
      }
    }
  }

  return function scan(text: string): string {
    if (text.length < gates.shortest) return text;
    if (index.always.length > 0) mark(index.always);
    const longest = markKeywords(table, text, mark);
    if (longest >= index.triggerDigits && trigger!.test(text)) mark(index.triggered);
    if (due.length === 0) return text;
    // In rule order: our own rules (readable masks) before gitleaks'.
    if (due.length > 1) due.sort((a, b) => a - b);
    let value = text;
    for (const i of due) {
      hit[i] = 0;
      if (gates.admits(i, value)) value = rules[i]!.apply(value);
    }
    due.length = 0;
    return value;
  };
}

interface RuleIndex {
  /** Rules that run on every text. */
  always: number[];
  byKeyword: Map<string, number[]>;
  /** Rules run when a trigger matches, and the triggers' sources. */
  triggered: number[];
  triggerSources: string[];
  /** The fewest digits in one run a text holds when any trigger matches it. */
  triggerDigits: number;
}

/** Which rules each keyword runs, which run always and which on a trigger. */
function indexRules(rules: readonly ScanRule[]): RuleIndex {
  const index: RuleIndex = {
    always: [],
    byKeyword: new Map(),
    triggered: [],
    triggerSources: [],
    triggerDigits: Infinity,
  };
  rules.forEach((rule, i) => {
    if (rule.trigger !== undefined) {
      index.triggered.push(i);
      index.triggerSources.push(rule.trigger);
      index.triggerDigits = Math.min(index.triggerDigits, rule.triggerDigits ?? 0);
    } else if (rule.keywords.length === 0) index.always.push(i);
    for (const keyword of rule.keywords) {
      const list = index.byKeyword.get(keyword) ?? [];
      if (!list.includes(i)) list.push(i);
      index.byKeyword.set(keyword, list);
    }
  });
  return index;
}

interface KeywordTable {
  /** Per pair of raw character codes (`a << 7 | b`), its group + 1; 0 = no keyword opens so. */
  pairIndex: Uint16Array;
  /** Per group, its keywords (lower case) and each keyword's rules. */
  pairWords: string[][];
  pairRules: (readonly number[])[][];
  /** Per group, the set of ASCII codes its keywords have third: four 32-bit words. */
  thirds: Int32Array;
  /** Keywords the table cannot hold, found by a regular expression, and their rules. */
  oddFilter: RegExp | undefined;
  oddRules: Map<string, readonly number[]>;
}

/**
 * Per opening pair of characters (in every case: the table is indexed by the raw codes, which
 * saves folding each character), its keywords and their rules, and the set of characters its
 * keywords have third (all set when a keyword is only the pair): most pairs that open a keyword in
 * prose go no further. Keywords the table cannot hold (one character, or not ASCII) go to a
 * regular expression instead.
 */
function keywordTable(byKeyword: ReadonlyMap<string, number[]>): KeywordTable {
  const pairIndex = new Uint16Array(128 * 128);
  const pairWords: string[][] = [];
  const pairRules: (readonly number[])[][] = [];
  const third: number[] = [];
  const odd: string[] = [];
  for (const [keyword, list] of byKeyword) {
    if (keyword.length < 2 || [...keyword].some((ch) => ch.charCodeAt(0) >= 128)) {
      odd.push(keyword);
      continue;
    }
    const a = FOLD[keyword.charCodeAt(0)]!;
    const b = FOLD[keyword.charCodeAt(1)]!;
    let group = pairIndex[(a << 7) | b]!;
    if (group === 0) {
      pairWords.push([]);
      pairRules.push([]);
      third.push(0, 0, 0, 0);
      group = pairWords.length;
      for (const x of cases(a)) for (const y of cases(b)) pairIndex[(x << 7) | y] = group;
    }
    const at = (group - 1) * 4;
    if (keyword.length === 2) third.fill(-1, at, at + 4);
    else
      for (const z of cases(FOLD[keyword.charCodeAt(2)]!)) third[at + (z >> 5)]! |= 1 << (z & 31);
    pairWords[group - 1]!.push(keyword.toLowerCase());
    pairRules[group - 1]!.push(list);
  }
  return {
    pairIndex,
    pairWords,
    pairRules,
    thirds: Int32Array.from(third),
    oddFilter: odd.length > 0 ? new RegExp(odd.map(escapeRegExp).join('|'), 'gi') : undefined,
    oddRules: new Map(odd.map((k) => [k, byKeyword.get(k)!])),
  };
}

/**
 * Marks the rules of every keyword in `text`, in one pass over its characters; returns the
 * longest run of digits, single spaces or dashes between them allowed: hex ids and timestamps
 * hold many digits but short runs, so the card trigger is rarely tested.
 */
function markKeywords(
  table: KeywordTable,
  text: string,
  mark: (rules: readonly number[]) => void,
): number {
  const { pairIndex, pairWords, pairRules, thirds } = table;
  const n = text.length;
  let prev = n > 0 ? text.charCodeAt(0) : 0;
  let run = isDigit(prev) ? 1 : 0;
  let longest = run;
  for (let i = 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (isDigit(c)) {
      // A run goes on after a digit, or after one space or dash that follows a digit.
      const goesOn =
        isDigit(prev) || ((prev === 32 || prev === 45) && isDigit(text.charCodeAt(i - 2)));
      run = goesOn ? run + 1 : 1;
      if (run > longest) longest = run;
    }
    if ((prev | c) < 128) {
      const group = pairIndex[(prev << 7) | c]!;
      if (group !== 0) {
        const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (next >= 128 || ((thirds[(group - 1) * 4 + (next >> 5)]! >>> (next & 31)) & 1) === 1) {
          const words = pairWords[group - 1]!;
          const lists = pairRules[group - 1]!;
          for (let w = 0; w < words.length; w++) {
            if (startsWithFolded(text, i - 1, words[w]!)) mark(lists[w]!);
          }
        }
      }
    }
    prev = c;
  }
  if (table.oddFilter) markOdd(table, text, mark);
  return longest;
}

function markOdd(
  table: KeywordTable,
  text: string,
  mark: (rules: readonly number[]) => void,
): void {
  const filter = table.oddFilter!;
  filter.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = filter.exec(text)) !== null) {
    mark(table.oddRules.get(m[0].toLowerCase()) ?? []);
    filter.lastIndex = m.index + 1;
  }
}

interface RuleGates {
  /** Shorter texts (methods, status texts, short ids) are returned without a look. */
  shortest: number;
  /** Whether rule `i` can change `text` at all. */
  admits(i: number, text: string): boolean;
}

/**
 * What a text must have for each rule to be run on it. A keyword in a text too short for the
 * rule's expression (a path `/api/orders` holds `api`, but generic-api-key needs 14 characters)
 * costs a comparison instead of a run; the same for the characters a rule needs: `includes` for
 * one, else one class (measured on the HTTP-span mix, the class costs a third of an `includes`
 * per character); then the rule's own expression, when it has one.
 */
function ruleGates(rules: readonly ScanRule[]): RuleGates {
  const minLengths = Int32Array.from(
    rules,
    (r) => r.minLength ?? (r.pattern ? minMatchLength(r.pattern.source) : 0),
  );
  const needs = rules.map((r): ((text: string) => boolean) | undefined => {
    const chars = r.needs ?? (r.pattern ? requiredChars(r.pattern.source) : undefined);
    if (chars === undefined) return undefined;
    if (chars.length === 1) return (text) => text.includes(chars);
    const re = new RegExp(`[${escapeRegExp(chars).replace(/[-\]]/g, '\\$&')}]`);
    return (text) => re.test(text);
  });
  return {
    shortest: Math.min(...minLengths),
    admits(i, text) {
      if (text.length < minLengths[i]!) return false;
      const need = needs[i];
      if (need !== undefined && !need(text)) return false;
      const pattern = rules[i]!.pattern;
      if (pattern) {
        pattern.lastIndex = 0;
        const found = pattern.test(text);
        pattern.lastIndex = 0;
        return found;
      }
      return true;
    },
  };
}

/**
 * ASCII letters to lower case, every other code below 128 to itself. Marked pure so that bundles
 * which use only `escapeRegExp` from this file (the browser SDK's) drop it.
 */
const FOLD = /* @__PURE__ */ Uint8Array.from({ length: 128 }, (_, c) =>
  c >= 65 && c <= 90 ? c + 32 : c,
);

/** A lower-case ASCII code and, for a letter, its upper case. */
function cases(code: number): number[] {
  return code >= 97 && code <= 122 ? [code, code - 32] : [code];
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** `word` (lower case, ASCII, its first two characters already compared) at `at` in `text`. */
function startsWithFolded(text: string, at: number, word: string): boolean {
  if (at + word.length > text.length) return false;
  for (let k = 2; k < word.length; k++) {
    const c = text.charCodeAt(at + k);
    if ((c < 128 ? FOLD[c]! : c) !== word.charCodeAt(k)) return false;
  }
  return true;
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
    minLength: minMatchLength(spec.source),
    needs: requiredChars(spec.source),
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

/**
 * The fewest characters any match of a JavaScript regular expression source has (0 when unsure):
 * lookarounds, anchors and back references count as nothing, a class or escape as one.
 */
export function minMatchLength(source: string): number {
  return analyze(source).min;
}

/**
 * Characters of which every match of a JavaScript regular expression source holds at least one
 * (punctuation and spaces only, so the case flags do not matter), or undefined: gitleaks'
 * generic-api-key needs one of `=>:|?,` after its keyword, so a path `/api/orders/7` holds its
 * keyword but not what it needs.
 */
export function requiredChars(source: string): string | undefined {
  const sets = analyze(source).sets;
  return sets.length === 0 ? undefined : sets.reduce((a, b) => (b.length < a.length ? b : a));
}

interface Shape {
  /** Fewest characters a match has. */
  min: number;
  /** Sets of characters (as strings): a match holds at least one character of each. */
  sets: string[];
}

function analyze(source: string): Shape {
  let i = 0;
  const smallest = (sets: string[]) => sets.reduce((a, b) => (b.length < a.length ? b : a));
  // One alternation, up to the `)` that closes its group or the end.
  function alternation(): Shape {
    const branches: Shape[] = [];
    for (;;) {
      branches.push(sequence());
      if (source[i] !== '|') break;
      i++;
    }
    if (branches.length === 1) return branches[0]!;
    const min = Math.min(...branches.map((b) => b.min));
    const every = branches.every((b) => b.sets.length > 0);
    const union = every
      ? [...new Set(branches.map((b) => smallest(b.sets)).join(''))].join('')
      : '';
    return { min, sets: every ? [union] : [] };
  }
  function sequence(): Shape {
    let min = 0;
    const sets: string[] = [];
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      let atom: Shape = { min: 1, sets: [] };
      const c = source[i]!;
      if (c === '\\') {
        const e = source[i + 1]!;
        i += 2;
        if ('bB'.includes(e) || /[1-9k]/.test(e)) atom = { min: 0, sets: [] };
        else if (/[^\w\s]/.test(e)) atom = { min: 1, sets: [e] };
        if (e === 'k') i = source.indexOf('>', i) + 1;
        else if (e === 'x') i += 2;
        else if (e === 'u') i += source[i] === '{' ? source.indexOf('}', i) + 1 - i : 4;
      } else if (c === '[') {
        i++;
        if (source[i] === '^') i++;
        if (source[i] === ']') i++;
        while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
        i++;
      } else if (c === '(') {
        i++;
        let look = false;
        if (source[i] === '?') {
          const head = /^\?(?:[=!]|<[=!]|<[^>]*>|[a-z-]*:)/i.exec(source.slice(i))?.[0] ?? '?';
          look = /^\?<?[=!]$/.test(head);
          i += head.length;
        }
        atom = alternation();
        i++; // `)`
        if (look) atom = { min: 0, sets: [] };
      } else {
        i++;
        if (c === '^' || c === '$') atom = { min: 0, sets: [] };
        else if (c !== '.' && /[^\w]/.test(c)) atom = { min: 1, sets: [c] };
      }
      // Quantifier.
      const q = /^(?:[*?]|\+|\{(\d+)(?:,\d*)?\})\??/.exec(source.slice(i));
      if (q) {
        i += q[0].length;
        if (q[0][0] === '*' || q[0][0] === '?' || q[1] === '0') atom = { min: 0, sets: [] };
        else if (q[1] !== undefined) atom = { min: atom.min * Number(q[1]), sets: atom.sets };
      }
      min += atom.min;
      sets.push(...atom.sets);
    }
    return { min, sets };
  }
  const shape = alternation();
  return Number.isFinite(shape.min) ? shape : { min: 0, sets: [] };
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
