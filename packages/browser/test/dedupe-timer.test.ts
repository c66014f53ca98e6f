import { describe, expect, it } from 'vitest';
import { ATTR } from '@tracelog/core';
import { initBrowser } from '../src/index.js';
import { attr, useFakeBrowser } from './fakes.js';
import type { OtlpJsonLogs } from './fakes.js';

// A line repeated within its dedupe window and then never again: its repeats are reported when
// the window closes, by the client's timer, without another line, a flush or a shutdown.
const env = useFakeBrowser();

const sent = (body: string) =>
  env.fake.sent
    .filter((s) => s.url.endsWith('/v1/logs'))
    .flatMap((s) => (JSON.parse(s.body) as OtlpJsonLogs).resourceLogs)
    .flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords))
    .filter((r) => r.body.stringValue === body);

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
}

const start = (dedupeWindowMs: number) =>
  (env.handle = initBrowser({
    service: 'trading-ui',
    endpoint: 'https://app.example.com/otlp',
    dedupeWindowMs,
    transport: { flushIntervalMs: 20 },
    instrument: { webVitals: false, interactions: false },
  }));

describe('dedupe timer', () => {
  it('reports the repeats of a line that went quiet once its window closes', async () => {
    const t = start(50);
    for (let i = 0; i < 4; i++) t.logger.warn('quote feed stale');
    // No further line, no flush: only the timer can report the three repeats.
    await until(() => sent('quote feed stale').length >= 2);
    const records = sent('quote feed stale');
    expect(records).toHaveLength(2);
    expect(attr(records[0]!.attributes, ATTR.REPEAT_COUNT)).toBeUndefined();
    expect(attr(records[1]!.attributes, ATTR.REPEAT_COUNT)).toBe('3');
    expect(attr(records[1]!.attributes, ATTR.DEDUPE_WINDOW_MS)).toBe('50');
  });

  it('shutdown reports the repeats of a window still open', async () => {
    const t = start(60_000);
    for (let i = 0; i < 3; i++) t.logger.warn('order book lagging');
    await t.flush();
    // The window is open: a flush reports nothing yet.
    expect(sent('order book lagging')).toHaveLength(1);
    await t.shutdown();
    const records = sent('order book lagging');
    expect(records).toHaveLength(2);
    expect(attr(records[1]!.attributes, ATTR.REPEAT_COUNT)).toBe('2');
  });
});
