import { describe, expect, it } from 'vitest';
import { createRedactor } from '@tracelog/core';
import { SECRET_CORPUS, findLeaks } from '@tracelog/test-utils';

const r = createRedactor();

describe('sensitive keys', () => {
  it.each([
    'authorization',
    'Proxy-Authorization',
    'cookie',
    'set-cookie',
    'password',
    'passwd',
    'db_password',
    'githubToken',
    'access_token',
    'x-api-key',
    'apiKey',
    'API_KEY',
    'private_key',
    'privateKey',
    'client_secret',
    'http.request.header.authorization',
    'task.args.api_key',
    'credit_card',
    'cvv',
  ])('%s is sensitive', (key) => {
    expect(r.isSensitiveKey(key)).toBe(true);
  });

  it.each([
    'user.id',
    'session.id',
    'tokens_used_count',
    'max_tokens',
    'order.id',
    'http.route',
    'keyboard',
    'passenger',
  ])('%s is not', (key) => {
    expect(r.isSensitiveKey(key)).toBe(false);
  });

  it('honours extra deny keys and allow keys', () => {
    const custom = createRedactor({
      keys: ['account_number', /^x-internal-/],
      allowKeys: ['csrf_token'],
    });
    expect(custom.isSensitiveKey('accountNumber')).toBe(true);
    expect(custom.isSensitiveKey('x-internal-trace')).toBe(true);
    expect(custom.isSensitiveKey('csrf_token')).toBe(false);
  });
});

describe('sensitive values', () => {
  it('masks every pattern-recognisable secret of the corpus inside free text', () => {
    for (const secret of SECRET_CORPUS.filter((s) => s.key === undefined)) {
      const text = `before ${secret.value} after`;
      const out = r.redactString(text);
      expect(findLeaks(out), secret.kind).toEqual([]);
      expect(out).toContain('before');
    }
  });

  it('leaves ordinary text untouched and returns the same string', () => {
    const text = 'order accepted for ACME at 12.5';
    expect(r.redactString(text)).toBe(text);
  });
});

describe('redactValue', () => {
  it('masks by key at any depth and returns new objects without touching the input', () => {
    const input = {
      user: 'u1',
      auth: { password: 'p', nested: { apiKey: 'k' } },
      list: [{ token: 't' }],
    };
    const out = r.redactValue(input) as typeof input;
    expect(out).toEqual({
      user: 'u1',
      auth: { password: '[REDACTED]', nested: { apiKey: '[REDACTED]' } },
      list: [{ token: '[REDACTED]' }],
    });
    expect(input.auth.password).toBe('p');
  });

  it('returns the very same object when nothing needed masking', () => {
    const input = { symbol: 'ACME', quantity: 3, tags: ['a', 'b'] };
    expect(r.redactValue(input)).toBe(input);
  });

  it('survives hostile values', () => {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const getter = Object.defineProperty({}, 'x', {
      enumerable: true,
      get() {
        throw new Error('no');
      },
    });
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 50; i++) deep = (deep.next = {}) as Record<string, unknown>;
    expect(() => r.redactValue(circular)).not.toThrow();
    expect((r.redactValue(circular) as Record<string, unknown>).self).toBe('[Circular]');
    expect(r.redactValue(getter)).toEqual({ x: '[Unreadable]' });
    expect(JSON.stringify(r.redactValue(root))).toContain('[Too deep]');
    expect(r.redactValue(10n ** 20n)).toBe(10n ** 20n);
    expect(r.redactValue(4111111111111111)).toBe('[REDACTED]:card');
    const huge = 'x'.repeat(200_000);
    expect((r.redactValue(huge) as string).length).toBeLessThan(70_000);
  });

  it('keeps finding cycles in a value whose getter redacts another value on the way', () => {
    const r = createRedactor();
    const inner = { password: 'inner-secret', list: [1, 2] };
    const outer: Record<string, unknown> = {
      get nested() {
        return r.redactValue(inner);
      },
    };
    outer.self = outer;
    expect(r.redactValue(outer)).toEqual({
      nested: { password: '[REDACTED]', list: [1, 2] },
      self: '[Circular]',
    });
    // And the next walk starts afresh: the same object is no cycle of its own.
    expect(r.redactValue({ again: inner })).toEqual({
      again: { password: '[REDACTED]', list: [1, 2] },
    });
  });

  it('redacts errors into plain objects', () => {
    const out = r.redactValue(new Error('token=abc123secret')) as { message: string };
    expect(out.message).toBe('token=[REDACTED]');
  });
});

describe('URLs and headers', () => {
  it('masks sensitive query parameters and encoded secrets, or drops the query', () => {
    expect(r.redactUrl('https://x.test/cb?code=1&access_token=abc&next=%2Fhome')).toBe(
      'https://x.test/cb?code=1&access_token=[REDACTED]&next=%2Fhome',
    );
    expect(r.redactUrl('https://x.test/p?note=Bearer%20abcdef123456')).toBe(
      'https://x.test/p?note=Bearer%20%5BREDACTED%5D',
    );
    expect(r.redactUrl('https://u:p@x.test/a?b=1', { dropQuery: true })).toBe(
      'https://u:[REDACTED]@x.test/a',
    );
  });

  it('redacts url.query attributes as query strings', () => {
    expect(r.redactValue('api_key=xyz&page=2', 'url.query')).toBe('api_key=[REDACTED]&page=2');
  });

  it('keeps allow-listed headers only, masking sensitive ones', () => {
    expect(
      r.redactHeaders({ Authorization: 'Bearer x', 'User-Agent': 'curl', 'X-Secret-Thing': 'y' }, [
        'authorization',
        'user-agent',
      ]),
    ).toEqual({ authorization: '[REDACTED]', 'user-agent': 'curl' });
  });
});

describe('options', () => {
  it('can be turned off, and built-in patterns disabled one by one', () => {
    expect(createRedactor({ enabled: false }).redactValue({ password: 'p' })).toEqual({
      password: 'p',
    });
    const noCards = createRedactor({ disablePatterns: ['card-number'] });
    expect(noCards.redactString('4111111111111111')).toBe('4111111111111111');
  });

  it('applies extra value patterns', () => {
    const custom = createRedactor({
      patterns: [{ name: 'account', pattern: /ACCT-\d{6}/g }],
      replacement: '***',
    });
    expect(custom.redactString('moved ACCT-123456 today')).toBe('moved *** today');
  });
});
