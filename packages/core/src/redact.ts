import {
  CARD_TRIGGER_DIGITS,
  builtinRules,
  isCardNumber,
  patternRule,
} from './redaction/builtin.js';
import { GITLEAKS_ALLOW, GITLEAKS_RULES } from './redaction/gitleaks.generated.js';
import { createScanner, specRule } from './redaction/scanner.js';
import type { ScanRule } from './redaction/scanner.js';
import { KEY_ONLY_WORDS, SENSITIVE_PAIRS, SENSITIVE_WORDS } from './redaction/sensitive.js';

export { BUILTIN_PATTERN_NAMES, luhn } from './redaction/builtin.js';

/**
 * The redaction engine: on by default everywhere tracelog writes or sends data. Two kinds of
 * rule: sensitive KEYS (the value under `password` is masked whatever it looks like) and
 * sensitive VALUES (a bearer token, JWT, cloud key or card number is masked wherever it appears,
 * under any key or inside free text). Value rules are ours plus gitleaks' default rules, each run
 * only when one of its keywords occurs in the text.
 */

export interface RedactionOptions {
  /** @default true */
  enabled?: boolean;
  /** Extra sensitive keys: names (compared like the built-in ones) or patterns. */
  keys?: (string | RegExp)[];
  /** Keys never masked by name even if they look sensitive (values are still scanned). */
  allowKeys?: string[];
  /** Extra value patterns; each must be a global regex. */
  patterns?: { name: string; pattern: RegExp }[];
  /** Names of built-in value patterns (see `BUILTIN_PATTERN_NAMES`) or gitleaks rule ids to turn off. */
  disablePatterns?: string[];
  /** @default '[REDACTED]' */
  replacement?: string;
  /** Nesting depth past which values are replaced by a marker. @default 8 */
  maxDepth?: number;
  /** Strings longer than this are cut before scanning. @default 65536 */
  maxStringLength?: number;
}

export interface Redactor {
  isSensitiveKey(key: string): boolean;
  /** Masks sensitive values found anywhere in free text. */
  redactString(text: string): string;
  /** Deep; the whole value is masked when `key` is sensitive. Returns the input itself when nothing changed. */
  redactValue(value: unknown, key?: string): unknown;
  /** A new object with every value redacted; the input is not changed. */
  redactAttributes(attributes: Record<string, unknown>): Record<string, unknown>;
  /** Masks `user:pass@` and sensitive query parameters, or drops the query string. */
  redactUrl(url: string, options?: { dropQuery?: boolean }): string;
  /** Keeps only allow-listed headers (lower-cased names), values masked when sensitive. */
  redactHeaders(
    headers: Record<string, string | string[] | undefined>,
    allow?: readonly string[],
  ): Record<string, string>;
}

/** Sensitive words and pairs as sets, for one lookup per part of a key. */
const WORDS: ReadonlySet<string> = new Set([...SENSITIVE_WORDS, ...KEY_ONLY_WORDS]);
const PAIRS: ReadonlySet<string> = new Set(SENSITIVE_PAIRS);

/**
 * The redactor Node services use: our own rules plus every rule of gitleaks' default
 * configuration (see `redaction/gitleaks.generated.ts`).
 */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  return buildRedactor(
    options,
    (mask, disabled) =>
      GITLEAKS_RULES.filter((s) => !disabled.has(s.id)).map((s) =>
        specRule(s, mask, GITLEAKS_ALLOW),
      ),
    (rules) =>
      createScanner(
        rules.map((r) =>
          r.name === 'card-number' ? { ...r, triggerDigits: CARD_TRIGGER_DIGITS } : r,
        ),
      ),
  );
}

/** A redactor with our own rules followed by `more` (given the mask and the disabled names). */
export function buildRedactor(
  options: RedactionOptions,
  more: (mask: string, disabled: ReadonlySet<string>) => ScanRule[],
  scanner: (rules: readonly ScanRule[]) => (text: string) => string,
): Redactor {
  if (options.enabled === false) return passthrough();
  const mask = options.replacement ?? '[REDACTED]';
  const disabled = new Set(options.disablePatterns ?? []);
  // Keywords first: most strings hold none, and then only the keyword scan runs.
  const runRules = scanner(valueRules(options, mask, disabled, more));
  const redactString = memoizedScan(runRules, options.maxStringLength ?? 65_536);
  const keyKind = keyKinds(sensitiveKeyTest(options));
  const isSensitiveKey = (key: string): boolean => keyKind(key) === 'secret';
  const redactUrl = urlRedactor(redactString, isSensitiveKey, mask);
  const redactValue = valueWalker({
    mask,
    maxDepth: options.maxDepth ?? 8,
    keyKind,
    redactString,
    redactUrl,
  });
  return {
    isSensitiveKey,
    redactString,
    redactValue: (v, k) => redactValue(v, k),
    redactAttributes(attributes) {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(attributes)) out[key] = redactValue(attributes[key], key);
      return out;
    },
    redactUrl,
    redactHeaders: (headers, allow) =>
      keepHeaders(headers, allow, (name, text) =>
        isSensitiveKey(name) ? mask : redactString(text),
      ),
  };
}

/** Our own value rules, then `more`'s, then the user's patterns. */
function valueRules(
  options: RedactionOptions,
  mask: string,
  disabled: ReadonlySet<string>,
  more: (mask: string, disabled: ReadonlySet<string>) => ScanRule[],
): ScanRule[] {
  return [
    ...builtinRules(mask, disabled),
    ...more(mask, disabled),
    // User patterns have no keywords: they run on every string.
    ...(options.patterns ?? []).map(({ name, pattern }) =>
      patternRule(name, [], pattern, () => mask),
    ),
  ];
}

/**
 * Whether a key makes its value a secret: the user's allow list first, then the user's keys,
 * then the sensitive words and pairs among the key's parts.
 */
function sensitiveKeyTest(options: RedactionOptions): (key: string) => boolean {
  const extraWords = new Set<string>();
  const extraRegexes: RegExp[] = [];
  for (const key of options.keys ?? []) {
    if (typeof key === 'string') extraWords.add(normalize(key));
    else extraRegexes.push(key);
  }
  const allowed = new Set((options.allowKeys ?? []).map(normalize));
  return (key) => {
    const whole = normalize(key);
    if (allowed.has(whole)) return false;
    if (extraWords.has(whole) || extraRegexes.some((re) => re.test(key))) return true;
    const parts = splitKey(key);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      if (WORDS.has(part) || extraWords.has(part)) return true;
      const next = parts[i + 1];
      if (next !== undefined && (PAIRS.has(`${part} ${next}`) || WORDS.has(part + next))) {
        return true;
      }
    }
    return false;
  };
}

/**
 * What a key says about its value, decided once per key: a secret (masked whatever it holds),
 * a query string, a URL, or text. One lookup per attribute, whatever its type.
 */
function keyKinds(isSecret: (key: string) => boolean): (key: string) => KeyKind {
  const cache = new Map<string, KeyKind>();
  return (key) => {
    let kind = cache.get(key);
    if (kind === undefined) {
      kind = isSecret(key)
        ? 'secret'
        : QUERY_KEY.test(key)
          ? 'query'
          : URL_KEY.test(key)
            ? 'url'
            : 'text';
      if (cache.size >= 4096) cache.clear();
      cache.set(key, kind);
    }
    return kind;
  };
}

/**
 * `runRules` over texts cut to `maxString`, with a memo for short ones. Short strings repeat:
 * messages, enum values, queue and job names, and a request's or job's own ids, which come again
 * on each of its records and its span. The last verdicts are kept in a direct-mapped memo of
 * 1,024 slots for strings of up to 64 characters, one slot per hash of the length and two
 * characters: a string seen for the first time costs a hash and a store, with none of a Map's
 * upkeep (a unique 30-character job message cost 140 ns in a Map-based cache, most of it the
 * cache's own).
 */
function memoizedScan(
  runRules: (text: string) => string,
  maxString: number,
): (text: string) => string {
  const memoText = new Array<string>(1024);
  const memoResult = new Array<string>(1024);
  const scan = (text: string): string =>
    runRules(text.length > maxString ? `${text.slice(0, maxString)}…[truncated]` : text);
  return (text) => {
    const n = text.length;
    if (n > 64) return scan(text);
    const slot = (n * 31 + text.charCodeAt(n - 1) * 37 + text.charCodeAt(n >> 1) * 131) & 1023;
    if (memoText[slot] === text) return memoResult[slot]!;
    const result = scan(text);
    memoText[slot] = text;
    memoResult[slot] = result;
    return result;
  };
}

/** Masks `user:pass@` and sensitive query parameters, or drops the query string. */
function urlRedactor(
  redactString: (text: string) => string,
  isSensitiveKey: (key: string) => boolean,
  mask: string,
): Redactor['redactUrl'] {
  function redactParameter(pair: string): string {
    const eq = pair.indexOf('=');
    if (eq < 0) return redactString(pair);
    const name = pair.slice(0, eq);
    if (isSensitiveKey(decodeOr(name, name))) return `${name}=${mask}`;
    const value = decodeOr(pair.slice(eq + 1).replace(/\+/g, ' '), pair.slice(eq + 1));
    const redacted = redactString(value);
    return redacted === value ? pair : `${name}=${encodeURIComponent(redacted)}`;
  }
  return (url, opts = {}) => {
    const hash = url.indexOf('#');
    const withoutHash = hash >= 0 ? url.slice(0, hash) : url;
    const q = withoutHash.indexOf('?');
    const base = redactString(q >= 0 ? withoutHash.slice(0, q) : withoutHash);
    if (q < 0 || opts.dropQuery) return base;
    return `${base}?${withoutHash
      .slice(q + 1)
      .split('&')
      .map(redactParameter)
      .join('&')}`;
  };
}

/** `text` percent-decoded, or `fallback` when it is not valid percent-encoding. */
function decodeOr(text: string, fallback: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fallback;
  }
}

interface WalkParts {
  mask: string;
  maxDepth: number;
  keyKind: (key: string) => KeyKind;
  redactString: (text: string) => string;
  redactUrl: Redactor['redactUrl'];
}

type Walk = (value: unknown, key?: string, depth?: number, seen?: Set<object>) => unknown;

/** Deep redaction of any value: scalars by their key's kind, objects part by part. */
function valueWalker(parts: WalkParts): Walk {
  const { mask, maxDepth, keyKind } = parts;
  const redactText = textRedactor(parts);
  // The objects one walk has met: one met again is marked, so a cycle ends and a value shared
  // many times is walked once. One set, emptied after each walk, instead of a WeakSet per walk
  // (its allocation and the collector's upkeep showed per job); a walk that starts while it is
  // in use (a getter that logs) gets its own.
  const walked = new Set<object>();
  const redactObject = objectRedactor(parts, (v, k, d, s) => redactValue(v, k, d, s));

  function redactValue(value: unknown, key?: string, depth = 0, seen?: Set<object>): unknown {
    if (value === null || value === undefined) return value;
    const kind = key === undefined ? 'text' : keyKind(key);
    if (kind === 'secret') return mask;
    if (typeof value === 'string') return redactText(value, kind);
    if (typeof value !== 'object') return redactScalar(value, mask);
    if (depth >= maxDepth) return '[Too deep]';
    const owner = !seen && walked.size === 0;
    const visited = seen ?? (owner ? walked : new Set<object>());
    if (visited.has(value)) return '[Circular]';
    visited.add(value);
    try {
      return redactObject(value, depth, visited);
    } catch {
      return '[Unreadable]';
    } finally {
      if (owner) walked.clear();
    }
  }
  return redactValue;
}

/** Numbers and bigints that are card numbers are masked; other scalars go as they are. */
function redactScalar(value: unknown, mask: string): unknown {
  if (typeof value === 'number') {
    return Number.isInteger(value) &&
      Math.abs(value) >= 1e12 &&
      isCardNumber(String(Math.abs(value)))
      ? `${mask}:card`
      : value;
  }
  if (typeof value === 'bigint')
    return isCardNumber(value.toString().replace('-', '')) ? `${mask}:card` : value;
  return value;
}

/**
 * URLs and query strings need more than a scan: parameter names decide (`?token=…`) and
 * values are percent-encoded, so they go through redactUrl.
 */
function textRedactor(parts: WalkParts): (value: string, kind: KeyKind) => string {
  const { redactString, redactUrl } = parts;
  return (value, kind) => {
    if (kind === 'query') return redactUrl(`?${value}`).slice(1);
    // `includes` first: it is native and nearly every value has no `://`.
    if (kind === 'url' || (value.includes('://') && SCHEME.test(value))) return redactUrl(value);
    return redactString(value);
  };
}

/**
 * One object of a walk, by its type: arrays, errors, maps and sets, plain objects; dates and
 * binary data as they are. Returns the object itself when nothing in it changed.
 */
function objectRedactor(
  parts: WalkParts,
  walk: Walk,
): (object: object, depth: number, visited: Set<object>) => unknown {
  const { redactString } = parts;
  return (object, depth, visited) => {
    const inner = (v: unknown, k?: string) => walk(v, k, depth + 1, visited);
    if (Array.isArray(object)) {
      let changed = false;
      const out = object.map((item: unknown) => {
        const redacted = inner(item);
        if (redacted !== item) changed = true;
        return redacted;
      });
      return changed ? out : object;
    }
    if (object instanceof Error) {
      return {
        name: object.name,
        message: redactString(String(object.message)),
        stack: object.stack === undefined ? undefined : redactString(object.stack),
      };
    }
    if (object instanceof Date || ArrayBuffer.isView(object) || object instanceof ArrayBuffer)
      return object;
    if (object instanceof Map) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of object) out[String(k)] = inner(v, String(k));
      return out;
    }
    if (object instanceof Set) return [...object].map((v: unknown) => inner(v));
    return redactFields(object as Record<string, unknown>, inner);
  };
}

/** A plain object's own fields, each by its key; a getter that throws reads as `[Unreadable]`. */
function redactFields(
  object: Record<string, unknown>,
  inner: (value: unknown, key: string) => unknown,
): unknown {
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(object)) {
    let v: unknown;
    try {
      v = object[k];
    } catch {
      v = '[Unreadable]';
      changed = true;
    }
    const redacted = inner(v, k);
    if (redacted !== v) changed = true;
    out[k] = redacted;
  }
  return changed ? out : object;
}

type KeyKind = 'secret' | 'query' | 'url' | 'text';

/** Attribute keys holding a query string (`url.query`) or a URL (`url.full`, `…header.referer`). */
const QUERY_KEY = /(?:^|[._])query$/i;
const URL_KEY = /(?:^|[._-])(?:url|uri|href|full|original|target|referer|location)$/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

function passthrough(): Redactor {
  return {
    isSensitiveKey: () => false,
    redactString: (text) => text,
    redactValue: (value) => value,
    redactAttributes: (attributes) => ({ ...attributes }),
    redactUrl: (url) => url,
    redactHeaders: (headers, allow) => keepHeaders(headers, allow, (_, text) => text),
  };
}

/**
 * Headers by lower-case name, repeated values joined, only the allowed ones when a list is given;
 * `value` makes each header's value from its name and text.
 */
function keepHeaders(
  headers: Record<string, string | string[] | undefined>,
  allow: readonly string[] | undefined,
  value: (name: string, text: string) => string,
): Record<string, string> {
  const allowSet = allow ? new Set(allow.map((h) => h.toLowerCase())) : undefined;
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (raw === undefined || (allowSet && !allowSet.has(lower))) continue;
    out[lower] = value(lower, Array.isArray(raw) ? raw.join(', ') : raw);
  }
  return out;
}

/** Splits `x-api-key`, `db_password`, `githubToken`, `http.request.header.cookie` into words. */
function splitKey(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

function normalize(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}
