/**
 * A value rule as data: generated from gitleaks' rules (see `scripts/redaction/generate.mjs`) or
 * written by us. Compiled lazily, the first time one of its keywords is seen.
 */
export interface RuleSpec {
  /** Rule id; the mask says which rule fired (`[REDACTED]:npm-access-token`). */
  readonly id: string;
  /** Lower-case words of which at least one appears in any text the rule can match. */
  readonly keywords: readonly string[];
  /** JavaScript regular expression source and flags (without `g`). */
  readonly source: string;
  readonly flags: string;
  /** Capture group holding the secret; 0 = the first non-empty group, or the whole match. */
  readonly secretGroup?: number;
  /** Minimum Shannon entropy (bits per character) of the secret; lower ones are left alone. */
  readonly entropy?: number;
  /**
   * The rule's expression lost a leading `[\w.-]{0,50}?`: allowlists on the match see it
   * widened back over up to 50 such characters, as gitleaks' match would be.
   */
  readonly widen?: boolean;
  /** Matches to leave alone. */
  readonly allow?: readonly AllowSpec[];
}

/** gitleaks' allowlist: a finding is allowed when its regexes or stopwords say so. */
export interface AllowSpec {
  /** All checks must hold (gitleaks `condition = "AND"`); default: any. */
  readonly all?: boolean;
  /** What the regexes look at; default: the secret. */
  readonly target?: 'match' | 'line';
  /** [source, flags] pairs. */
  readonly regexes?: readonly (readonly [string, string])[];
  /** Lower-case words: a secret containing one is allowed. */
  readonly stopwords?: readonly string[];
}
