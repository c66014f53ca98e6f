// The collector's share of the rules (collector/config.yaml: the redaction processor's
// blocked_values, whose matches it masks in attribute values and, since v0.15x, in string log
// bodies too, so no second set of body statements is needed). gitleaks' expressions are Go (RE2) already, as the
// collector wants them. The collector cannot check entropy or allowlists, and every expression
// costs every record, so it carries a subset: token formats with a distinctive prefix, no
// allowlist, no false positive in the corpus, and a measured Go regexp cost within budget
// (scripts/redaction/collector-bench.mjs writes collector-cost.json; the generator only reads it,
// so the drift check needs no Go toolchain).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
 * well-known token prefixes are one expression each rather than one alternation. Dropping the
 * leading `\b` can only mask more (`xeyJ…` too), never less. The key=value, scheme and card
 * expressions have no literal to open with and stay as they are: together about 6 µs per value.
 */
const OWN_VALUES = [
  '(?i)(?:bearer|basic)\\s+[a-z0-9._~+/-]{6,}=*',
  'eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*',
  'AKIA[0-9A-Z]{16}',
  'ASIA[0-9A-Z]{16}',
  '\\b(?:4\\d{3}|5[1-5]\\d{2}|3[47]\\d{2}|6011)[ -]?\\d{4}[ -]?\\d{4}[ -]?\\d{1,4}\\b',
  'gh[pousr]_[A-Za-z0-9]{30,}',
  'github_pat_[A-Za-z0-9_]{20,}',
  'glpat-[A-Za-z0-9_-]{20,}',
  'xox[abposr]-[A-Za-z0-9-]{10,}',
  'sk_(?:live|test)_[A-Za-z0-9]{10,}',
  'rk_(?:live|test)_[A-Za-z0-9]{10,}',
  'pk_(?:live|test)_[A-Za-z0-9]{10,}',
  'sk-[A-Za-z0-9_-]{20,}',
  'AIza[0-9A-Za-z_-]{35}',
  '(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)',
  // A value is masked whole when this matches anywhere: a leading `[a-z0-9_-]*` would change no
  // verdict and cost a third more in Go's regexp (3.4 against 2.5 µs per line of the log mix).
  '(?i)(password|passwd|pwd|secret|token|api[_-]?key)[a-z0-9_-]*["\']?\\s*[=:]\\s*["\']?[^\\s&"\',;]+',
  '://[^:/@\\s]+:[^@/\\s]+@',
];

/** gitleaks rules the collector could carry, before cost and false positives decide. */
export function collectorCandidates(gitleaks) {
  return gitleaks.rules.filter(
    (rule) =>
      rule.regex &&
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
  return replaceList(config, /^ {4}blocked_values:$/m, section.blockedValues);
}
