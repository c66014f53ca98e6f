import { describe, expect, it } from 'vitest';
import { Batcher } from '../../src/export/batcher.js';
import type { Channel } from '../../src/export/channel.js';
import { JsonBatch } from '../../src/export/otlp/batch.js';
import { Diagnostics } from '../../src/internal/diag.js';

/** A channel that records how many items each submitted request held. */
function channel(congested: boolean): Channel & { requests: number[] } {
  const requests: number[] = [];
  return {
    requests,
    congested,
    submit: (_body: Uint8Array, records: number) => requests.push(records),
  } as unknown as Channel & { requests: number[] };
}

function batcher(target: Channel): Batcher<number> {
  return new Batcher<number>({
    signal: 'logs',
    channel: target,
    encoder: new JsonBatch(
      (items) => Buffer.from(JSON.stringify(items)),
      () => 8,
    ),
    maxBatchRecords: 4,
    burstBatchRecords: 10,
    maxBatchBytes: 1e6,
    flushIntervalMs: 60_000,
    diag: new Diagnostics(60_000, () => undefined),
  });
}

describe('Batcher', () => {
  it('ends a request at the record limit while the channel keeps up', () => {
    const target = channel(false);
    const b = batcher(target);
    for (let i = 0; i < 10; i++) b.add(i);
    b.flush();
    expect(target.requests).toEqual([4, 4, 2]);
  });

  it('makes larger requests while the channel is congested', () => {
    const target = channel(true);
    const b = batcher(target);
    for (let i = 0; i < 25; i++) b.add(i);
    b.flush();
    expect(target.requests).toEqual([10, 10, 5]);
  });
});
