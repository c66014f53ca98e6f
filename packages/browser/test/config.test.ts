import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportsOf, startBrowser, useFakeBrowser } from './fakes.js';

// The defaults `resolveConfig` derives from the environment, as a page started with them sees.
const env = useFakeBrowser();

/** A spy on each console method, installed before the SDK captures the console. */
const spyOnConsole = () =>
  (['debug', 'info', 'warn', 'error'] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation(() => {}),
  );

afterEach(() => {
  vi.restoreAllMocks();
});

describe('environment defaults', () => {
  it('keeps the console quiet in production', async () => {
    const spies = spyOnConsole();
    const t = startBrowser(env);
    t.logger.info('order placed');
    t.logger.warn('quote feed slow');
    t.logger.error('order refused', new Error('broker down'));
    await t.flush();
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });

  it('writes every record to the console in development (the spies above would see it)', async () => {
    const [, info, warn] = spyOnConsole();
    const t = startBrowser(env, { environment: 'development' });
    t.logger.info('order placed');
    t.logger.warn('quote feed slow');
    await t.flush();
    expect(info).toHaveBeenCalledWith('[app] order placed', expect.any(Object));
    expect(warn).toHaveBeenCalledWith('[app] quote feed slow', expect.any(Object));
  });

  it('sends nothing remotely in development unless asked', async () => {
    const t = startBrowser(env, { environment: 'development', console: false });
    t.logger.info('dev only');
    await t.flush();
    expect(exportsOf(env)).toHaveLength(0);
  });
});
