// @vitest-environment happy-dom
import { act, createElement, useState } from 'react';
import type { ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ATTR, EVENT } from '@tracelog/core';
import { initBrowser } from '../src/index.js';
import type { BrowserHandle } from '../src/index.js';
import { TracelogErrorBoundary } from '../src/react.js';
import { attr, fakeFetch } from './fakes.js';
import type { OtlpJsonLogs } from './fakes.js';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const realFetch = globalThis.fetch;
let fake: ReturnType<typeof fakeFetch>;
let handle: BrowserHandle | undefined;
let container: HTMLElement;
let root: Root;

beforeEach(() => {
  fake = fakeFetch();
  globalThis.fetch = fake.fn;
  container = document.createElement('div');
  document.body.append(container);
  // React reports errors a boundary caught on the console; the records are what is asserted.
  root = createRoot(container, { onCaughtError: () => {} });
});
afterEach(async () => {
  act(() => root.unmount());
  container.remove();
  await handle?.shutdown();
  handle = undefined;
  globalThis.fetch = realFetch;
});

function start(): BrowserHandle {
  handle = initBrowser({
    service: 'trading-ui',
    endpoint: 'https://app.example.com/otlp',
    instrument: { webVitals: false, interactions: false, fetch: false, xhr: false },
  });
  return handle;
}

function exceptions() {
  return fake.sent
    .filter((s) => s.url.endsWith('/v1/logs'))
    .flatMap((s) => (JSON.parse(s.body) as OtlpJsonLogs).resourceLogs)
    .flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords))
    .filter((r) => r.eventName === EVENT.EXCEPTION);
}

function OrderTicket({ symbol }: { symbol?: string }): ReactNode {
  if (!symbol) throw new TypeError('symbol is required');
  return createElement('p', null, `ticket ${symbol}`);
}

const render = (node: ReactNode) => act(() => root.render(node));

describe('TracelogErrorBoundary', () => {
  it('catches a child that throws, records it with the component stack and shows the fallback', async () => {
    const t = start();
    const calls: Array<[unknown, string | undefined]> = [];
    render(
      createElement(
        TracelogErrorBoundary,
        {
          fallback: createElement('p', null, 'order ticket unavailable'),
          onError: (error, stack) => calls.push([error, stack]),
        },
        createElement('section', null, createElement(OrderTicket)),
      ),
    );
    expect(container.textContent).toBe('order ticket unavailable');
    expect(calls).toHaveLength(1);
    expect((calls[0]![0] as Error).message).toBe('symbol is required');

    await t.flush();
    const [record, ...more] = exceptions();
    expect(more).toHaveLength(0);
    expect(record!.severityNumber).toBe(17);
    const a = record!.attributes;
    expect(attr(a, ATTR.EXCEPTION_TYPE)).toBe('TypeError');
    expect(attr(a, ATTR.EXCEPTION_MESSAGE)).toBe('symbol is required');
    expect(String(attr(a, ATTR.EXCEPTION_STACKTRACE))).toContain('OrderTicket');
    expect(attr(a, ATTR.EXCEPTION_MECHANISM)).toBe('react');
    const componentStack = String(attr(a, ATTR.REACT_COMPONENT_STACK));
    expect(componentStack).toMatch(/OrderTicket[\s\S]*section[\s\S]*TracelogErrorBoundary/);
    expect(componentStack).toBe(calls[0]![1]);
  });

  it('renders the children while nothing throws, and records nothing', async () => {
    const t = start();
    render(
      createElement(
        TracelogErrorBoundary,
        { fallback: 'unavailable' },
        createElement(OrderTicket, { symbol: 'ACME' }),
      ),
    );
    expect(container.textContent).toBe('ticket ACME');
    await t.flush();
    expect(exceptions()).toHaveLength(0);
  });

  it('gives a fallback function the error and a reset that renders the children again', async () => {
    start();
    let fix: (symbol: string) => void = () => {};
    function Ticket(): ReactNode {
      const [symbol, setSymbol] = useState<string | undefined>(undefined);
      fix = setSymbol;
      return createElement(
        TracelogErrorBoundary,
        {
          fallback: (error: unknown, reset: () => void) =>
            createElement(
              'button',
              { onClick: reset, id: 'retry' },
              `failed: ${(error as Error).message}`,
            ),
        },
        createElement(OrderTicket, { symbol }),
      );
    }
    render(createElement(Ticket));
    expect(container.textContent).toBe('failed: symbol is required');
    act(() => fix('GLOBX'));
    expect(container.textContent).toBe('failed: symbol is required');
    act(() => (container.querySelector('#retry') as HTMLButtonElement).click());
    expect(container.textContent).toBe('ticket GLOBX');
  });

  it('still shows the fallback when onError throws or no SDK is running', () => {
    render(
      createElement(
        TracelogErrorBoundary,
        {
          fallback: 'unavailable',
          onError: () => {
            throw new Error('toast failed');
          },
        },
        createElement(OrderTicket),
      ),
    );
    expect(container.textContent).toBe('unavailable');
  });

  it('records to the instance it is given rather than the running one', async () => {
    const t = start();
    const captured: unknown[] = [];
    const other = { ...t, captureException: (error: unknown) => void captured.push(error) };
    render(
      createElement(
        TracelogErrorBoundary,
        { fallback: null, tracelog: other },
        createElement(OrderTicket),
      ),
    );
    expect(captured).toHaveLength(1);
    await t.flush();
    expect(exceptions()).toHaveLength(0);
  });
});
