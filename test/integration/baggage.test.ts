import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTR } from '@tracelog/core';
import { startOtlpReceiver } from '@tracelog/test-utils';
import type { OtlpReceiver, ReceivedLog } from '@tracelog/test-utils';
import { startService, stopService, stopServices } from '../support/services.js';

// Two real services with @tracelog/node, each in its own process with its own service name,
// exporting OTLP/JSON to a receiver in this process. The upstream sets user.id with withContext
// and calls the downstream with global fetch; the downstream never sets it, so its records carry
// user.id only if it travelled as W3C baggage (a default baggage key) and was copied onto them.
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-baggage-'));

let receiver: OtlpReceiver;
const services: ChildProcess[] = [];

/** A fixture service exporting OTLP/JSON to the receiver; resolves its port. */
async function startFixture(script: string, service: string): Promise<number> {
  const { child, line } = startService(fixtures, script, {
    OTEL_SERVICE_NAME: service,
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    TRACELOG_CONSOLE: 'off',
    TRACELOG_SPOOL_DIR: join(work, service),
  });
  services.push(child);
  return Number(await line);
}

const recordOf = (service: string, message: string, entry: string): ReceivedLog => {
  const found = receiver.logs.filter(
    (l) => l.service === service && l.body === message && l.attributes.entry === entry,
  );
  expect(found, `${service}: "${message}" (${entry})`).toHaveLength(1);
  return found[0]!;
};

describe('baggage across processes', () => {
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    const downstream = await startFixture('baggage-downstream.mjs', 'baggage-ledger');
    const upstream = await startFixture('baggage-upstream.mjs', 'baggage-orders');
    const ledger = `http://127.0.0.1:${downstream}/ledger`;
    const order = async (query: Record<string, string>) => {
      const response = await fetch(
        `http://127.0.0.1:${upstream}/order?${new URLSearchParams(query)}`,
      );
      expect(await response.text()).toBe('200');
    };
    await order({ user: 'u-42', to: `${ledger}?entry=with-user` });
    await order({ to: `${ledger}?entry=without-user` });
    // SIGTERM: each SDK flushes everything before its process ends.
    await Promise.all(services.map(stopService));
  });

  afterAll(async () => {
    await stopServices();
    await receiver?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("the downstream's records carry the upstream's user.id, in the same trace", () => {
    const upstream = recordOf('baggage-orders', 'calling the ledger', 'with-user');
    expect(upstream.attributes[ATTR.USER_ID]).toBe('u-42');
    const downstream = recordOf('baggage-ledger', 'ledger entry written', 'with-user');
    expect(downstream.attributes[ATTR.USER_ID]).toBe('u-42');
    expect(downstream.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(downstream.traceId).toBe(upstream.traceId);
  });

  it('only the baggage keys travel: order.id stays in the upstream', () => {
    const upstream = recordOf('baggage-orders', 'calling the ledger', 'with-user');
    expect(upstream.attributes['order.id']).toBe('ord-7');
    const downstream = recordOf('baggage-ledger', 'ledger entry written', 'with-user');
    expect(downstream.attributes).not.toHaveProperty('order.id');
  });

  it('a call made outside withContext carries no user.id', () => {
    const downstream = recordOf('baggage-ledger', 'ledger entry written', 'without-user');
    expect(downstream.attributes).not.toHaveProperty(ATTR.USER_ID);
  });
});
