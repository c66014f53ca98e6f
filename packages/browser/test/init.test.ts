import { describe, expect, it } from 'vitest';
import { ATTR, EVENT, RESOURCE } from '@tracelog/core';
import { attr, exportsOf, recordsOf, startBrowser, useFakeBrowser } from './fakes.js';

const env = useFakeBrowser();
const start = (options?: Parameters<typeof startBrowser>[1]) => startBrowser(env, options);
const exports = () => exportsOf(env);
const records = () => recordsOf(env);
const byBody = (body: string) => records().filter((r) => r.body.stringValue === body);

describe('initBrowser', () => {
  it('sends OTLP/HTTP JSON logs the collector accepts', async () => {
    const t = start({ user: 'trader-7' });
    t.getLogger('orders.panel').info('order placed', {
      qty: 3,
      price: 101.5,
      live: true,
      tags: ['a', 'b'],
    });
    await t.flush();
    const sent = exports();
    expect(sent[0]!.url).toBe('https://app.example.com/otlp/v1/logs');
    expect(sent[0]!.headers['content-type']).toBe('application/json');
    const [rec] = byBody('order placed');
    expect(rec).toBeDefined();
    expect(rec!.scope).toBe('orders.panel');
    expect(rec!.severityNumber).toBe(9);
    expect(rec!.timeUnixNano).toMatch(/^\d{19}$/);
    expect(Math.abs(Number(rec!.timeUnixNano.slice(0, 13)) - Date.now())).toBeLessThan(5_000);
    const a = rec!.attributes;
    expect(a.find((kv) => kv.key === 'qty')!.value).toEqual({ intValue: '3' });
    expect(a.find((kv) => kv.key === 'price')!.value).toEqual({ doubleValue: 101.5 });
    expect(a.find((kv) => kv.key === 'live')!.value).toEqual({ boolValue: true });
    expect(a.find((kv) => kv.key === 'tags')!.value).toEqual({
      arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] },
    });
    expect(attr(a, ATTR.USER_ID)).toBe('trader-7');
    expect(attr(a, ATTR.APP_VERSION)).toBe('1.2.3');
    expect(attr(a, ATTR.SESSION_ID)).toMatch(/^[\da-f]{32}$/);
    expect(attr(a, ATTR.BROWSER_ROUTE)).toBe('/orders');
    expect(attr(a, ATTR.BROWSER_PAGE_URL)).toBe(
      'https://app.example.com/orders?id=7&token=[REDACTED]',
    );
    const res = rec!.resource.attributes;
    expect(attr(res, RESOURCE.SERVICE_NAME)).toBe('trading-ui');
    expect(attr(res, RESOURCE.SERVICE_VERSION)).toBe('1.2.3');
    expect(attr(res, RESOURCE.DEPLOYMENT_ENVIRONMENT)).toBe('production');
    expect(attr(res, RESOURCE.TELEMETRY_SDK_NAME)).toBe('tracelog');
    expect(attr(res, RESOURCE.TELEMETRY_SDK_LANGUAGE)).toBe('webjs');
    expect(records().find((r) => r.eventName === EVENT.SESSION_START)).toBeDefined();
  });

  it('withSpan puts the log and the call it makes in one trace', async () => {
    const t = start();
    await t.withSpan('place-order', async () => {
      t.logger.info('placing');
      await Promise.resolve();
      await fetch('/api/orders', { method: 'POST', headers: { 'x-app': '1' } });
      t.logger.info('placed');
    });
    await t.flush();
    const call = env.fake.sent.find((s) => s.url === '/api/orders')!;
    expect(call.headers['x-app']).toBe('1');
    const traceId = call.headers.traceparent!.split('-')[1];
    expect(byBody('placing')[0]!.traceId).toBe(traceId);
    expect(byBody('placed')[0]!.traceId).toBe(traceId);
  });

  it('flushes with keepalive when the page is hidden', async () => {
    start({ transport: { flushIntervalMs: 600_000 } });
    env.handle!.logger.info('bye');
    (globalThis as unknown as { document: { visibilityState: string } }).document.visibilityState =
      'hidden';
    dispatchEvent(new Event('visibilitychange'));
    await new Promise((r) => setTimeout(r, 10));
    const sent = exports().find((s) => s.body.includes('"bye"'));
    expect(sent?.keepalive).toBe(true);
  });

  it('shutdown is idempotent and restores fetch', async () => {
    const t = start();
    expect(globalThis.fetch).not.toBe(env.fake.fn);
    await Promise.all([t.shutdown(), t.shutdown()]);
    expect(globalThis.fetch).toBe(env.fake.fn);
    await t.flush();
    env.handle = undefined;
  });
});
