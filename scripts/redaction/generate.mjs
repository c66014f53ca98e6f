#!/usr/bin/env node
// Turns gitleaks' default rules (pinned in source.mjs) and our sensitive words and token prefixes
// (packages/core/src/redaction/sensitive.ts) into tracelog's redaction rules:
//   packages/core/src/redaction/gitleaks.generated.ts  every rule, for the Node redactor
//   packages/core/src/redaction/compact.generated.ts   the browser subset
//   packages/core/src/redaction/LICENSE-gitleaks.txt   gitleaks' MIT licence
//   collector/config.yaml                               the lines between the "generated" markers
//                                                       (blocked_key_patterns, blocked_values)
// Usage: node scripts/redaction/generate.mjs [--check]   (Node >= 23.6: it imports a .ts file)
//   --check: write nothing; exit 1, naming the files, when a committed file differs from what
//   would be generated; exit 0 when all are current.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { collectorSection, coveredRuleIds, replaceCollectorSection } from './collector.mjs';
import { GITLEAKS_MODULE, GITLEAKS_VERSION, loadGitleaks } from './source.mjs';
import { translate } from './translate.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SENSITIVE_SOURCE = 'packages/core/src/redaction/sensitive.ts';
const out = (path) => join(root, path);

/** Rules whose translation the browser can carry: distinctive prefix, short, ES2020 syntax. */
const LAZY_IDENTIFIER = '[\\w.-]{0,50}?';

export function buildSpecs(gitleaks) {
  const specs = [];
  const skipped = [];
  for (const rule of gitleaks.rules) {
    if (!rule.regex) {
      skipped.push(`${rule.id} (matches file paths only)`);
      continue;
    }
    const translated = translate(rule.regex);
    const { flags, needsModifiers } = translated;
    // gitleaks' identifier rules open with `[\w.-]{0,50}?`: it only widens the match to the left
    // of the identifier, never changes the secret group, and costs a 50-step try at every
    // position of every text. The redactor masks only the secret, so it starts at the identifier.
    const widen = translated.source.startsWith(LAZY_IDENTIFIER);
    const source = widen ? translated.source.slice(LAZY_IDENTIFIER.length) : translated.source;
    new RegExp(source, `${flags}g`); // throws on a bad translation
    const spec = {
      id: rule.id,
      keywords: [...new Set((rule.keywords ?? []).map((k) => k.toLowerCase()))],
      source,
      flags,
    };
    // Allowlists that look at the whole match see it widened back over those characters.
    if (widen) spec.widen = true;
    if (rule.secretGroup) spec.secretGroup = rule.secretGroup;
    if (rule.entropy) spec.entropy = rule.entropy;
    const allow = (rule.allowlists ?? []).map(allowSpec).filter(Boolean);
    if (allow.length > 0) spec.allow = allow;
    specs.push({
      spec,
      needsModifiers,
      semiGeneric: /^\(\?i\)\[\\w\.-\]|^\[\\w\.-\]/.test(rule.regex),
    });
  }
  const global = { regexes: [], stopwords: [] };
  for (const a of gitleaks.allowlists ?? []) {
    for (const r of a.regexes ?? []) {
      const t = translate(r);
      global.regexes.push([t.source, t.flags]);
    }
    global.stopwords.push(...(a.stopwords ?? []).map((w) => w.toLowerCase()));
  }
  return { specs, global, skipped };
}

function allowSpec(a) {
  const all = a.condition === 'AND';
  // Paths and commits never match a log record: an AND list with them never allows anything,
  // an OR list keeps only its other checks.
  if (all && (a.paths > 0 || a.commits > 0)) return undefined;
  const regexes = (a.regexes ?? []).map((r) => {
    const t = translate(r);
    return [t.source, t.flags];
  });
  const stopwords = (a.stopwords ?? []).map((w) => w.toLowerCase());
  if (regexes.length === 0 && stopwords.length === 0) return undefined;
  const spec = {};
  if (all) spec.all = true;
  if (a.regexTarget === 'match' || a.regexTarget === 'line') spec.target = a.regexTarget;
  if (regexes.length > 0) spec.regexes = regexes;
  if (stopwords.length > 0) spec.stopwords = stopwords;
  return spec;
}

/** Token formats browsers are most likely to hold, first in line for the browser subset. */
const COMPACT_FIRST = [
  'npm-access-token',
  'pypi-upload-token',
  'aws-access-token',
  'gcp-api-key',
  'openai-api-key',
  'anthropic-api-key',
  'stripe-access-token',
  'sendgrid-api-token',
  'shopify-access-token',
  'twilio-api-key',
  'github-pat',
  'gitlab-pat',
  'slack-bot-token',
  'slack-user-token',
  'huggingface-access-token',
  'digitalocean-pat',
  'doppler-api-token',
  'postman-api-token',
];
/**
 * gzip bytes the browser subset may add to the bundle (the SDK's budget is 15 KB in all): 330
 * until our prefixed-token rules, which the browser carries too, took over the subset's GitHub,
 * GitLab, npm, Slack and Stripe rules and the bytes they need.
 */
const COMPACT_GZIP_BUDGET = 280;
const TOKEN_END = '(?:[\\x60\'"\\s;]|\\\\[nr]|$)';

/**
 * The browser subset: token formats with a distinctive prefix and a short ES2020 expression,
 * folded into one case-insensitive expression that masks the whole token (its end boundary
 * becomes a lookahead; entropy checks are left to the relay; rules that need an allowlist, such as
 * Google's public API keys, are left out), within a gzip budget. Rules our prefixed-token rules
 * (which the browser carries too) already cover are left out as well (their bytes would buy
 * nothing), and so are rules that touch one of the corpus's clean false positives.
 */
export function compactSubset(specs, cleanFps = [], covered = new Set()) {
  const candidates = specs
    .filter(
      ({ spec, needsModifiers, semiGeneric }) =>
        !covered.has(spec.id) &&
        !needsModifiers &&
        !semiGeneric &&
        (spec.flags === '' || spec.flags === 'i') &&
        !spec.widen &&
        !spec.allow &&
        spec.keywords.length > 0 &&
        spec.keywords.every((k) => k.length >= 3),
    )
    .map(({ spec }) => ({
      id: spec.id,
      keywords: spec.keywords,
      source: spec.source.endsWith(TOKEN_END)
        ? `${spec.source.slice(0, -TOKEN_END.length)}(?=${TOKEN_END.slice(3)}`
        : spec.source,
    }))
    .filter((c) => c.source.length <= 80);
  const rank = (id) => {
    const i = COMPACT_FIRST.indexOf(id);
    return i < 0 ? COMPACT_FIRST.length : i;
  };
  candidates.sort((a, b) => rank(a.id) - rank(b.id) || a.source.length - b.source.length);
  const chosen = [];
  for (const c of candidates) {
    const re = new RegExp(c.source, 'i');
    if (cleanFps.some((text) => re.test(text))) continue;
    const next = [...chosen, c];
    if (gzipSync(JSON.stringify(combine(next))).length > COMPACT_GZIP_BUDGET) continue;
    new RegExp(combine(next).source, 'gi');
    chosen.push(c);
  }
  return { ...combine(chosen), ids: chosen.map((c) => c.id).sort() };
}

function combine(rules) {
  return {
    keywords: [...new Set(rules.flatMap((r) => r.keywords))].sort(),
    source: rules.map((r) => r.source).join('|'),
  };
}

function header(what) {
  return `// Generated by scripts/redaction/generate.mjs from ${GITLEAKS_MODULE}@${GITLEAKS_VERSION}
// (config/gitleaks.toml, MIT licence: see LICENSE-gitleaks.txt beside this file). Do not edit:
// change the generator and run \`node scripts/redaction/generate.mjs\`. ${what}
`;
}

export function render(gitleaks) {
  const { specs, global } = buildSpecs(gitleaks);
  const all = specs.map((s) => s.spec);
  const cleanFps = gitleaks.corpus.flatMap((r) =>
    r.fps.filter((f) => f.flaggedBy.length === 0).map((f) => f.text),
  );
  const compact = compactSubset(specs, cleanFps, coveredRuleIds(gitleaks, { lookahead: true }));
  const files = new Map();
  files.set(
    'packages/core/src/redaction/gitleaks.generated.ts',
    `${header(`${all.length} rules.`)}import type { GlobalAllow } from './scanner.js';
import type { RuleSpec } from './types.js';

export const GITLEAKS_VERSION = '${GITLEAKS_VERSION}';

export const GITLEAKS_ALLOW: GlobalAllow = ${JSON.stringify(global, null, 2)};

export const GITLEAKS_RULES: readonly RuleSpec[] = ${JSON.stringify(all, null, 2)};
`,
  );
  files.set(
    'packages/core/src/redaction/compact.generated.ts',
    `${header(`The browser subset: ${compact.ids.length} rules in one expression.`)}
export const COMPACT_IDS: readonly string[] = ${JSON.stringify(compact.ids)};

export const COMPACT_KEYWORDS: readonly string[] = ${JSON.stringify(compact.keywords)};

export const COMPACT_SOURCE = ${JSON.stringify(compact.source)};
`,
  );
  files.set(
    'packages/core/src/redaction/LICENSE-gitleaks.txt',
    `The rules in gitleaks.generated.ts and compact.generated.ts are derived from gitleaks
(${GITLEAKS_MODULE}@${GITLEAKS_VERSION}, config/gitleaks.toml), under this licence:

${gitleaks.license}`,
  );
  return { files, specs, compact, global };
}

async function main() {
  const check = process.argv.includes('--check');
  const gitleaks = loadGitleaks();
  const { files } = render(gitleaks);
  const configPath = out('collector/config.yaml');
  const section = collectorSection(gitleaks);
  const drift = [];
  for (const [path, raw] of files) {
    // Formatted as the repository's formatter would, so that formatting the tree is no drift.
    const text = path.endsWith('.ts')
      ? await prettier.format(raw, {
          ...(await prettier.resolveConfig(out(path))),
          filepath: out(path),
        })
      : raw;
    const current = existsSync(out(path)) ? readFileSync(out(path), 'utf8') : '';
    if (current === text) continue;
    drift.push(path);
    if (!check) writeFileSync(out(path), text);
  }
  // Re-read right before writing: the rest of the file is not ours.
  const config = readFileSync(configPath, 'utf8');
  const updated = replaceCollectorSection(config, section);
  if (updated !== config) {
    drift.push(relative(root, configPath));
    if (!check) writeFileSync(configPath, updated);
  }
  if (check && drift.length > 0) {
    process.stderr.write(
      `redaction: generated from ${GITLEAKS_MODULE}@${GITLEAKS_VERSION} and ${SENSITIVE_SOURCE}, ` +
        `these differ from what the generator writes now: ${drift.join(', ')}\n` +
        'run: bash scripts/tools.sh node scripts/redaction/generate.mjs\n',
    );
    process.exit(1);
  }
  process.stderr.write(
    `redaction: ${check ? 'up to date' : `wrote ${drift.join(', ') || 'nothing'}`}\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
