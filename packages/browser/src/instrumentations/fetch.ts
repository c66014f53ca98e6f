import type { Client } from '../client.js';
import { endRequest, startRequest } from './request.js';

/** Wraps `window.fetch`; returns the function that puts the original back. */
export function instrumentFetch(client: Client, original: typeof fetch): () => void {
  const wrapped = function fetch(
    this: unknown,
    input: RequestInfo | URL,
    init?: RequestInit,
  ): Promise<Response> {
    let req: ReturnType<typeof startRequest>;
    try {
      const isRequest = typeof Request !== 'undefined' && input instanceof Request;
      const url = isRequest ? input.url : String(input);
      const method = (init?.method ?? (isRequest ? input.method : 'GET')).toUpperCase();
      req = startRequest(client, method, url);
      if (req?.header) {
        const headers = new Headers(init?.headers ?? (isRequest ? input.headers : undefined));
        headers.set('traceparent', req.header);
        init = { ...init, headers };
      }
    } catch {
      req = undefined;
    }
    if (!req) return original.call(this, input, init);
    const r = req;
    return original.call(this, input, init).then(
      (res) => {
        endRequest(client, r, res.status, (n) => res.headers.get(n));
        return res;
      },
      (error: unknown) => {
        endRequest(client, r, 0, () => null, error);
        throw error;
      },
    );
  };
  globalThis.fetch = wrapped as typeof fetch;
  return () => {
    if (globalThis.fetch === wrapped) globalThis.fetch = original;
  };
}
