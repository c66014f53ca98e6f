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
