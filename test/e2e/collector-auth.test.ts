import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, VictoriaLogs, quote, removeWorkDirs, waitFor } from '../support/stack.js';

// The bearer-token overlay on the real collector build, combined with config.yaml as
// collector/README.md says (`--config config.yaml --config config.auth.yaml`, with
// TRACELOG_INGEST_TOKEN): OTLP/HTTP requests without the token, or with another one, are refused
// and never stored; a request with it is accepted and its record reaches VictoriaLogs.
const authOverlay = new URL('../../collector/config.auth.yaml', import.meta.url).pathname;
const token = randomBytes(24).toString('hex');
const run = randomBytes(4).toString('hex');

let logs: VictoriaLogs;
let collector: Collector;

beforeAll(async () => {
  logs = await new VictoriaLogs().start();
  collector = await new Collector({
    logs,
    overlays: [authOverlay],
    env: { TRACELOG_INGEST_TOKEN: token },
  }).start();
});

afterAll(async () => {
  await collector?.stop();
  await logs?.stop();
  removeWorkDirs();
});

/** One log record from `service`, posted as OTLP/JSON with the given extra headers. */
function post(service: string, headers: Record<string, string>): Promise<Response> {
  const body = {
    resourceLogs: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeLogs: [
          {
            scope: { name: 'auth.test' },
            logRecords: [
              {
                timeUnixNano: String(BigInt(Date.now()) * 1_000_000n),
                severityNumber: 9,
                severityText: 'INFO',
                body: { stringValue: `from ${service}` },
              },
            ],
          },
        ],
      },
    ],
  };
  return fetch(`${collector.url}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const stored = (service: string) => logs.count(`{service.name=${quote(service)}}`);

describe('bearer-token ingest (config.auth.yaml)', () => {
  const answers: Record<string, number> = {};

  beforeAll(async () => {
    answers.none = (await post(`no-token-${run}`, {})).status;
    answers.wrong = (
      await post(`wrong-token-${run}`, { authorization: `Bearer x${token}` })
    ).status;
    answers.scheme = (
      await post(`basic-scheme-${run}`, { authorization: `Basic ${token}` })
    ).status;
    answers.right = (await post(`with-token-${run}`, { authorization: `Bearer ${token}` })).status;
  });

  it('refuses a request without the token, with another token or another scheme', () => {
    expect(answers.none).toBe(401);
    expect(answers.wrong).toBe(401);
    expect(answers.scheme).toBe(401);
  });

  it('accepts a request with the token, and its record is stored', async () => {
    expect(answers.right).toBe(200);
    await waitFor(async () => (await stored(`with-token-${run}`)) === 1, 60_000, 'the record');
  });

  it('stores nothing from the refused requests', async () => {
    // Sent before the accepted one, through the same pipeline: had any been accepted, it would
    // be stored by now.
    await waitFor(async () => (await stored(`with-token-${run}`)) === 1, 60_000, 'the record');
    expect(await stored(`no-token-${run}`)).toBe(0);
    expect(await stored(`wrong-token-${run}`)).toBe(0);
    expect(await stored(`basic-scheme-${run}`)).toBe(0);
  });
});
