// The collector's share of the rules (collector/config.yaml: the redaction processor's
// blocked_key_patterns, from the SDK's sensitive words, and blocked_values, whose matches it masks
// in attribute values and, since v0.15x, in string log bodies too, so no second set of body
// statements is needed). gitleaks' expressions are Go (RE2) already, as the collector wants them.
// The collector cannot check entropy or allowlists, and every expression costs every record, so it
// carries a subset: token formats with a distinctive prefix, no allowlist, no false positive in
// the corpus, and a measured Go regexp cost within budget (scripts/redaction/collector-bench.mjs
// writes collector-cost.json; the generator only reads it, so the drift check needs no Go
// toolchain).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  KEY_ONLY_WORDS,
  SENSITIVE_PAIRS,
  SENSITIVE_WORDS,
  TOKEN_MIN_LENGTH,
  TOKEN_PREFIXES,
} from '../../packages/core/src/redaction/sensitive.ts';
import { GITLEAKS_VERSION } from './source.mjs';
import { translate } from './translate.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * ns per line of the log mix a rule may cost in Go's regexp to enter the subset. The measured
 * costs fall into two groups, 2–85 and 167–1,260 ns per line (collector-cost.json): mostly, rules
 * whose expression opens with a literal (`glpat-`, `xoxb-`) cost a substring search, and
 * case-insensitive ones or ones opening with a class run the regexp machine over every byte.
 */
export const NS_PER_LINE_BUDGET = 100;

/** Typical log lines and attribute values without secrets: what every rule pays for. */
export const LOG_MIX = [
  'order ord-7919 accepted for u-42 at 12.5',
  'GET /api/orders/ord-7919 200 in 12 ms',
  '/api/orders/:id',
  'job market-data.refresh step 3 of 12 processed 418 ticks',
  'strategy 7 rebalanced: weights 0.5384615384615384 0.42857142857142855; token bucket has 12 left',
  'max_tokens=2048',
  'payment failed for u-42: card declined',
  'gateway said: declined (ref ord-7919)',
  'retrying upstream call to https://pricing.internal/v2/quotes?symbol=ACME&page=3',
  'config loaded: region=eu-west-1 pool=3 api=v2 auth=oauth',
  'user u-42 logged in from 10.0.3.9',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'stack: Error: timeout\n    at fetchQuote (/srv/app/quotes.js:212:13)\n    at async run (/srv/app/worker.js:88:5)',
  'orders.api',
  'GET',
  'sess-7f3a9c2e-51b4-4d0e-9a11-2c6f0e8b7d55',
  '{"level":"info","msg":"quote refreshed","symbol":"ACME","bid":101.25,"ask":101.5,"venue":"XNAS"}',
  'SELECT id, status FROM orders WHERE account_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT 50',
];

/**
 * Our own expressions, before gitleaks'. Go's regexp finds an expression that opens with a
 * literal by a substring search (tens of ns per line of LOG_MIX) and runs its machine over every
 * byte otherwise (about 1 µs per line for each of these): so none opens with `\b`, and the
 * well-known token prefixes are one expression per leading literal rather than one alternation.
 * Dropping the leading `\b` can only mask more (`xeyJ…`, `task_test_…` too), never less. The
 * key=value, scheme and card expressions have no literal to open with and stay as they are.
 */
/** How many of the SDK's sensitive words (the commonest in free text come first) key=value takes. */
const TEXT_WORDS = 5;

export const OWN_VALUES = [
  '(?i)(?:bearer|basic)\\s+[a-z0-9._~+/-]{6,}=*',
  'eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*',
  'AKIA[0-9A-Z]{16}',
  'ASIA[0-9A-Z]{16}',
  '\\b(?:4\\d{3}|5[1-5]\\d{2}|3[47]\\d{2}|6011)[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{1,4}\\b',
  ...TOKEN_PREFIXES.flatMap(([, prefixes]) => prefixedTokens(prefixes)),
  'AIza[0-9A-Za-z_-]{35}',
  '(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)',
  // A value is masked whole when this matches anywhere: a leading `[a-z0-9_-]*` would change no
  // verdict and cost a third more in Go's regexp (3.4 against 2.5 µs per line of the log mix).
  // Each word costs every line: the first words and pair only (all 19 names: 2.5 times the cost).
  `(?i)(${keyNames('[_-]?', SENSITIVE_WORDS.slice(0, TEXT_WORDS), SENSITIVE_PAIRS.slice(0, 1))})[a-z0-9_-]*["']?\\s*[=:]\\s*["']?[^\\s&"',;]+`,
  '://[^:/@\\s]+:[^@/\\s]+@',
];

/**
 * The SDK's prefixed-token rule in RE2, which cannot look ahead: one expression per first two
 * characters of the prefixes (each opens with a literal), then at least TOKEN_MIN_LENGTH token
 * characters of which one is a digit, written out by where the first digit falls.
 */
function prefixedTokens(prefixes) {
  const groups = new Map();
  for (const p of prefixes) groups.set(p.slice(0, 2), [...(groups.get(p.slice(0, 2)) ?? []), p]);
  const n = TOKEN_MIN_LENGTH;
  const count = (k, open) => (open ? `{${k},}` : k === 1 ? '' : `{${k}}`);
  const runs = [];
  for (let k = 0; k <= n; k++) {
    const letters = k === 0 ? '' : `[A-Za-z_-]${count(k, k === n)}`;
    runs.push(`${letters}[0-9][\\w-]${k >= n - 1 ? '*' : count(n - 1 - k, true)}`);
  }
  const run = `(?:${runs.join('|')})`;
  return [...groups.values()].map((group) =>
    group.length === 1 ? `${group[0]}${run}` : `(?:${group.join('|')})${run}`,
  );
}

/** Sensitive words and pairs (`api` + `sep` + `key`) as one alternation. */
function keyNames(sep, words, pairs = SENSITIVE_PAIRS) {
  return [...words, ...pairs.map((p) => p.replace(' ', sep))].join('|');
}

/**
 * Keys whose values are masked whatever they hold: every sensitive word or pair as a whole part
 * of the key (`db.password`, `x-api-key`, `user.ssn`). The collector cannot split camelCase.
 */
export const KEY_PATTERN = `(?i)(^|[._-])(${keyNames('[._-]?', [...SENSITIVE_WORDS, ...KEY_ONLY_WORDS])})([._-]|$)`;

/**
 * The gitleaks rules whose tokens our prefixed-token rules take: every secret of every example
 * begins with one of the prefixes (so not Twilio's `SK…`, whose keyword is `sk`). `lookahead`:
 * the SDK leaves what an entry's third element names to other rules (`sk-ant-`); the collector
 * cannot.
 */
export function coveredRuleIds(gitleaks, { lookahead }) {
  const takes = (secret) =>
    TOKEN_PREFIXES.some(([, prefixes, not]) =>
      prefixes.some(
        (p) =>
          secret.startsWith(p) &&
          !(lookahead && not !== undefined && secret.slice(p.length).startsWith(not)),
      ),
    );
  return new Set(
    gitleaks.corpus
      .filter((rule) => {
        const secrets = rule.tps.flatMap((tp) => tp.secrets);
        return secrets.length > 0 && secrets.every(takes);
      })
      .map((rule) => rule.id),
  );
}

/**
 * gitleaks rules the collector could carry, before cost and false positives decide. Rules our
 * prefixed-token expressions cover are left out: the processor runs its expressions in no fixed
 * order, and an exact one that ran first would mask a token's first characters and leave the
 * rest (`gldt-<20 characters>` of a longer token).
 */
export function collectorCandidates(gitleaks) {
  const covered = coveredRuleIds(gitleaks, { lookahead: false });
  return gitleaks.rules.filter(
    (rule) =>
      rule.regex &&
      !covered.has(rule.id) &&
      !(rule.allowlists?.length > 0) &&
      !/^(?:\(\?i\))?\[\\w\.-\]/.test(rule.regex) &&
      (rule.keywords ?? []).length > 0 &&
      rule.keywords.every((k) => k.length >= 3),
  );
}

/** The subset: candidates within the cost budget that touch no clean false positive. */
export function collectorSubset(gitleaks, cost = readCost()) {
  const cleanFps = gitleaks.corpus.flatMap((r) =>
    r.fps.filter((f) => f.flaggedBy.length === 0).map((f) => f.text),
  );
  const chosen = [];
  const left = [];
  for (const rule of collectorCandidates(gitleaks)) {
    const ns = cost.nsPerLine[rule.id];
    if (ns === undefined || ns > NS_PER_LINE_BUDGET) {
      left.push(rule.id);
      continue;
    }
    const t = translate(rule.regex);
    const re = new RegExp(t.source, t.flags);
    if (cleanFps.some((text) => re.test(text))) {
      left.push(rule.id);
      continue;
    }
    chosen.push({ id: rule.id, regex: rule.regex, ns });
  }
  return { chosen, left };
}

export function readCost() {
  return JSON.parse(readFileSync(join(here, 'collector-cost.json'), 'utf8'));
}

const BEGIN = '# BEGIN generated by scripts/redaction/generate.mjs: do not edit';
const END = '# END generated';

/** YAML single-quoted scalar of a config value (`$` doubled: the collector expands `${…}`). */
function yaml(text) {
  return `'${text.replace(/\$/g, '$$$$').replace(/'/g, "''")}'`;
}
export function collectorSection(gitleaks) {
  const { chosen } = collectorSubset(gitleaks);
  const tag = (id) => (id ? ` # ${id}` : '');
  const values = [...OWN_VALUES.map((v) => [v]), ...chosen.map((c) => [c.regex, c.id])];
  return {
    ids: chosen.map((c) => c.id),
    blockedKeyPatterns: [
      "# The SDK's sensitive words (packages/core/src/redaction/sensitive.ts).",
      `- ${yaml(KEY_PATTERN)}`,
    ],
    blockedValues: [
      `# Ours, then ${chosen.length} of gitleaks' rules (${GITLEAKS_VERSION}).`,
      ...values.map(([v, id]) => `- ${yaml(v)}${tag(id)}`),
    ],
  };
}

/** Replaces the list after `anchor` (or between the markers, once they are there). */
function replaceList(config, anchor, lines) {
  const at = config.search(anchor);
  if (at < 0) throw new Error(`collector/config.yaml: ${anchor} not found`);
  const lineStart = config.indexOf('\n', at) + 1;
  const indent = /^\s*/.exec(config.slice(config.lastIndexOf('\n', at) + 1))[0] + '  ';
  let end = lineStart;
  const rest = config.slice(lineStart);
  if (rest.startsWith(`${indent}${BEGIN}\n`)) {
    const close = config.indexOf(`${indent}${END}\n`, lineStart);
    if (close < 0) throw new Error('collector/config.yaml: generated block not closed');
    end = close + `${indent}${END}\n`.length;
  } else {
    for (const line of rest.split('\n')) {
      if (!line.startsWith(`${indent}- `)) break;
      end += line.length + 1;
    }
  }
  const block = [BEGIN, ...lines, END].map((l) => `${indent}${l}\n`).join('');
  return config.slice(0, lineStart) + block + config.slice(end);
}

export function replaceCollectorSection(config, section) {
  if (section === undefined) return config;
  const keys = replaceList(config, /^ {4}blocked_key_patterns:$/m, section.blockedKeyPatterns);
  return replaceList(keys, /^ {4}blocked_values:$/m, section.blockedValues);
}
