import { describe, expect, it } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { attr, recordsOf, startBrowser, useFakeBrowser } from '../fakes.js';

const env = useFakeBrowser();

describe('errors instrumentation', () => {
  it('records uncaught errors and unhandled rejections from window events', async () => {
    const t = startBrowser(env);
    class FakeErrorEvent extends Event {
      constructor(
        readonly error: unknown,
        readonly message: string,
      ) {
        super('error');
      }
    }
    const g = globalThis as { ErrorEvent?: unknown };
    const saved = g.ErrorEvent;
    g.ErrorEvent = FakeErrorEvent;
    const error = new TypeError('x is undefined');
    error.stack = 'TypeError: x is undefined\n    at render (https://app.example.com/main.js:7:3)';
    try {
      dispatchEvent(new FakeErrorEvent(error, error.message));
      // An error event from an element that failed to load, where Element does not exist: ignored.
      dispatchEvent(new Event('error'));
    } finally {
      g.ErrorEvent = saved;
    }
    const rejection = Object.assign(new Event('unhandledrejection'), {
      reason: new RangeError('bad qty'),
    });
    dispatchEvent(rejection);
    await t.flush();
    const records = recordsOf(env);
    const thrown = records.find((r) => attr(r.attributes, ATTR.EXCEPTION_TYPE) === 'TypeError');
    expect(thrown?.eventName).toBe(EVENT.EXCEPTION);
    expect(thrown?.severityNumber).toBe(17);
    expect(attr(thrown!.attributes, ATTR.EXCEPTION_MECHANISM)).toBe('onerror');
    expect(attr(thrown!.attributes, ATTR.CODE_FUNCTION_NAME)).toBe('render');
    const rejected = records.find((r) => attr(r.attributes, ATTR.EXCEPTION_TYPE) === 'RangeError');
    expect(rejected?.eventName).toBe(EVENT.EXCEPTION);
    expect(attr(rejected!.attributes, ATTR.EXCEPTION_MECHANISM)).toBe('unhandledrejection');
  });
});
