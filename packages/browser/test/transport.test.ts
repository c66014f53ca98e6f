import { describe, expect, it } from 'vitest';
import { exportsOf, recordsOf, startBrowser, useFakeBrowser } from './fakes.js';

const env = useFakeBrowser();
const start = (options?: Parameters<typeof startBrowser>[1]) => startBrowser(env, options);
const byBody = (body: string) => recordsOf(env).filter((r) => r.body.stringValue === body);

describe('Transport', () => {
  it('keeps each request within the batch size', async () => {
    const t = start({ dedupeWindowMs: false, rateLimit: { logs: false } });
    for (let i = 0; i < 200; i++) t.logger.info(`record ${i} ${'x'.repeat(300)}`);
    await t.flush();
    const logs = exportsOf(env).filter((s) => s.url.endsWith('/v1/logs'));
    expect(logs.length).toBeGreaterThan(3);
    for (const s of logs)
      expect(new TextEncoder().encode(s.body).length).toBeLessThanOrEqual(16_384);
    expect(recordsOf(env).filter((r) => r.body.stringValue.startsWith('record '))).toHaveLength(
      200,
    );
  });

  it('keeps failed requests in the offline queue and replays them', async () => {
    const t = start();
    env.fake.answers.push({ status: 503, headers: { 'retry-after': '120' } });
    t.logger.info('kept');
    await t.flush();
    expect(localStorage.getItem('tracelog:queue:trading-ui')).toContain('kept');
    expect(byBody('kept')).toHaveLength(1); // the refused attempt
    dispatchEvent(new Event('online'));
    await new Promise((r) => setTimeout(r, 20));
    await t.flush();
    expect(byBody('kept')).toHaveLength(2);
    expect(localStorage.getItem('tracelog:queue:trading-ui')).toBeNull();
  });

  it('drops requests the receiver refuses for good', async () => {
    const t = start();
    env.fake.answers.push({ status: 400 });
    t.logger.info('invalid');
    await t.flush();
    expect(localStorage.getItem('tracelog:queue:trading-ui')).toBeNull();
  });
});
