import type { Client } from '../client.js';
import { ATTR, EVENT } from '../schema.js';

type Vital = 'LCP' | 'INP' | 'CLS' | 'TTFB';
/** Good / needs-improvement thresholds published with the Core Web Vitals. */
const THRESHOLDS: Record<Vital, [number, number]> = {
  LCP: [2500, 4000],
  INP: [200, 500],
  CLS: [0.1, 0.25],
  TTFB: [800, 1800],
};

function observe(
  type: string,
  cb: (entries: PerformanceEntry[]) => void,
  opts: Record<string, unknown> = {},
): PerformanceObserver | undefined {
  try {
    if (!PerformanceObserver.supportedEntryTypes?.includes(type)) return undefined;
    const po = new PerformanceObserver((list) => cb(list.getEntries()));
    po.observe({ type, buffered: true, ...opts } as PerformanceObserverInit);
    return po;
  } catch {
    return undefined;
  }
}

interface Shift extends PerformanceEntry {
  value: number;
  hadRecentInput: boolean;
}
interface EventTiming extends PerformanceEntry {
  interactionId?: number;
}

type Send = (name: Vital, value: number) => void;

/**
 * A vital its observers measure: `report` passes the value so far to `send`, which keeps the
 * first one.
 */
interface Measured {
  observers: (PerformanceObserver | undefined)[];
  report(send: Send): void;
}

/**
 * Minimal observers for LCP, INP, CLS and TTFB (no dependency): TTFB is sent at once, the others
 * when the page is first hidden, each once per page load, as `browser.web_vital` records.
 */
export function instrumentWebVitals(client: Client): { report(): void; stop(): void } {
  const send = sender(client);
  const nav = performance.getEntriesByType?.('navigation')[0] as
    PerformanceNavigationTiming | undefined;
  if (nav && nav.responseStart > 0) send('TTFB', nav.responseStart);
  const vitals = [largestContentfulPaint(), cumulativeLayoutShift(), interactionToNextPaint()];
  return {
    report() {
      for (const v of vitals) v.report(send);
    },
    stop() {
      for (const v of vitals) for (const o of v.observers) o?.disconnect();
    },
  };
}

/** Sends a vital once per page load, rounded and rated against its thresholds. */
function sender(client: Client): Send {
  const sent = new Set<Vital>();
  return (name, value) => {
    if (sent.has(name) || !(value >= 0)) return;
    sent.add(name);
    const [good, poor] = THRESHOLDS[name];
    const rating = value <= good ? 'good' : value <= poor ? 'needs-improvement' : 'poor';
    const rounded = name === 'CLS' ? Math.round(value * 10_000) / 10_000 : Math.round(value);
    client.log(
      'info',
      'tracelog.web_vitals',
      `${name} ${rounded}`,
      {
        [ATTR.WEB_VITAL_NAME]: name,
        [ATTR.WEB_VITAL_VALUE]: rounded,
        [ATTR.WEB_VITAL_RATING]: rating,
      },
      { eventName: EVENT.BROWSER_WEB_VITAL },
    );
  };
}

/** LCP: the start of the last largest-contentful-paint entry. */
function largestContentfulPaint(): Measured {
  let lcp = -1;
  const observer = observe('largest-contentful-paint', (entries) => {
    const last = entries[entries.length - 1];
    if (last) lcp = last.startTime;
  });
  return {
    observers: [observer],
    report(send) {
      if (lcp >= 0) send('LCP', lcp);
    },
  };
}

/**
 * CLS: the largest session window (shifts < 1 s apart, window ≤ 5 s); sent as 0 too where the
 * browser observes layout shifts and saw none.
 */
function cumulativeLayoutShift(): Measured {
  let cls = 0;
  let windowValue = 0;
  let windowStart = 0;
  let windowLast = 0;
  const observer = observe('layout-shift', (entries) => {
    for (const e of entries as Shift[]) {
      if (e.hadRecentInput) continue;
      if (windowValue && e.startTime - windowLast < 1000 && e.startTime - windowStart < 5000)
        windowValue += e.value;
      else {
        windowValue = e.value;
        windowStart = e.startTime;
      }
      windowLast = e.startTime;
      cls = Math.max(cls, windowValue);
    }
  });
  return {
    observers: [observer],
    report(send) {
      if (cls > 0 || observer) send('CLS', cls);
    },
  };
}

/**
 * INP: the longest interaction, or one of the longest per 50 when there are many (p98). An
 * interaction reports several entries (and again as first-input): each counts once, at its longest.
 */
function interactionToNextPaint(): Measured {
  const longest: Array<{ id: number; duration: number }> = [];
  const seen = new Set<number>();
  let interactions = 0;
  const onEvents = (entries: PerformanceEntry[]) => {
    for (const e of entries as EventTiming[]) {
      const id = e.interactionId;
      if (!id) continue;
      if (!seen.has(id)) {
        interactions++;
        // Bounded memory: an id forgotten here may be counted again, which can only make INP
        // skip one more outlier.
        if (seen.size >= 200) seen.clear();
        seen.add(id);
      }
      const known = longest.find((l) => l.id === id);
      if (known) known.duration = Math.max(known.duration, e.duration);
      else longest.push({ id, duration: e.duration });
      longest.sort((a, b) => b.duration - a.duration);
      longest.length = Math.min(longest.length, 10);
    }
  };
  return {
    observers: [
      observe('event', onEvents, { durationThreshold: 40 }),
      observe('first-input', onEvents),
    ],
    report(send) {
      const inp = longest[Math.min(longest.length - 1, Math.floor(interactions / 50))];
      if (inp) send('INP', inp.duration);
    },
  };
}
