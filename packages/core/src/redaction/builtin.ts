import { escapeRegExp } from './scanner.js';
import type { ScanRule } from './scanner.js';
import { SENSITIVE_PAIRS, SENSITIVE_WORDS, TOKEN_MIN_LENGTH, TOKEN_PREFIXES } from './sensitive.js';

/**
 * Our own value rules: formats gitleaks has no rule for (connection-string keys, SAS signatures,
 * `password=` / `secret:` pairs in free text, JSON secrets, URL credentials, card numbers), token
 * prefixes masked whatever the length that follows (gitleaks wants each provider's exact format)
 * and the ones we masked before gitleaks' rules came in, kept for their readable masks
 * (`Bearer [REDACTED]`, `postgres://orders:[REDACTED]@db`). Each names the keywords that must
 * appear for it to run. Token formats with a rule in gitleaks that matches them exactly and no
 * well-known prefix (AWS, Google keys) are left to those rules and their allowlists.
 */

/**
 * Values that stand for a secret rather than being one: variables and templates (`$TOKEN`,
 * `${DB_PASSWORD}`, `{{ .Values.password }}`, `<your token>`, `%PASSWORD%`, `var.password`)
 * filler (`xxxxx`, `*****`, `…EXAMPLE`, `[redacted]`), names in capitals (`ACCESS_TOKEN`,
 * `YOUR_API_KEY`) and a quoted "value" that is itself the start of an assignment. gitleaks'
 * global allowlist and rule allowlists spare the same.
 */
const PLACEHOLDER = /^(?:[$%@<{]|var\.)|(.)\1{4}|^[A-Z]+(?:_[A-Z]+)+$|[=:]\s*$/;
const FILLER = /example|redacted|^(?:true|false|null|none|undefined)$/i;
/** Filler inside a token of the right shape: `ghp_xxxx…`, `xoxp-…-#####`. */
const FILL = /x{5}|X{5}|\*{5}|#{5}/;
const placeholder = (value: string): boolean => PLACEHOLDER.test(value) || FILLER.test(value);
const AUTH_SCHEME_VALUE = /^(?:bearer|basic|token|digest)$/i;

/** The sensitive words and pairs as an expression source, for keys in free text. */
const KEY_VALUE_NAMES = [
  ...SENSITIVE_WORDS,
  ...SENSITIVE_PAIRS.map((p) => p.replace(' ', '[_-]?')),
].join('|');
/** What a text holds when it holds a sensitive key: the words, and each pair written three ways. */
const KEY_VALUE_KEYWORDS = [
  ...SENSITIVE_WORDS,
  ...SENSITIVE_PAIRS.flatMap((p) => ['_', '-', ''].map((sep) => p.replace(' ', sep))),
];

interface Builtin {
  name: string;
  keywords: readonly string[];
  trigger?: string;
  pattern: RegExp;
  replace: (match: string, ...groups: string[]) => string;
}

function builtins(mask: string): Builtin[] {
  return [
    {
      name: 'private-key',
      keywords: ['private key-----'],
      // At least a line's worth of key material: the markers alone are prose.
      pattern:
        /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?[A-Za-z0-9+/=]{16}[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g,
      replace: () => `${mask}:private-key`,
    },
    {
      name: 'jwt',
      keywords: ['eyj'],
      pattern: /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
      replace: () => `${mask}:jwt`,
    },
    {
      name: 'auth-scheme',
      keywords: ['bearer', 'basic', 'token', 'digest'],
      pattern: /\b(Bearer|Basic|Token|Digest)(\s+)[A-Za-z0-9\-._~+/]{6,}=*/gi,
      replace: (m, scheme = '', space = '') =>
        placeholder(m.slice(scheme.length + space.length)) ? m : `${scheme}${space}${mask}`,
    },
    {
      name: 'url-credentials',
      keywords: ['://'],
      pattern: /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/?#]+):([^\s@/?#]+)@/gi,
      replace: (_m, scheme = '', user = '') => `${scheme}${user}:${mask}@`,
    },
    {
      // Azure storage / Service Bus / Event Hubs connection strings and their kin.
      name: 'connection-string-key',
      keywords: ['accountkey', 'sharedaccesskey', 'sharedaccesssignature', 'sharedsecret'],
      pattern:
        /\b((?:AccountKey|SharedAccessKey|SharedAccessSignature|SharedSecret(?:Value)?)\s*=\s*)([^;"'\s]{6,})/gi,
      replace: (_m, key = '') => `${key}${mask}`,
    },
    {
      // A shared access signature's `sig=` in a URL, query string or connection string.
      name: 'sas-signature',
      keywords: ['sig='],
      pattern: /((?:^|[?&;\s])sig=)([A-Za-z0-9%+/=_-]{16,})/gi,
      replace: (_m, key = '') => `${key}${mask}`,
    },
    {
      name: 'json-secret',
      keywords: KEY_VALUE_KEYWORDS,
      pattern: new RegExp(
        `("[^"]*(?:${KEY_VALUE_NAMES})[^"]*"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`,
        'gi',
      ),
      replace: (m, prefix = '') =>
        placeholder(m.slice(prefix.length + 1, -1)) ? m : `${prefix}"${mask}"`,
    },
    {
      // `password=…`, `secret: '…'`, `api_key = "…"` in free text, configs and code.
      name: 'key-value',
      keywords: KEY_VALUE_KEYWORDS,
      pattern: new RegExp(
        `\\b([A-Za-z0-9_-]*?(?:${KEY_VALUE_NAMES}))(["']?[ \\t]*(?:=>|[:?]{0,3}=|:)[ \\t]*)(?:(["'\x60])(?!${escapeRegExp(mask)})((?:[^"'\x60\\\\\\n]|\\\\.){3,512})\\3|(?!\\s|["'\x60=:>]|${escapeRegExp(mask)})([^\\s&"'\x60,;]{3,}))`,
        'gi',
      ),
      replace: (m, key = '', sep = '', quote?: string, quoted?: string, bare?: string) => {
        const value = quoted ?? bare ?? '';
        if (placeholder(value) || AUTH_SCHEME_VALUE.test(value)) return m;
        // A shell command substitution (`` `vault read …` ``) names where the secret comes from.
        if (quote === '`' && value.includes(' ')) return m;
        return quote ? `${key}${sep}${quote}${mask}${quote}` : `${key}${sep}${mask}`;
      },
    },
    ...TOKEN_PREFIXES.map((entry) => prefixedToken(entry, mask)),
    {
      name: 'card-number',
      keywords: [],
      trigger: '\\d(?:[ -]?\\d){12}',
      pattern: /\b\d(?:[ -]?\d){12,18}\b/g,
      replace: (match) => (isCardNumber(match.replace(/\D/g, '')) ? `${mask}:card` : match),
    },
  ];
}

/**
 * A provider's prefix followed by a run of token characters, masked whole whatever its length and
 * grouping, unless the run holds no digit (a name: `npm_config_cache`) or is filler
 * (`ghp_xxxx…`). The prefix must open the text or follow a character that cannot be part of a
 * name (`task_test_…`, `xoxe.xoxp-…`, `2018-xoxo-party` are not tokens of ours); kept in a group
 * rather than a lookbehind, which older Safari cannot compile.
 */
function prefixedToken(
  [name, prefixes, notFollowedBy]: (typeof TOKEN_PREFIXES)[number],
  mask: string,
): Builtin {
  const not = notFollowedBy === undefined ? '' : `(?!${notFollowedBy})`;
  return {
    name,
    keywords: prefixes,
    pattern: new RegExp(
      `(^|[^\\w.-])(?:${prefixes.join('|')})${not}([\\w-]{${TOKEN_MIN_LENGTH},})`,
      'g',
    ),
    replace: (m, lead = '', run = '') =>
      /\d/.test(run) && !FILL.test(run) ? `${lead}${mask}:${name}` : m,
  };
}

/**
 * The fewest digits in one run (single spaces or dashes between them) a text holds when the
 * card-number trigger matches it. The Node scanner measures runs in its keyword pass and tests
 * the trigger only then (kept out of the rule itself, which the browser bundle carries).
 */
export const CARD_TRIGGER_DIGITS = 13;

export const BUILTIN_PATTERN_NAMES: readonly string[] = builtins('').map((p) => p.name);

export function builtinRules(mask: string, disabled: ReadonlySet<string>): ScanRule[] {
  return (
    builtins(mask)
      .filter((b) => !disabled.has(b.name))
      // `pattern` comes along: the Node scanner tests it before running the rule.
      .map((b) => ({ ...patternRule(b.name, b.keywords, b.pattern, b.replace), ...b }))
  );
}

/** A rule that replaces whole matches through `replace` (our own and user-supplied patterns). */
export function patternRule(
  name: string,
  keywords: readonly string[],
  pattern: RegExp,
  replace: (match: string, ...groups: string[]) => string,
): ScanRule {
  const re = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
  return {
    name,
    keywords,
    apply(text) {
      re.lastIndex = 0;
      return text.replace(re, replace as (substring: string, ...args: unknown[]) => string);
    },
  };
}

/**
 * A card number: 13–19 digits that pass the Luhn check and start as an issuer's do — 2 to 6 for
 * the card networks (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay), 1 only for 15-digit
 * UATP cards. The prefix rule spares epoch timestamps in milli-, micro- and nanoseconds (13, 16
 * and 19 digits starting with 1), a tenth of which pass Luhn and would otherwise be masked.
 */
export function isCardNumber(digits: string): boolean {
  const first = digits.charCodeAt(0) - 48;
  const issuer = (first >= 2 && first <= 6) || (first === 1 && digits.length === 15);
  return issuer && luhn(digits);
}

/** The Luhn checksum: card numbers pass it, most order ids and timestamps don't. */
export function luhn(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
