import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';

// A collector that never answers, for the tests of what the SDK does then (timeouts, shutdown
// deadlines), and a poll for conditions those tests read from plain values.

export interface HeldRequest {
  signal: string;
  headers: IncomingHttpHeaders;
  arrivedAt: number;
  /** When the client closed the connection; undefined while it is held open. */
  closedAt: number | undefined;
}

/**
 * A collector that accepts every connection and reads every request, and never answers. It
 * records, per request, when it arrived and when the client closed the connection.
 */
export async function startSilentCollector(): Promise<{
  url: string;
  held: HeldRequest[];
  close(): Promise<void>;
}> {
  const held: HeldRequest[] = [];
  const server: Server = createServer((req) => {
    const entry: HeldRequest = {
      signal: (req.url ?? '').replace('/v1/', ''),
      headers: req.headers,
      arrivedAt: Date.now(),
      closedAt: undefined,
    };
    held.push(entry);
    req.resume();
    req.socket.once('close', () => (entry.closedAt = Date.now()));
  });
  // Node's own server timeouts would otherwise close a silent request first.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.timeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` every 20 ms until it holds, or fails naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
