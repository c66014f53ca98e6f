import { buildRedactor } from '../redact.js';
import type { RedactionOptions, Redactor } from '../redact.js';
import { COMPACT_RULES } from './compact.generated.js';

/**
 * The redactor for browsers: our own rules plus the gitleaks rules that fit the browser SDK's
 * size budget (distinctive prefixes, short expressions; see `compact.generated.ts`). Records that
 * go through the relay of `@tracelog/node` are redacted again there with every rule.
 */
export function createCompactRedactor(options: RedactionOptions = {}): Redactor {
  return buildRedactor(options, COMPACT_RULES);
}
