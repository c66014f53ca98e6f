import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { initBrowser } from '../../src/index.js';
import type { BrowserHandle } from '../../src/index.js';
import { attr, fakeFetch, installWindow } from '../fakes.js';
import type { OtlpJsonLogs } from '../fakes.js';

/** A PerformanceObserver whose entries the test delivers, like the browser does after load. */
class FakeObserver {
  static supportedEntryTypes = ['largest-contentful-paint', 'layout-shift', 'event', 'first-input'];
  static live: FakeObserver[] = [];
  type = '';
  constructor(private readonly callback: (list: { getEntries(): PerformanceEntry[] }) => void) {}
  observe(options: { type: string }) {
    this.type = options.type;
    FakeObserver.live.push(this);
  }
  disconnect() {
    FakeObserver.live = FakeObserver.live.filter((o) => o !== this);
  }
  static emit(type: string, entries: Array<Record<string, unknown>>) {
    for (const o of FakeObserver.live.filter((l) => l.type === type))
      o.callback({ getEntries: () => entries as unknown as PerformanceEntry[] });
  }
}

const g = globalThis as Record<string, unknown>;
const savedObserver = g.PerformanceObserver;
const realFetch = globalThis.fetch;
let fake: ReturnType<typeof fakeFetch>;
let uninstall: () => void;
let handle: BrowserHandle | undefined;

beforeEach(() => {
  uninstall = installWindow();
  fake = fakeFetch();
  globalThis.fetch = fake.fn;
  g.PerformanceObserver = FakeObserver;
  FakeObserver.live = [];
});
afterEach(async () => {
  await handle?.shutdown();
  handle = undefined;
  globalThis.fetch = realFetch;
  g.PerformanceObserver = savedObserver;
  vi.restoreAllMocks();
  uninstall();
});

function start(responseStart = 420): BrowserHandle {
  vi.spyOn(performance, 'getEntriesByType').mockImplementation((type: string) =>
    type === 'navigation' ? ([{ responseStart }] as unknown as PerformanceEntryList) : [],
  );
  handle = initBrowser({
    service: 'trading-ui',
    endpoint: 'https://app.example.com/otlp',
    instrument: { interactions: false },
  });
  return handle;
}

async function hide(t: BrowserHandle): Promise<void> {
  (document as { visibilityState: string }).visibilityState = 'hidden';
  dispatchEvent(new Event('visibilitychange'));
  await t.flush();
}

/** The `browser.web_vital` records sent, by vital name. */
function vitals() {
  const out: Record<string, { value: unknown; rating: unknown; body: string; scope: string }[]> =
    {};
  for (const request of fake.sent.filter((s) => s.url.endsWith('/v1/logs'))) {
    for (const rl of (JSON.parse(request.body) as OtlpJsonLogs).resourceLogs)
      for (const sl of rl.scopeLogs)
        for (const r of sl.logRecords) {
          if (r.eventName !== EVENT.BROWSER_WEB_VITAL) continue;
          const name = String(attr(r.attributes, ATTR.WEB_VITAL_NAME));
          (out[name] ??= []).push({
            value: attr(r.attributes, ATTR.WEB_VITAL_VALUE),
            rating: attr(r.attributes, ATTR.WEB_VITAL_RATING),
            body: r.body.stringValue,
            scope: sl.scope.name,
          });
        }
  }
  return out;
}

describe('Web Vitals', () => {
  it('sends TTFB at load, and LCP, INP and CLS once when the page is first hidden', async () => {
    const t = start(420);
    await t.flush();
    expect(Object.keys(vitals())).toEqual(['TTFB']);
    expect(vitals().TTFB).toEqual([
      { value: '420', rating: 'good', body: 'TTFB 420', scope: 'tracelog.web_vitals' },
    ]);

    // LCP: the last candidate counts.
    FakeObserver.emit('largest-contentful-paint', [{ startTime: 1200 }, { startTime: 2900.4 }]);
    // CLS: the largest session window; shifts right after input do not count.
    FakeObserver.emit('layout-shift', [
      { startTime: 100, value: 0.05, hadRecentInput: false },
      { startTime: 500, value: 0.04, hadRecentInput: false },
      { startTime: 700, value: 0.5, hadRecentInput: true },
      { startTime: 3000, value: 0.02, hadRecentInput: false },
    ]);
    // INP: one interaction's entries count once, at the longest; entries without an id are not
    // interactions.
    FakeObserver.emit('event', [
      { interactionId: 1, duration: 80 },
      { interactionId: 1, duration: 120 },
      { interactionId: 0, duration: 900 },
      { interactionId: 2, duration: 560 },
    ]);
    FakeObserver.emit('first-input', [{ interactionId: 1, duration: 120 }]);
    await t.flush();
    expect(Object.keys(vitals())).toEqual(['TTFB']);

    await hide(t);
    const sent = vitals();
    expect(sent.LCP).toEqual([
      {
        value: '2900',
        rating: 'needs-improvement',
        body: 'LCP 2900',
        scope: 'tracelog.web_vitals',
      },
    ]);
    expect(sent.CLS).toEqual([
      { value: 0.09, rating: 'good', body: 'CLS 0.09', scope: 'tracelog.web_vitals' },
    ]);
    expect(sent.INP).toEqual([
      { value: '560', rating: 'poor', body: 'INP 560', scope: 'tracelog.web_vitals' },
    ]);

    // Shown and hidden again: nothing is sent twice.
    FakeObserver.emit('largest-contentful-paint', [{ startTime: 5000 }]);
    (document as { visibilityState: string }).visibilityState = 'visible';
    await hide(t);
    expect(Object.values(vitals()).map((list) => list.length)).toEqual([1, 1, 1, 1]);
  });

  it('rates each vital against its published thresholds', async () => {
    const t = start(1900);
    FakeObserver.emit('largest-contentful-paint', [{ startTime: 2400 }]);
    FakeObserver.emit('layout-shift', [{ startTime: 10, value: 0.3, hadRecentInput: false }]);
    FakeObserver.emit('event', [{ interactionId: 7, duration: 200 }]);
    await hide(t);
    const rating = Object.fromEntries(
      Object.entries(vitals()).map(([name, [v]]) => [name, v!.rating]),
    );
    expect(rating).toEqual({ TTFB: 'poor', LCP: 'good', CLS: 'poor', INP: 'good' });
  });

  it('takes INP from the longest interactions less one per 50 (p98) when there are many', async () => {
    const t = start();
    // 120 interactions lasting 1..120 ms, plus a second, longer entry for the longest one.
    FakeObserver.emit(
      'event',
      Array.from({ length: 120 }, (_, i) => ({ interactionId: i + 1, duration: i + 1 })),
    );
    FakeObserver.emit('event', [{ interactionId: 120, duration: 150 }]);
    await hide(t);
    // Skipping the two longest of 120 leaves the 118 ms interaction.
    expect(vitals().INP?.[0]?.value).toBe('118');
  });

  it('sends what the browser supports and no more, without throwing', async () => {
    FakeObserver.supportedEntryTypes = [];
    try {
      const t = start(0);
      await hide(t);
      expect(vitals()).toEqual({});
    } finally {
      FakeObserver.supportedEntryTypes = [
        'largest-contentful-paint',
        'layout-shift',
        'event',
        'first-input',
      ];
    }
  });
});
