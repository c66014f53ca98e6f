/**
 * Realistic secrets for leak tests: each test places them in headers, query strings, log
 * arguments and error messages, then asserts that none appears anywhere in what was exported.
 * Values are fake but shaped like the real thing (they pass the same checks a leak scanner
 * would use: prefixes, lengths, Luhn). `key` marks a secret recognisable only by its name.
 */
export interface Secret {
  kind: string;
  value: string;
  /** For secrets that only a key name gives away (a password is just a word). */
  key?: string;
}

const jwt = (payload: string) =>
  `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.${Buffer.from(payload).toString('base64url')}.c2lnbmF0dXJlLWZvci10ZXN0cy1vbmx5`;

export const SECRET_CORPUS: readonly Secret[] = [
  { kind: 'jwt', value: jwt('{"sub":"trader-7","role":"admin"}') },
  { kind: 'jwt', value: jwt('{"sub":"svc-orders","scope":"write"}') },
  { kind: 'aws-access-key', value: 'AKIAZXCVBNMASDFGHJKL' },
  { kind: 'aws-session-key', value: 'ASIAQWERTYUIOPLKJHGF' },
  { kind: 'github-token', value: 'ghp_F4k3T0k3nF0rT3st1ngOnlyAbCdEf0123456' },
  {
    kind: 'github-fine-grained',
    value: 'github_pat_11AAAAAAA0FakeTokenForTests_0123456789abcdefABCDEF',
  },
  { kind: 'gitlab-token', value: 'glpat-FakeTokenForTests012345' },
  { kind: 'slack-bot-token', value: 'xoxb-000000000000-000000000000-FakeTokenForTests' },
  { kind: 'slack-user-token', value: 'xoxp-111111111111-222222222222-FakeUserTokenX' },
  { kind: 'stripe-live', value: 'sk_live_FakeStripeKeyForTests0123' },
  { kind: 'stripe-test', value: 'rk_test_FakeRestrictedKey987654' },
  { kind: 'openai-style', value: 'sk-proj-FakeKeyForTestsOnly0123456789abcdef' },
  { kind: 'google-api-key', value: 'AIzaSyFakeGoogleKeyForTests0123456789ab' },
  { kind: 'card-visa', value: '4111111111111111' },
  { kind: 'card-visa-spaced', value: '4012 8888 8888 1881' },
  { kind: 'card-mastercard-dashed', value: '5555-5555-5555-4444' },
  { kind: 'card-amex', value: '378282246310005' },
  { kind: 'url-credentials', value: 'postgres://orders:Pa55w0rdInUrl@db.internal:5432/orders' },
  { kind: 'url-credentials-amqp', value: 'amqp://guest:rabbitSecret42@mq.internal:5672' },
  {
    kind: 'private-key',
    value:
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCfaketestkey\n-----END PRIVATE KEY-----',
  },
  { kind: 'query-token', value: 'access_token=FakeQueryAccessToken123' },
  { kind: 'query-api-key', value: 'api_key=FakeQueryApiKey456789' },
  { kind: 'json-password', value: '{"username":"trader","password":"JsonPassw0rd!"}' },
  {
    kind: 'aws-secret-assignment',
    value: 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY01',
  },
  { kind: 'password', key: 'password', value: 'hunter2-trading' },
  { kind: 'passwd', key: 'passwd', value: 'correct-horse-battery' },
  { kind: 'db-password', key: 'db_password', value: 'Db$ecretValue77' },
  { kind: 'client-secret', key: 'client_secret', value: 'OauthClientSecretValue' },
  { kind: 'api-key-header', key: 'x-api-key', value: 'plainApiKeyValue9988' },
  { kind: 'apiKey-camel', key: 'apiKey', value: 'camelCaseApiKey1234' },
  { kind: 'refresh-token', key: 'refresh_token', value: 'opaqueRefreshToken5566' },
  { kind: 'session-token', key: 'sessionToken', value: 'opaqueSessionTokenAbc' },
  { kind: 'private-key-field', key: 'privateKey', value: 'base64PrivateKeyMaterialXyz' },
  { kind: 'secret', key: 'secret', value: 'webhookSigningSecret31' },
  { kind: 'auth-token', key: 'authToken', value: 'authTokenOpaqueValue42' },
  { kind: 'signature', key: 'signature', value: 'hmacSignatureValue123' },
  { kind: 'credit-card-field', key: 'credit_card', value: 'storedCardRef-0042' },
  { kind: 'broker-passphrase', key: 'passphrase', value: 'brokerPassphraseZeta' },
  { kind: 'cookie', key: 'cookie', value: 'sid=CookieSessionValue777' },
  { kind: 'authorization', key: 'authorization', value: 'CustomScheme abcdef0123456789' },
];

/** The secrets (their distinctive part) that appear in `haystack`. */
export function findLeaks(haystack: string): string[] {
  return SECRET_CORPUS.filter((secret) =>
    needles(secret).some((needle) => haystack.includes(needle)),
  ).map((secret) => `${secret.kind}: ${secret.value}`);
}

/** What would prove a leak: the value, and for composite values the part that is secret. */
function needles(secret: Secret): string[] {
  const found = [secret.value];
  const afterEquals = /=(.+)$/.exec(secret.value)?.[1];
  if (afterEquals) found.push(afterEquals);
  const urlPassword = /:\/\/[^:]+:([^@]+)@/.exec(secret.value)?.[1];
  if (urlPassword) found.push(urlPassword);
  const jsonPassword = /"password":"([^"]+)"/.exec(secret.value)?.[1];
  if (jsonPassword) found.push(jsonPassword);
  if (secret.kind.startsWith('card')) found.push(secret.value.replace(/\D/g, ''));
  if (secret.kind === 'private-key')
    found.push('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCfaketestkey');
  // JSON and URL encodings of the value, as they would appear in an export body.
  found.push(JSON.stringify(secret.value).slice(1, -1), encodeURIComponent(secret.value));
  return found;
}

/**
 * A token as its provider documents it, split into the prefix the redactors key on and the
 * random part after it. The random parts are fake; each holds a digit in its first 8 characters,
 * as the redactors ask of a run after a prefix.
 */
export interface PrefixedToken {
  /** The rule that masks it in the SDK (`[REDACTED]:<rule>`). */
  rule: string;
  prefix: string;
  body: string;
}

const classicGithub = 'F4k3T0k3nF0rT3st1ngOnlyAbCdEf0123456'; // 36 of [A-Za-z0-9]
const gitlab = 'Fa1kE7okenForTests-_2'; // 20 of [A-Za-z0-9_-]
const slackIds = '000000000000-111111111111'; // team and user ids: digits
const stripe = '4eC39HqLyjWDarjtT1zdp7dc'; // the shape of Stripe's documented test key

/** One token per prefix the redactors mask whatever its length (sensitive.ts, TOKEN_PREFIXES). */
export const PREFIXED_TOKENS: readonly PrefixedToken[] = [
  ...['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'].map((prefix) => ({
    rule: 'github-token',
    prefix,
    body: classicGithub,
  })),
  {
    rule: 'github-token',
    prefix: 'github_pat_',
    body: '11AAAAAAA0FakeTokenForTests_0123456789abcdefABCDEF0123456789abcdefABCDEF0123456',
  },
  ...['glpat-', 'gldt-', 'glrt-', 'glft-', 'glffct-', 'glsoat-'].map((prefix) => ({
    rule: 'gitlab-token',
    prefix,
    body: gitlab,
  })),
  { rule: 'gitlab-token', prefix: 'glimt-', body: `${gitlab}Ab3Cd` },
  { rule: 'gitlab-token', prefix: 'glptt-', body: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0' },
  { rule: 'gitlab-token', prefix: 'glcbt-', body: `64_${gitlab}` },
  { rule: 'gitlab-token', prefix: 'glagent-', body: gitlab.repeat(2) + 'Ab3Cd5Ef7G' },
  { rule: 'gitlab-token', prefix: 'gloas-', body: gitlab.repeat(3) + 'Ab3C' },
  ...['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxe-', 'xoxo-', 'xoxs-'].map((prefix) => ({
    rule: 'slack-token',
    prefix,
    body: `${slackIds}-FakeTokenForTests0123456`,
  })),
  { rule: 'npm-token', prefix: 'npm_', body: 'a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8' },
  ...['sk_live_', 'sk_test_', 'sk_prod_', 'rk_live_', 'rk_test_', 'rk_prod_'].map((prefix) => ({
    rule: 'stripe-key',
    prefix,
    body: stripe,
  })),
  { rule: 'openai-key', prefix: 'sk-', body: 'proj-F4keKeyForTestsOnly0123456789abcdefT3BlbkFJ' },
];

/** Characters appended to make longer variants: letters and digits, as a provider would. */
const MORE = 'Q7w9E2r4T6y8U1i3O5p0';

/**
 * Variants of a documented token a redactor must mask as well: longer by 1 to 20 characters,
 * shorter by 1 to 4 (never below `min` after the prefix), cut to exactly `min`, regrouped (a `-`
 * or `_` put in, every `-` and `_` taken out, one swapped for the other), and its random part in
 * upper and in lower case (every provider here draws from both cases, or ignores case).
 */
export function tokenVariants(token: PrefixedToken, min = 8): string[] {
  const { prefix, body } = token;
  const bodies: string[] = [body];
  for (let n = 1; n <= MORE.length; n++) bodies.push(body + MORE.slice(0, n));
  for (let n = 1; n <= 4 && body.length - n >= min; n++) bodies.push(body.slice(0, -n));
  bodies.push(body.slice(0, min));
  const third = Math.floor(body.length / 3);
  bodies.push(
    `${body.slice(0, third)}-${body.slice(third)}`,
    `${body.slice(0, 2 * third)}_${body.slice(2 * third)}`,
    body.replace(/[-_]/g, ''),
    body.replace(/[-_]/g, (c) => (c === '-' ? '_' : '-')),
    body.toUpperCase(),
    body.toLowerCase(),
  );
  return [...new Set(bodies.filter((b) => b.length >= min).map((b) => prefix + b))];
}

/**
 * Text that holds a token prefix but no token: names of words, filler, too short, prose.
 * `sdkOnly`: spared by the SDK, which looks at what comes before the prefix, but masked by the
 * collector, whose expressions (Go's regexp, no lookbehind, literal first for speed) cannot.
 */
export interface NearMiss {
  text: string;
  sdkOnly?: boolean;
}

export const PREFIX_NEAR_MISSES: readonly NearMiss[] = [
  // Names of lower-case words.
  { text: 'skip_live_tests' },
  { text: 'npm_config_registry' },
  { text: 'npm_package_version=1.4.2' },
  { text: 'sk_test_helpers_enabled' },
  { text: 'rk_live_reload_server' },
  { text: 'github_pat_rotation_days' },
  { text: 'glpat-rotation-policy' },
  { text: 'xoxb-Slack_BOT_TOKEN' },
  { text: 'sk-learn-pipeline-config' },
  // Filler.
  { text: 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' },
  { text: 'glpat-XXXXXXXXXXX-XXXXXXXX' },
  // Too short after the prefix (7 characters).
  { text: 'ghp_1234567' },
  { text: 'npm_a1b2c3d' },
  { text: 'sk-1a2b3c4' },
  // Prose about the prefixes.
  { text: 'classic tokens start with ghp_ and fine-grained ones with github_pat_' },
  { text: 'set npm_ and glpat- tokens in the CI settings' },
  // A prefix inside a longer name or word.
  { text: 'task_test_f5uiraslaav78ip1rwqcp4hrmmj7d9', sdkOnly: true },
  { text: 'desk_live_4eC39HqLyjWDarjt', sdkOnly: true },
  { text: 'xoxe.xoxp-1-initial', sdkOnly: true },
  { text: '/images/2018-250-xoxo-indieweb-1.jpg', sdkOnly: true },
  { text: 'disk-usage-7d9a3f1e2b', sdkOnly: true },
];
