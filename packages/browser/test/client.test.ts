import { describe, expect, it } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { attr, recordsOf, startBrowser, useFakeBrowser } from './fakes.js';

// What happens between a call site and the transport: level, ignore list, dedupe, rate limit,
// beforeSend and redaction.
const env = useFakeBrowser();
const start = (options?: Parameters<typeof startBrowser>[1]) => startBrowser(env, options);
const records = () => recordsOf(env);
const byBody = (body: string) => records().filter((r) => r.body.stringValue === body);

async function until(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('Client', () => {
  it('honours the level', async () => {
    const t = start({ level: 'warn' });
    t.logger.info('not recorded');
    t.logger.warn('recorded');
    await t.flush();
    expect(byBody('not recorded')).toHaveLength(0);
    expect(byBody('recorded')).toHaveLength(1);
  });

  it('redacts secrets in messages and attributes, and drops query strings when asked', async () => {
    const t = start({ redaction: { dropQuery: true } });
    t.logger.warn('login failed for Bearer abcdefghijklmnopqrstuvwxyz', {
      password: 'hunter2',
      card: '4111 1111 1111 1111',
    });
    await t.flush();
    const [rec] = records().filter((r) => r.body.stringValue.startsWith('login failed'));
    expect(rec!.body.stringValue).not.toContain('abcdefghij');
    expect(attr(rec!.attributes, 'password')).toBe('[REDACTED]');
    expect(String(attr(rec!.attributes, 'card'))).toContain('[REDACTED]');
    expect(attr(rec!.attributes, ATTR.BROWSER_PAGE_URL)).toBe('https://app.example.com/orders');
  });

  it('beforeSend can change or drop records; a hook that throws leaves the record as it was', async () => {
    let calls = 0;
    const t = start({
      beforeSend(record) {
        calls++;
        if (record.message === 'drop me') return null;
        if (record.message === 'boom') throw new Error('hook bug');
        return { ...record, attributes: { ...record.attributes, 'ui.theme': 'dark' } };
      },
    });
    t.logger.info('drop me');
    t.logger.info('boom');
    t.logger.info('changed');
    await t.flush();
    expect(byBody('drop me')).toHaveLength(0);
    expect(byBody('boom')).toHaveLength(1);
    expect(attr(byBody('changed')[0]!.attributes, 'ui.theme')).toBe('dark');
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('rate-limits log records with a token bucket', async () => {
    const t = start({ rateLimit: { logs: { perSecond: 0.001, burst: 5 } }, dedupeWindowMs: false });
    for (let i = 0; i < 50; i++) t.logger.info(`tick ${i}`);
    await t.flush();
    expect(records().length).toBe(5);
  });

  it('drops ignored messages and errors from browser extensions', async () => {
    const t = start({ ignore: { messages: [/ResizeObserver loop/] } });
    t.logger.error('ResizeObserver loop completed with undelivered notifications');
    const fromExtension = new Error('extension broke');
    fromExtension.stack =
      'Error: extension broke\n    at inject (chrome-extension://abcdef/content.js:1:20)';
    t.captureException(fromExtension);
    const fromApp = new Error('app broke');
    fromApp.stack = 'Error: app broke\n    at submit (https://app.example.com/main.js:10:5)';
    t.captureException(fromApp);
    await t.flush();
    const exceptions = records().filter((r) => r.eventName === EVENT.EXCEPTION);
    expect(exceptions.map((r) => attr(r.attributes, ATTR.EXCEPTION_MESSAGE))).toEqual([
      'app broke',
    ]);
    expect(attr(exceptions[0]!.attributes, ATTR.EXCEPTION_FRAMES)).toEqual({
      values: [{ stringValue: 'submit (https://app.example.com/main.js:10:5)' }],
    });
    expect(byBody('ResizeObserver loop completed with undelivered notifications')).toHaveLength(0);
  });
});

describe('Client dedupe', () => {
  it('collapses repeats and reports how many were suppressed', async () => {
    const t = start({ dedupeWindowMs: 40 });
    for (let i = 0; i < 5; i++) t.logger.error('quote feed stale');
    await new Promise((r) => setTimeout(r, 60));
    t.logger.error('quote feed stale');
    await t.flush();
    // The first, then one report of the four repeats when the window closed, then the next one.
    const sent = byBody('quote feed stale');
    expect(sent).toHaveLength(3);
    expect(attr(sent[0]!.attributes, ATTR.REPEAT_COUNT)).toBeUndefined();
    expect(attr(sent[1]!.attributes, ATTR.REPEAT_COUNT)).toBe('4');
    expect(attr(sent[1]!.attributes, ATTR.DEDUPE_WINDOW_MS)).toBe('40');
    expect(sent[1]!.severityNumber).toBe(17);
    expect(attr(sent[2]!.attributes, ATTR.REPEAT_COUNT)).toBeUndefined();
  });

  // A line repeated within its dedupe window and then never again: its repeats are reported when
  // the window closes, by the client's timer, without another line, a flush or a shutdown.
  it('reports the repeats of a line that went quiet once its window closes', async () => {
    const t = start({ dedupeWindowMs: 50, transport: { flushIntervalMs: 20 } });
    for (let i = 0; i < 4; i++) t.logger.warn('quote feed stale');
    // No further line, no flush: only the timer can report the three repeats.
    await until(() => byBody('quote feed stale').length >= 2);
    const sent = byBody('quote feed stale');
    expect(sent).toHaveLength(2);
    expect(attr(sent[0]!.attributes, ATTR.REPEAT_COUNT)).toBeUndefined();
    expect(attr(sent[1]!.attributes, ATTR.REPEAT_COUNT)).toBe('3');
    expect(attr(sent[1]!.attributes, ATTR.DEDUPE_WINDOW_MS)).toBe('50');
  });

  it('shutdown reports the repeats of a window still open', async () => {
    const t = start({ dedupeWindowMs: 60_000, transport: { flushIntervalMs: 20 } });
    for (let i = 0; i < 3; i++) t.logger.warn('order book lagging');
    await t.flush();
    // The window is open: a flush reports nothing yet.
    expect(byBody('order book lagging')).toHaveLength(1);
    await t.shutdown();
    const sent = byBody('order book lagging');
    expect(sent).toHaveLength(2);
    expect(attr(sent[1]!.attributes, ATTR.REPEAT_COUNT)).toBe('2');
  });
});
