import { buildRedactor } from '../redact.js';
import type { RedactionOptions, Redactor } from '../redact.js';
import { patternRule } from './builtin.js';
import { escapeRegExp } from './scanner.js';
import type { ScanRule } from './scanner.js';
import { COMPACT_KEYWORDS, COMPACT_SOURCE } from './compact.generated.js';

/**
 * The redactor for browsers: our own rules plus the gitleaks token formats that fit the browser
 * SDK's size budget, folded into one expression that masks the whole token (no entropy checks or
 * allowlists; see `compact.generated.ts`). Records that go through the relay of
 * `@tracelog/node` are redacted again there with every rule. Turn it off with
 * `disablePatterns: ['gitleaks']`.
 */
export function createCompactRedactor(options: RedactionOptions = {}): Redactor {
  return buildRedactor(
    options,
    (mask, disabled) =>
      disabled.has('gitleaks')
        ? []
        : [
            patternRule(
              'gitleaks',
              COMPACT_KEYWORDS,
              new RegExp(COMPACT_SOURCE, 'gi'),
              () => `${mask}:token`,
            ),
          ],
    scanAll,
  );
}

/**
 * Smaller than the Node scanner, for a browser's few records: one test for any keyword or
 * trigger, then every rule.
 */
function scanAll(rules: readonly ScanRule[]): (text: string) => string {
  const always = rules.some((r) => r.keywords.length === 0 && r.trigger === undefined);
  const any = new RegExp(
    rules
      .flatMap((r) => (r.trigger === undefined ? r.keywords.map(escapeRegExp) : [r.trigger]))
      .join('|'),
    'i',
  );
  return (text) => (always || any.test(text) ? rules.reduce((v, r) => r.apply(v), text) : text);
}
