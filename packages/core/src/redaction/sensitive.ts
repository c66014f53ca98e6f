/**
 * What makes a key or a token sensitive, written once: the redactor's key check (`redact.ts`),
 * the key=value and JSON rules (`builtin.ts`) and the collector's `blocked_key_patterns` and
 * `blocked_values` (written by `scripts/redaction/generate.mjs`, which imports this file as it
 * is: so it imports nothing and uses only syntax that type stripping erases).
 */

/**
 * Words that make a key sensitive when they appear as one of its parts (`db_password`,
 * `githubToken`); in free text, a key that ends in one (`password=…`, `"apiToken": …`) marks the
 * value after it. The commonest in free text come first: the collector's key=value expression,
 * which every log line pays for word by word, takes only the first five.
 */
export const SENSITIVE_WORDS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'passphrase',
  'authorization',
  'cookie',
  'apikey',
  'privatekey',
  'cvv',
  'creditcard',
  'cardnumber',
  'signature',
];

/**
 * Words that make a key sensitive as well, but in free text stand too often for something else
 * (`credentials: new AWS.SharedIniFileCredentials(…)`, `bearer` before a token, `otp` in
 * `footprint`) to mark the value after them.
 */
export const KEY_ONLY_WORDS: readonly string[] = [
  'credential',
  'credentials',
  'cvc',
  'ssn',
  'jwt',
  'bearer',
  'otp',
];

/**
 * Adjacent parts that together make a key sensitive (`api_key`, `privateKey`, `card-number`);
 * in free text, written with `_`, `-` or nothing between them. The collector's key=value
 * expression takes the first.
 */
export const SENSITIVE_PAIRS: readonly string[] = [
  'api key',
  'private key',
  'access key',
  'credit card',
  'card number',
];

/**
 * Prefixes that providers put in front of their tokens, by rule name. A prefix followed by at
 * least `TOKEN_MIN_LENGTH` token characters (letters, digits, `_`, `-`) of which one is a digit is
 * masked whatever its length and grouping: gitleaks' rules want each provider's exact format, and
 * a token cut short in a log line, or of a length a provider may use next, must not go out.
 * Tokens are drawn from letters and digits; names and placeholders (`npm_config_cache`,
 * `sk_test_helpers`, `xoxb-Slack_BOT_TOKEN`) hold no digit. A third element says what may follow
 * the prefix but belongs to another provider (in the SDK only: the collector's expressions cannot
 * look ahead, and mask it either way).
 */
export const TOKEN_PREFIXES: readonly (readonly [
  name: string,
  prefixes: readonly string[],
  notFollowedBy?: string,
])[] = [
  ['github-token', ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_']],
  // prettier-ignore
  ['gitlab-token', ['glpat-', 'gldt-', 'glrt-', 'glcbt-', 'glptt-', 'glft-', 'glffct-', 'glimt-', 'glagent-', 'gloas-', 'glsoat-']],
  ['slack-token', ['xoxa-', 'xoxb-', 'xoxe-', 'xoxo-', 'xoxp-', 'xoxr-', 'xoxs-']],
  ['npm-token', ['npm_']],
  ['stripe-key', ['sk_live_', 'sk_test_', 'sk_prod_', 'rk_live_', 'rk_test_', 'rk_prod_']],
  // Anthropic's `sk-ant-` keys are left to gitleaks' rule for them.
  ['openai-key', ['sk-'], 'ant-'],
];

/** The fewest token characters after a prefix for the whole to be masked. */
export const TOKEN_MIN_LENGTH = 8;
