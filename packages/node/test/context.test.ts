import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { getLogger, withContext } from '@tracelog/node';
import { useSdk } from './fixtures/sdk.js';

const { exported, receiver } = useSdk();

describe('withContext', () => {
  it('adds scoped attributes to every log and span inside, across async work', async () => {
    const tracer = trace.getTracer('test');
    await withContext({ 'user.id': 'u-17', 'strategy.id': 'mean-revert' }, async () => {
      getLogger('strategy').info('tick', { marker: 'scoped' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await withContext({ 'order.id': 'o-1' }, async () => {
        getLogger('strategy').info('order', { marker: 'scoped' });
        tracer.startActiveSpan('place', (span) => span.end());
      });
    });
    getLogger('strategy').info('outside', { marker: 'scoped' });
    const records = await exported('scoped', 3);
    const byBody = new Map(records.map((r) => [r.body, r.attributes]));
    expect(byBody.get('tick')).toMatchObject({ 'user.id': 'u-17', 'strategy.id': 'mean-revert' });
    expect(byBody.get('order')).toMatchObject({ 'user.id': 'u-17', 'order.id': 'o-1' });
    expect(byBody.get('outside')!['user.id']).toBeUndefined();
    await receiver.waitFor(() => receiver.spans.some((s) => s.name === 'place'));
    const span = receiver.spans.find((s) => s.name === 'place')!;
    expect(span.attributes).toMatchObject({ 'user.id': 'u-17', 'order.id': 'o-1' });
  });
});
