import { afterEach, beforeEach } from 'vitest';
import { initBrowser } from '../src/index.js';
import type { BrowserHandle, BrowserOptions } from '../src/index.js';
/** Minimal stand-ins for the browser globals the SDK touches, installed on globalThis per test. */
export class MemoryStorage implements Storage {
  private map = new Map<string, string>();
  get length() {
    return this.map.size;
  }
  clear() {
    this.map.clear();
  }
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  removeItem(key: string) {
    this.map.delete(key);
  }
  setItem(key: string, value: string) {
    this.map.set(key, String(value));
  }
}

export interface Sent {
  url: string;
  body: string;
  keepalive: boolean | undefined;
  headers: Record<string, string>;
}

/** A fetch that records requests and answers from a queue of statuses (200 when empty). */
export function fakeFetch() {
  const sent: Sent[] = [];
  const answers: Array<{ status: number; headers?: Record<string, string> } | 'network-error'> = [];
  const fn = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    sent.push({
      url: String(input),
      body: String(init?.body ?? ''),
      keepalive: init?.keepalive,
      headers,
    });
    const answer = answers.shift() ?? { status: 200 };
    if (answer === 'network-error') throw new TypeError('Failed to fetch');
    return new Response(answer.status === 204 ? null : '{}', {
      status: answer.status,
      headers: answer.headers,
    });
  };
  return { fn: fn as typeof fetch, sent, answers };
}

/**
 * A window, localStorage and fetch faked for each test, and the SDK handle a test started shut
 * down after it. Tests read `env.fake` and set `env.handle`.
 */
export function useFakeBrowser(): {
  fake: ReturnType<typeof fakeFetch>;
  handle: BrowserHandle | undefined;
} {
  const env = { handle: undefined } as {
    fake: ReturnType<typeof fakeFetch>;
    handle: BrowserHandle | undefined;
  };
  const realFetch = globalThis.fetch;
  let uninstall: () => void;
  beforeEach(() => {
    uninstall = installWindow();
    env.fake = fakeFetch();
    globalThis.fetch = env.fake.fn;
  });
  afterEach(async () => {
    await env.handle?.shutdown();
    env.handle = undefined;
    globalThis.fetch = realFetch;
    uninstall();
  });
  return env;
}

/** Installs window-like globals; returns an uninstall function. */
export function installWindow(href = 'https://app.example.com/orders?id=7&token=s3cr3t') {
  const g = globalThis as Record<string, unknown>;
  const saved = new Map<string, PropertyDescriptor | undefined>();
  const set = (k: string, v: unknown) => {
    saved.set(k, Object.getOwnPropertyDescriptor(g, k));
    Object.defineProperty(g, k, { value: v, configurable: true, writable: true });
  };
  const target = new EventTarget();
  const url = new URL(href);
  set('location', { href: url.href, origin: url.origin, pathname: url.pathname });
  set('localStorage', new MemoryStorage());
  set('sessionStorage', new MemoryStorage());
  set('addEventListener', target.addEventListener.bind(target));
  set('removeEventListener', target.removeEventListener.bind(target));
  set('dispatchEvent', target.dispatchEvent.bind(target));
  set('document', { visibilityState: 'visible' });
  return () => {
    for (const [k, d] of saved) {
      if (d) Object.defineProperty(g, k, d);
      else delete g[k];
    }
  };
}

export interface OtlpJsonLogs {
  resourceLogs: {
    resource: { attributes: { key: string; value: Record<string, unknown> }[] };
    scopeLogs: {
      scope: { name: string };
      logRecords: {
        body: { stringValue: string };
        eventName?: string;
        severityNumber: number;
        timeUnixNano: string;
        traceId?: string;
        spanId?: string;
        attributes: { key: string; value: Record<string, unknown> }[];
      }[];
    }[];
  }[];
}

export const attr = (kvs: { key: string; value: Record<string, unknown> }[], key: string) => {
  const v = kvs.find((kv) => kv.key === key)?.value;
  return v && Object.values(v)[0];
};

type FakeBrowser = ReturnType<typeof useFakeBrowser>;

/** Starts the SDK on `env` for the trading UI, Web Vitals and interactions off, with `options`. */
export function startBrowser(env: FakeBrowser, options: Partial<BrowserOptions> = {}) {
  env.handle = initBrowser({
    service: 'trading-ui',
    endpoint: 'https://app.example.com/otlp',
    version: '1.2.3',
    instrument: { webVitals: false, interactions: false },
    ...options,
  });
  return env.handle;
}

/** The SDK's own export requests (to its endpoint), in the order sent. */
export const exportsOf = (env: FakeBrowser) =>
  env.fake.sent.filter((s) => s.url.includes('/otlp/'));

/** Every log record the SDK exported, with its scope and resource. */
export const recordsOf = (env: FakeBrowser) =>
  exportsOf(env)
    .filter((s) => s.url.endsWith('/v1/logs'))
    .flatMap((s) => (JSON.parse(s.body) as OtlpJsonLogs).resourceLogs)
    .flatMap((rl) =>
      rl.scopeLogs.flatMap((sl) =>
        sl.logRecords.map((r) => ({ ...r, scope: sl.scope.name, resource: rl.resource })),
      ),
    );
