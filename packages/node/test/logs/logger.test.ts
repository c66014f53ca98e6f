import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ATTR } from '@tracelog/core';
import { getLogger } from '@tracelog/node';
import { useSdk } from '../fixtures/sdk.js';

// Per-component levels as an operator sets them; the `level` option (debug) is the default for the rest.
const { exported } = useSdk({}, { TRACELOG_LEVELS: 'desk=warn,desk.db=debug' });

describe('logger', () => {
  it('exports records with the component as scope, level and attributes', async () => {
    getLogger('orders.api').info('order placed', { marker: 'basic', order: { id: 42, qty: 3 } });
    const [record] = await exported('basic');
    expect(record).toMatchObject({
      service: 'init-test',
      scope: 'orders.api',
      severityText: 'INFO',
      severityNumber: 9,
      body: 'order placed',
    });
    expect(record!.attributes).toMatchObject({ 'order.id': 42, 'order.qty': 3 });
  });

  it("carries the active span's trace and span ids", async () => {
    const tracer = trace.getTracer('test');
    const ids = tracer.startActiveSpan('work', (span) => {
      getLogger('worker').info('inside span', { marker: 'span' });
      span.end();
      return span.spanContext();
    });
    const [record] = await exported('span');
    expect(record!.traceId).toBe(ids.traceId);
    expect(record!.spanId).toBe(ids.spanId);
  });

  it('applies per-component levels from TRACELOG_LEVELS hierarchically', async () => {
    // TRACELOG_LEVELS=desk=warn,desk.db=debug (set before init); the default level is debug.
    getLogger('desk.api').info('hidden', { marker: 'levels' });
    getLogger('desk.api').warn('shown', { marker: 'levels' });
    getLogger('desk.db.pool').debug('shown too', { marker: 'levels' });
    getLogger('desking').debug('not under desk', { marker: 'levels' });
    getLogger('desk').debug('hidden too', { marker: 'levels' });
    const records = await exported('levels', 3);
    expect(records.map((r) => r.body).sort()).toEqual(['not under desk', 'shown', 'shown too']);
  });

  it('turns Error arguments into exception.* attributes', async () => {
    const error = new TypeError('price must be a number');
    getLogger('orders').error('validation failed', error, { marker: 'error' });
    getLogger('orders').error(new RangeError('quantity out of range') as unknown as string, {
      marker: 'error',
    });
    const records = await exported('error', 2);
    const first = records.find((r) => r.body === 'validation failed')!;
    expect(first.attributes[ATTR.EXCEPTION_TYPE]).toBe('TypeError');
    expect(first.attributes[ATTR.EXCEPTION_MESSAGE]).toBe('price must be a number');
    expect(String(first.attributes[ATTR.EXCEPTION_STACKTRACE])).toContain('logger.test.ts');
    const second = records.find((r) => r.attributes[ATTR.EXCEPTION_TYPE] === 'RangeError')!;
    expect(second.body).toBe('quantity out of range');
  });

  it('never throws on hostile arguments, and still records the call', async () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const getter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const proxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('ownKeys trap');
        },
        getPrototypeOf() {
          throw new Error('prototype trap');
        },
      },
    );
    const log = getLogger('hostile');
    const calls = [
      () => log.info('circular', { marker: 'hostile', circular }),
      () => log.info('bigint', { marker: 'hostile', big: 10n ** 30n }),
      () => log.info('symbol', { marker: 'hostile', sym: Symbol('s'), fn: () => 1 }),
      () => log.info('huge', { marker: 'hostile', text: 'x'.repeat(5_000_000) }),
      () => log.info('getter', { marker: 'hostile', getter }),
      () => log.info('proxy', { marker: 'hostile', proxy }),
      () => log.info(Symbol('as message') as unknown as string, { marker: 'hostile' }),
    ];
    for (const call of calls) expect(call).not.toThrow();
    const records = await exported('hostile', calls.length);
    const byBody = new Map(records.map((r) => [r.body, r]));
    expect(byBody.get('bigint')!.attributes.big).toBe('1000000000000000000000000000000');
    expect(byBody.get('circular')!.attributes['circular.self']).toContain('Circular');
    expect(String(byBody.get('huge')!.attributes.text).length).toBeLessThan(20_000);
    expect(byBody.get('getter')!.attributes['getter.boom']).toBe('[Unreadable]');
  });
});
