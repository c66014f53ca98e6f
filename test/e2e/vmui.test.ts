import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, ensureChromium } from '../support/chromium.js';
import { startService, stopService, stopServices } from '../support/services.js';
import { quote, removeWorkDirs, useStack, waitFor, workDir } from '../support/stack.js';
import type { LogRow } from '../support/stack.js';

/**
 * VictoriaLogs' own web UI (vmui, embedded in the server at /select/vmui/) as a user meets it in
 * Chromium: an API on @tracelog/node calling a pricing service, both exporting through our
 * collector build to VictoriaLogs and Jaeger; a trace id from the API's `traceresponse` header,
 * searched for in vmui's query box. Every record the LogsQL API returns for that trace must be on
 * the page, and no record of another request.
 */

const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const run = Date.now().toString(36);
// Registered first, so it runs last (vitest runs afterAll hooks in reverse).
afterAll(() => removeWorkDirs());
const stack = useStack();
let browser: Browser;
/** The searched trace and its records, as the LogsQL API returns them. */
let traceId = '';
let records: LogRow[] = [];
/** The records of a second request, which the search must leave out. */
let otherRecords: LogRow[] = [];

beforeAll(async () => {
  const node = (service: string, env: Record<string, string> = {}) =>
    startService(fixtures, 'service.mjs', {
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: stack.collector.url,
      TRACELOG_SPOOL_DIR: join(workDir('spool'), 'spool'),
      ...env,
    });
  const pricing = node(`vmui-pricing-${run}`, { COMPONENT: 'pricing.quotes' });
  const api = node(`vmui-orders-${run}`, {
    COMPONENT: 'orders.api',
    DOWNSTREAM: `http://127.0.0.1:${await pricing.line}`,
    LOG_LEVEL: 'debug',
  });
  const apiUrl = `http://127.0.0.1:${await api.line}`;
  const order = async () => {
    const response = await fetch(`${apiUrl}/orders`, { headers: { 'x-user-id': 'trader-7' } });
    expect(response.status).toBe(200);
    return response.headers.get('traceresponse')!.split('-')[1]!;
  };
  traceId = await order();
  const otherTraceId = await order();
  await Promise.all([api, pricing].map((s) => stopService(s.child)));

  // Both services flushed as they stopped; the store has it all once two reads in a row agree.
  let seen = -1;
  await waitFor(
    async () => {
      records = await stack.logs.trace(traceId);
      otherRecords = await stack.logs.trace(otherTraceId);
      // Each service's http.request record is its last of the request.
      const requests = records.filter((r) => r.event_name === 'http.request');
      const settled = records.length === seen;
      seen = records.length;
      return requests.length === 2 && otherRecords.length > 0 && settled;
    },
    60_000,
    'both services’ records in VictoriaLogs',
  );
  browser = await chromium.launch({
    executablePath: ensureChromium(),
    args: CHROMIUM_ARGS,
    headless: true,
  });
});

afterAll(async () => {
  await browser?.close();
  await stopServices();
});

/** A record's time as vmui shows it: `_time` in the page's time zone, nine fractional digits. */
function shownTime(time: string): string {
  const [, day, clock, fraction = ''] = /^(\S+)T(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time)!;
  return `${day} ${clock}.${fraction.padEnd(9, '0')}`;
}

/** A vmui page in UTC (as `_time` is), so its times read as the API's. */
async function open(path: string): Promise<Page> {
  const context = await browser.newContext({
    timezoneId: 'UTC',
    viewport: { width: 1400, height: 1000 },
  });
  const page = await context.newPage();
  await page.goto(`${stack.logs.url}/select/vmui/${path}`);
  return page;
}

/**
 * The log rows the page lists (each: time, level, message), once they are the searched trace's:
 * vmui first lists the default query's records, then replaces them with the search's.
 */
async function rowsOfTrace(page: Page): Promise<string[]> {
  const times = records.map((r) => shownTime(r._time!)).sort();
  const rows = page.locator('.vm-group-logs-row');
  await expect
    .poll(async () => (await rows.allTextContents()).map((row) => row.slice(0, 29)).sort(), {
      timeout: 30_000,
    })
    .toEqual(times);
  return rows.allTextContents();
}

/**
 * Each record of the trace has a row of its own (its time, then its message: times are in
 * milliseconds, so two records may share one), and there is no other row.
 */
function expectEveryRecord(rows: string[]): void {
  const left = [...rows];
  for (const record of records) {
    const at = left.findIndex(
      (row) => row.startsWith(shownTime(record._time!)) && row.endsWith(record._msg ?? ''),
    );
    expect(at, `a row for ${record['service.name']}: ${record._msg}`).toBeGreaterThanOrEqual(0);
    left.splice(at, 1);
  }
  expect(left).toEqual([]);
}

/** The LogsQL a user types to find one trace's records. */
const byTrace = (id: string) => `trace_id:=${quote(id)}`;

describe('VictoriaLogs’ web UI (vmui) in Chromium', () => {
  it('a trace id searched in the query box lists every record of that trace, and only those', async ({
    annotate,
  }) => {
    // The trace spans both services, at several levels.
    expect(new Set(records.map((r) => r['service.name']))).toEqual(
      new Set([`vmui-orders-${run}`, `vmui-pricing-${run}`]),
    );
    expect(records.map((r) => r.severity_text)).toEqual(
      expect.arrayContaining(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    );
    // Another request's records are in the store too: the page must leave them out.
    expect(otherRecords.length).toBeGreaterThan(0);
    // Every record links to a span of the trace Jaeger holds.
    await expect
      .poll(
        async () => {
          const spanIds = new Set((await stack.traces.trace(traceId)).map((s) => s.spanId));
          return records.filter((r) => !spanIds.has(r.span_id ?? '')).map((r) => r._msg);
        },
        { timeout: 60_000 },
      )
      .toEqual([]);

    const page = await open('');
    const query = page.locator('textarea[name^="Query"]');
    await query.fill(byTrace(traceId));
    await page.getByRole('button', { name: 'Execute' }).click();
    expectEveryRecord(await rowsOfTrace(page));

    // vmui keeps the search in its address, so the page can be linked to.
    expect(new URL(page.url()).hash).toContain(`query=${encodeURIComponent(byTrace(traceId))}`);
    const screenshot = join(tmpdir(), `tracelog-vmui-${traceId}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    await annotate(`screenshot: ${screenshot}`);
    await page.context().close();
  });

  it('a link with the search in its address opens the same records', async () => {
    const page = await open(`#/?query=${encodeURIComponent(byTrace(traceId))}`);
    expectEveryRecord(await rowsOfTrace(page));
    await page.context().close();
  });
});
