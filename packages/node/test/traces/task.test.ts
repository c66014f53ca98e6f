import { describe, expect, it } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { getLogger, task, timed } from '@tracelog/node';
import { useSdk } from '../fixtures/sdk.js';

const { exported, receiver, flush } = useSdk();

describe('task and timed', () => {
  const timings = (name: string) =>
    receiver.logs.filter(
      (l) =>
        l.eventName === EVENT.FUNCTION_TIMING && l.attributes[ATTR.CODE_FUNCTION_NAME] === name,
    );

  it('emits task.start, task.step and task.success with durations under one trace', async () => {
    const result = await task(
      'fetch-quotes',
      { category: 'data', attributes: { marker: 'task' } },
      async (t) => {
        t.step('download', { marker: 'task', rows: 10 });
        getLogger('data').info('inside task', { marker: 'task' });
        return 7;
      },
    );
    expect(result).toBe(7);
    const records = await exported('task', 4);
    const events = records.map((r) => r.eventName);
    expect(events).toEqual(
      expect.arrayContaining([EVENT.TASK_START, EVENT.TASK_STEP, EVENT.TASK_SUCCESS]),
    );
    expect(new Set(records.map((r) => r.traceId)).size).toBe(1);
    const success = records.find((r) => r.eventName === EVENT.TASK_SUCCESS)!;
    expect(success.attributes).toMatchObject({
      [ATTR.TASK_NAME]: 'fetch-quotes',
      [ATTR.TASK_CATEGORY]: 'data',
    });
    expect(typeof success.attributes[ATTR.TASK_DURATION_MS]).toBe('number');
    expect(records.find((r) => r.body === 'inside task')!.attributes[ATTR.TASK_NAME]).toBe(
      'fetch-quotes',
    );
  });

  it('records task.failure with the error and rethrows it unchanged', async () => {
    const boom = new Error('exchange unavailable');
    await expect(
      task('place-order', { category: 'strategy', attributes: { marker: 'task-fail' } }, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    const records = await exported('task-fail', 2);
    const failure = records.find((r) => r.eventName === EVENT.TASK_FAILURE)!;
    expect(failure.severityText).toBe('ERROR');
    expect(failure.attributes[ATTR.EXCEPTION_MESSAGE]).toBe('exchange unavailable');
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'task place-order'));
    expect(receiver.spans.find((s) => s.name === 'task place-order')!.status.code).toBe(2);
  });

  it('timed() keeps sync functions sync and records their duration', async () => {
    // The function spins until 5 ms have passed, so its recorded duration cannot be less.
    const spin = timed(
      'math.spin',
      (ms: number) => {
        const start = performance.now();
        while (performance.now() - start < ms);
        return ms;
      },
      { level: 'info' },
    );
    expect(spin(5)).toBe(5);
    await flush();
    await receiver.waitFor(() => timings('math.spin').length === 1, 'the sync timing record');
    const [record] = timings('math.spin');
    expect(record!.attributes[ATTR.FUNCTION_DURATION_MS]).toBeGreaterThanOrEqual(5);
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'math.spin'), 'span');
  });

  it('timed() on an async function records once it settles, and passes its value through', async () => {
    let settle!: (value: string) => void;
    const quote = timed(
      'quotes.fetch',
      (symbol: string) =>
        new Promise<string>((resolve) => (settle = (v) => resolve(`${symbol}:${v}`))),
      { level: 'info' },
    );
    const pending = quote('ACME');
    expect(pending).toBeInstanceOf(Promise);
    await flush();
    expect(timings('quotes.fetch')).toHaveLength(0); // still running: nothing recorded yet
    settle('101.5');
    await expect(pending).resolves.toBe('ACME:101.5');
    await flush();
    await receiver.waitFor(() => timings('quotes.fetch').length === 1, 'the async timing record');
    const [record] = timings('quotes.fetch');
    expect(record!.severityText).toBe('INFO');
    expect(typeof record!.attributes[ATTR.FUNCTION_DURATION_MS]).toBe('number');
    expect(record!.attributes[ATTR.EXCEPTION_TYPE]).toBeUndefined();
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'quotes.fetch'), 'span');
    expect(receiver.spans.find((s) => s.name === 'quotes.fetch')!.status.code).toBe(0);
  });

  it('timed() on an async function that rejects records the error and rejects with it unchanged', async () => {
    const boom = new RangeError('no liquidity');
    const fill = timed('orders.fill', async (qty: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (qty > 0) throw boom;
      return qty;
    });
    await expect(fill(5)).rejects.toBe(boom);
    await flush();
    await receiver.waitFor(() => timings('orders.fill').length === 1, 'the failed timing record');
    const [record] = timings('orders.fill');
    expect(record!.severityText).toBe('ERROR');
    expect(record!.attributes).toMatchObject({
      [ATTR.EXCEPTION_TYPE]: 'RangeError',
      [ATTR.EXCEPTION_MESSAGE]: 'no liquidity',
    });
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'orders.fill'), 'span');
    expect(receiver.spans.find((s) => s.name === 'orders.fill')!.status.code).toBe(2);
  });
});
