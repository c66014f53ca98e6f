import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCE } from '@tracelog/core';
import { startOtlpReceiver } from '@tracelog/test-utils';
import type { OtlpReceiver } from '@tracelog/test-utils';

// A user's own `winston.createLogger({ transports: [new OpenTelemetryTransport()] })`, created
// after init() in a real process: its records reach the collector with the active trace and span
// ids, the component as their scope, and the service's resource. The app runs from a throwaway
// folder whose node_modules holds what an install gives it: winston (the copy @tracelog/node
// depends on, as npm would hoist it), @opentelemetry/api (the peer) and @tracelog/node.
const run = promisify(execFile);
const fixture = new URL('./fixtures/winston-app.mjs', import.meta.url).pathname;
const nodePackage = new URL('../../packages/node/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-winston-'));
let receiver: OtlpReceiver;
let ids: { traceId: string; spanId: string };

/** Installs `name` into the app's node_modules as a link to `target`. */
function link(app: string, name: string, target: string): void {
  const where = join(app, 'node_modules', name);
  mkdirSync(join(where, '..'), { recursive: true });
  symlinkSync(realpathSync(target), where, 'dir');
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const app = join(work, 'billing');
  link(app, '@tracelog/node', nodePackage);
  link(app, 'winston', join(nodePackage, 'node_modules', 'winston'));
  link(app, '@opentelemetry/api', join(nodePackage, 'node_modules', '@opentelemetry', 'api'));
  copyFileSync(fixture, join(app, 'app.mjs'));
  const clean = { ...process.env };
  for (const name of Object.keys(clean)) if (name.startsWith('OTEL_')) delete clean[name];
  const { stdout } = await run(process.execPath, ['app.mjs'], {
    cwd: app,
    env: {
      ...clean,
      OTEL_SERVICE_NAME: 'billing-api',
      OTEL_RESOURCE_ATTRIBUTES: 'service.version=2.4.1,service.namespace=payments',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      TRACELOG_CONSOLE: 'off',
      TRACELOG_SPOOL_DIR: join(work, 'spool'),
    },
    timeout: 60_000,
  });
  ids = JSON.parse(stdout.trim()) as typeof ids;
});

afterAll(async () => {
  await receiver?.stop();
  rmSync(work, { recursive: true, force: true });
});

const record = (body: string) => {
  const found = receiver.logs.find((l) => l.body === body);
  expect(found, body).toBeDefined();
  return found!;
};

describe('OpenTelemetryTransport on a winston logger the app creates', () => {
  it('a record inside a span carries its trace and span ids, the level and the attributes', () => {
    const inside = record('invoice settled late');
    expect(inside.traceId).toBe(ids.traceId);
    expect(inside.spanId).toBe(ids.spanId);
    expect(inside.scope).toBe('billing');
    expect(inside.severityNumber).toBe(13);
    expect(inside.attributes['invoice.id']).toBe('inv-7');
  });

  it("the records carry the service's resource: the same as its spans'", () => {
    const inside = record('invoice settled late');
    expect(inside.resource[RESOURCE.SERVICE_NAME]).toBe('billing-api');
    expect(inside.resource[RESOURCE.SERVICE_VERSION]).toBe('2.4.1');
    expect(inside.resource[RESOURCE.SERVICE_NAMESPACE]).toBe('payments');
    const span = receiver.spans.find((s) => s.spanId === ids.spanId);
    expect(span?.name).toBe('task settle-invoice');
    expect(inside.resource).toEqual(span!.resource);
  });

  it("outside any trace: no trace id; a record's own component is its scope", () => {
    const outside = record('nightly run finished');
    expect(outside.traceId ?? '').toBe('');
    expect(outside.scope).toBe('billing.nightly');
    expect(outside.resource[RESOURCE.SERVICE_NAME]).toBe('billing-api');
  });
});
