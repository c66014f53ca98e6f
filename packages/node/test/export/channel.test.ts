import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Channel } from '../../src/export/channel.js';
import { Spool } from '../../src/export/spool.js';
import type { Encoding, ExportTarget, SendResult } from '../../src/export/target.js';
import { BACKOFF } from '../../src/internal/backoff.js';
import { Diagnostics } from '../../src/internal/diag.js';

/** A target that records what it got and can be switched between up and down. */
class FakeTarget implements ExportTarget {
  readonly description = 'fake';
  up = true;
  received: string[] = [];
  encodings: Encoding[] = [];
  async send(body: Uint8Array, _records: number, encoding: Encoding): Promise<SendResult> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (!this.up) return { outcome: 'retry', reason: 'down' };
    this.received.push(Buffer.from(body).toString());
    this.encodings.push(encoding);
    return { outcome: 'ok' };
  }
}

const dirs: string[] = [];
function spoolDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tracelog-spool-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const quiet = () => new Diagnostics(60_000, () => undefined);
const body = (n: number) => Buffer.from(`request-${n}`);

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Channel', () => {
  it('sends requests in order while the target is up', async () => {
    const target = new FakeTarget();
    const diag = quiet();
    const channel = new Channel({
      signal: 'logs',
      target,
      encoding: 'protobuf',
      spool: undefined,
      maxMemoryBytes: 1e6,
      diag,
    });
    for (let i = 0; i < 5; i++) channel.submit(body(i), 1);
    await channel.flush(2000);
    expect(target.received).toEqual([0, 1, 2, 3, 4].map((i) => `request-${i}`));
    expect(diag.counters.exported).toBe(5);
  });

  it('spools during an outage and replays everything, oldest first, when the target returns', async () => {
    const target = new FakeTarget();
    target.up = false;
    const diag = quiet();
    const spool = new Spool({ directory: spoolDir(), signal: 'logs', maxBytes: 1e6, diag });
    const channel = new Channel({
      signal: 'logs',
      target,
      encoding: 'protobuf',
      spool,
      maxMemoryBytes: 1e6,
      diag,
      backoff: { ...BACKOFF.export, initialMs: 20, maxMs: 40 },
    });
    for (let i = 0; i < 20; i++) channel.submit(body(i), 1);
    await until(() => spool.size === 20);
    expect(target.received).toEqual([]);
    target.up = true;
    await until(() => target.received.length === 20);
    expect(target.received).toEqual(Array.from({ length: 20 }, (_, i) => `request-${i}`));
    expect(diag.counters.replayed).toBe(20);
    expect(diag.counters.dropped).toBe(0);
    // New requests go direct again once the spool is empty.
    channel.submit(body(99), 1);
    await channel.flush(1000);
    expect(target.received.at(-1)).toBe('request-99');
  });

  it('hands what is left at exit to the next process through the spool', async () => {
    const dir = spoolDir();
    const down = new FakeTarget();
    down.up = false;
    const first = new Channel({
      signal: 'traces',
      target: down,
      encoding: 'json',
      spool: new Spool({ directory: dir, signal: 'traces', maxBytes: 1e6, diag: quiet() }),
      maxMemoryBytes: 1e6,
      diag: quiet(),
      backoff: { ...BACKOFF.export, initialMs: 60_000, maxMs: 60_000 },
    });
    for (let i = 0; i < 3; i++) first.submit(body(i), 2);
    await first.flush(1000);
    first.close();
    expect(readdirSync(dir)).toHaveLength(3);

    const target = new FakeTarget();
    const diag = quiet();
    new Channel({
      signal: 'traces',
      target,
      encoding: 'protobuf',
      spool: new Spool({ directory: dir, signal: 'traces', maxBytes: 1e6, diag }),
      maxMemoryBytes: 1e6,
      diag,
    });
    await until(() => target.received.length === 3);
    expect(target.received).toEqual(['request-0', 'request-1', 'request-2']);
    // The app restarted with another protocol: the spooled requests still say what they hold.
    expect(target.encodings).toEqual(['json', 'json', 'json']);
    expect(diag.counters.replayed).toBe(6);
    await until(() => readdirSync(dir).length === 0);
  });

  it('replays a request spooled before encodings were named as protobuf', async () => {
    const dir = spoolDir();
    writeFileSync(join(dir, `traces-${Date.now()}-999999-0-4.otlp`), body(7));
    const target = new FakeTarget();
    new Channel({
      signal: 'traces',
      target,
      encoding: 'json',
      spool: new Spool({ directory: dir, signal: 'traces', maxBytes: 1e6, diag: quiet() }),
      maxMemoryBytes: 1e6,
      diag: quiet(),
    });
    await until(() => target.received.length === 1);
    expect(target.encodings).toEqual(['protobuf']);
  });

  it('at exit hands what is still in memory to a target that takes it synchronously', async () => {
    const taken: string[] = [];
    const target = new FakeTarget();
    target.up = false;
    const syncTarget: ExportTarget = {
      description: 'file',
      send: (b, r, e) => target.send(b, r, e),
      sendSync: (b) => taken.push(Buffer.from(b).toString()) > 0,
    };
    const diag = quiet();
    const channel = new Channel({
      signal: 'logs',
      target: syncTarget,
      encoding: 'json',
      spool: undefined,
      maxMemoryBytes: 1e6,
      diag,
      backoff: { ...BACKOFF.export, initialMs: 60_000, maxMs: 60_000 },
    });
    for (let i = 0; i < 3; i++) channel.submit(body(i), 1);
    await channel.flush(100);
    channel.close();
    expect(taken).toEqual(['request-0', 'request-1', 'request-2']);
    expect(diag.counters.dropped).toBe(0);
  });

  it('keeps the spool within its byte bound by dropping the oldest, and says so', async () => {
    const target = new FakeTarget();
    target.up = false;
    const lines: string[] = [];
    const diag = new Diagnostics(60_000, (line) => lines.push(line));
    const spool = new Spool({ directory: spoolDir(), signal: 'logs', maxBytes: 100, diag });
    const channel = new Channel({
      signal: 'logs',
      target,
      encoding: 'protobuf',
      spool,
      maxMemoryBytes: 1e6,
      diag,
      backoff: { ...BACKOFF.export, initialMs: 60_000, maxMs: 60_000 },
    });
    for (let i = 0; i < 30; i++) channel.submit(Buffer.alloc(10, i), 1);
    await until(() => diag.counters.spooled === 30);
    expect(spool.bytes).toBeLessThanOrEqual(100);
    expect(diag.counters.dropped).toBe(20);
    expect(lines.filter((line) => line.includes('spool full'))).toHaveLength(1);
  });

  it('without a spool, holds requests in memory up to the bound and retries them', async () => {
    const target = new FakeTarget();
    target.up = false;
    const diag = quiet();
    const channel = new Channel({
      signal: 'logs',
      target,
      encoding: 'protobuf',
      spool: undefined,
      maxMemoryBytes: 50,
      diag,
      backoff: { ...BACKOFF.export, initialMs: 10, maxMs: 20 },
    });
    for (let i = 0; i < 10; i++) channel.submit(Buffer.alloc(10, 65 + i), 1);
    target.up = true;
    await until(() => target.received.length + diag.counters.dropped === 10);
    expect(diag.counters.dropped).toBeGreaterThan(0);
    expect(target.received.length).toBeLessThanOrEqual(5);
    // The newest request always survives.
    expect(target.received.at(-1)).toBe('J'.repeat(10));
  });
});

describe('Channel under a producer faster than the target', () => {
  /** A channel to an up target with a spool and `maxMemoryBytes` of memory. */
  function spilling(maxMemoryBytes: number) {
    const target = new FakeTarget();
    const diag = quiet();
    const spool = new Spool({ directory: spoolDir(), signal: 'logs', maxBytes: 1e6, diag });
    const channel = new Channel({
      signal: 'logs',
      target,
      encoding: 'protobuf',
      spool,
      maxMemoryBytes,
      diag,
      backoff: { ...BACKOFF.export, initialMs: 10, maxMs: 20 },
    });
    return { target, diag, spool, channel };
  }

  it('overflows to the spool in order and still delivers everything while the target is up', async () => {
    const { target, diag, spool, channel } = spilling(30);
    for (let i = 0; i < 50; i++) channel.submit(body(i), 1);
    await channel.flush(5000);
    expect(target.received).toEqual(Array.from({ length: 50 }, (_, i) => `request-${i}`));
    expect(diag.counters.spooled).toBeGreaterThan(0);
    expect(spool.size).toBe(0);
  });

  it('spills only what does not fit in memory: memory is sent first, not written to disk', async () => {
    // Room for 10 of the 10-byte requests.
    const { target, diag, channel } = spilling(100);
    const name = (i: number) => `request-${String(i).padStart(2, '0')}`;
    for (let i = 0; i < 40; i++) channel.submit(Buffer.from(name(i)), 1);
    await channel.flush(5000);
    expect(target.received).toEqual(Array.from({ length: 40 }, (_, i) => name(i)));
    expect(diag.counters.spooled).toBe(30);
    expect(diag.counters.replayed).toBe(30);
  });

  it('keeps the order when the target fails while a burst is spilled', async () => {
    const { target, spool, channel } = spilling(30);
    for (let i = 0; i < 20; i++) channel.submit(body(i), 1);
    await until(() => target.received.length >= 1);
    target.up = false;
    for (let i = 20; i < 30; i++) channel.submit(body(i), 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    target.up = true;
    await channel.flush(5000);
    expect(target.received).toEqual(Array.from({ length: 30 }, (_, i) => `request-${i}`));
    expect(spool.size).toBe(0);
  });
});

describe('Channel backoff', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('probes a failing target after the waits of the export row of BACKOFF, by default', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    // Jitter at its midpoint: the waits are the row's own numbers.
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    let sends = 0;
    const target: ExportTarget = {
      description: 'down',
      send: () => {
        sends++;
        return Promise.resolve({ outcome: 'retry', reason: 'down' });
      },
    };
    const channel = new Channel({
      signal: 'logs',
      target,
      encoding: 'protobuf',
      spool: undefined,
      maxMemoryBytes: 1e6,
      diag: quiet(),
    });
    channel.submit(body(1), 1);
    await vi.advanceTimersByTimeAsync(0);
    const sendsAt = [sends];
    for (const waitMs of [BACKOFF.export.initialMs, BACKOFF.export.initialMs * 2]) {
      await vi.advanceTimersByTimeAsync(waitMs - 1);
      sendsAt.push(sends);
      await vi.advanceTimersByTimeAsync(1);
      sendsAt.push(sends);
    }
    expect(sendsAt).toEqual([1, 1, 2, 2, 3]);
    channel.close();
  });
});
