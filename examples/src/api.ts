/**
 * A small trading-style API: place an order, validate it, and hand settlement to background work.
 * It uses only the public tracelog API; run it through `demo.ts`, or on its own with
 * `node --import @tracelog/node/register examples/src/api.ts`. With `page`, it also serves the
 * trading page and its relay (page.ts).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { getLogger, task, timed, withContext } from '@tracelog/node';
import type { PageHandler } from './page.ts';

const log = getLogger('orders.api');
const validationLog = getLogger('orders.api.validation');
const settlementLog = getLogger('orders.settlement');

export interface Order {
  symbol: string;
  side: 'buy' | 'sell';
  quantity: number;
  price: number;
}

const checkRisk = timed('risk.check', (order: Order) => order.quantity * order.price <= 1_000_000, {
  level: 'info',
});

function validate(body: unknown): Order {
  const order = body as Partial<Order>;
  validationLog.debug('validating order', { order });
  if (typeof order.symbol !== 'string' || !/^[A-Z]{1,6}$/.test(order.symbol)) {
    throw new Error(`unknown symbol ${String(order.symbol)}`);
  }
  if (order.side !== 'buy' && order.side !== 'sell') throw new Error('side must be buy or sell');
  if (!Number.isFinite(order.quantity) || (order.quantity ?? 0) <= 0) {
    throw new Error('quantity must be positive');
  }
  return order as Order;
}

/** Settlement: a background task; on BullMQ its worker calls this inside the job. */
export async function settle(orderId: string, order: Order): Promise<void> {
  await task('settle-order', { category: 'position', args: { orderId, ...order } }, async (t) => {
    t.step('reserve-funds', { amount: order.quantity * order.price });
    await new Promise((resolve) => setTimeout(resolve, 15));
    settlementLog.info('position updated', { symbol: order.symbol, quantity: order.quantity });
    t.step('book-trade');
  });
}

let nextOrder = 1000;

async function placeOrder(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const userId = String(req.headers['x-user-id'] ?? 'anonymous');
  const orderId = `ord-${nextOrder++}`;
  await withContext({ 'user.id': userId, 'order.id': orderId }, async () => {
    const body = JSON.parse(await readBody(req)) as unknown;
    log.info('order received', { apiKey: req.headers['x-api-key'] });
    let order: Order;
    try {
      order = validate(body);
    } catch (error) {
      log.warn('order rejected', error as Error);
      return send(res, 422, { error: (error as Error).message, orderId });
    }
    if (!checkRisk(order)) {
      log.error('risk limit exceeded', { notional: order.quantity * order.price });
      return send(res, 403, { error: 'risk limit exceeded', orderId });
    }
    log.info('order accepted', {
      symbol: order.symbol,
      side: order.side,
      quantity: order.quantity,
    });
    // Settlement runs after the response: on BullMQ when a queue is configured, in-process
    // otherwise; either way its records carry this request's correlation id.
    const work = enqueue ? enqueue(orderId, order) : settle(orderId, order);
    void work.catch((error: unknown) => settlementLog.error('settlement failed', error as Error));
    send(res, 201, { orderId, status: 'accepted' });
  });
}

/** Hands settlement to a job queue; absent, settlement runs in-process. */
export type Enqueue = (orderId: string, order: Order) => Promise<unknown>;
let enqueue: Enqueue | undefined;

export function createApi(options: { enqueue?: Enqueue; page?: PageHandler } = {}): Server {
  enqueue = options.enqueue;
  const { page } = options;
  return createServer((req, res) => {
    if (req.url === '/health') return send(res, 200, { ok: true });
    if (req.method === 'POST' && req.url === '/orders') {
      placeOrder(req, res).catch((error: unknown) => {
        log.error('unexpected failure', error as Error);
        send(res, 500, { error: 'internal error' });
      });
      return;
    }
    if (page?.(req, res)) return;
    send(res, 404, { error: 'not found' });
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data || '{}'));
    req.on('error', reject);
  });
}
