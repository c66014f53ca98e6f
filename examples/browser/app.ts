/**
 * The demo's trading page: places orders through the example API, and has two buttons that fail
 * on purpose (an uncaught error, an unhandled rejection) to show how they arrive.
 */
import { initBrowser } from '@tracelog/browser';

/** Written into the page by the server (see examples/src/page.ts). */
interface PageConfig {
  /** `/otlp` (the relay), the collector's URL, or none when no collector is configured. */
  endpoint?: string;
  /** Said on the page: where its telemetry goes. */
  delivery: string;
}

const config = JSON.parse(
  document.getElementById('tracelog-config')?.textContent ?? '{}',
) as PageConfig;

const tracelog = initBrowser({
  service: 'trading-ui',
  version: '1.0.0',
  environment: 'demo',
  endpoint: config.endpoint,
  console: true,
  user: 'trader-7',
});
const log = tracelog.getLogger('orders.ticket');

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
element('delivery').textContent = config.delivery;

const form = element<HTMLFormElement>('ticket');
form.addEventListener('submit', (event) => {
  event.preventDefault();
  const fields = new FormData(form);
  const order = {
    symbol: String(fields.get('symbol')),
    side: String(fields.get('side')),
    quantity: Number(fields.get('quantity')),
    price: Number(fields.get('price')),
  };
  void tracelog.withSpan('place-order', () => placeOrder(order), { 'order.symbol': order.symbol });
});

async function placeOrder(order: { symbol: string; quantity: number }): Promise<void> {
  log.info('placing order', { 'order.symbol': order.symbol, 'order.quantity': order.quantity });
  try {
    // Same origin: the SDK adds traceparent, so the API's records share this trace id.
    const response = await fetch('/orders', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user-id': 'trader-7' },
      body: JSON.stringify(order),
    });
    const body = (await response.json()) as { orderId?: string; error?: string };
    const correlationId = response.headers.get('x-correlation-id') ?? '';
    if (response.ok) log.info('order placed', { 'order.id': body.orderId });
    else log.warn('order refused', { 'order.id': body.orderId, reason: body.error });
    showOrder(response.status, body.error ?? body.orderId ?? '', correlationId);
  } catch (error) {
    tracelog.captureException(error);
    showOrder(0, 'the API is unreachable', '');
  }
}

function showOrder(status: number, what: string, correlationId: string): void {
  const row = document.createElement('tr');
  for (const text of [String(status), what, correlationId]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  row.dataset.correlationId = correlationId;
  element('orders').prepend(row);
}

/** A bug on purpose: it throws inside a click handler and nothing catches it. */
function openPriceLadder(levels: number[] | undefined): number {
  return levels!.length;
}
element('throw-error').addEventListener('click', () => openPriceLadder(undefined));

/** A bug on purpose: nobody handles the rejection. */
async function loadPositions(): Promise<void> {
  await Promise.resolve();
  throw new RangeError('positions service answered with an empty book');
}
element('reject-promise').addEventListener('click', () => void loadPositions());
