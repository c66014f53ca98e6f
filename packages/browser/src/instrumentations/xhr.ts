import type { Client } from '../client.js';
import { endRequest, startRequest } from './request.js';

const calls = new WeakMap<XMLHttpRequest, { method: string; url: string }>();

/** Patches XMLHttpRequest `open`/`send`; returns the function that restores them. */
export function instrumentXhr(client: Client): () => void {
  const proto = globalThis.XMLHttpRequest?.prototype;
  if (!proto) return () => {};
  const { open, send } = proto;
  proto.open = function (
    this: XMLHttpRequest,
    method: string,
    url: string | URL,
    ...rest: unknown[]
  ) {
    calls.set(this, { method: String(method).toUpperCase(), url: String(url) });
    return (open as (...args: unknown[]) => void).call(this, method, url, ...rest);
  } as typeof open;
  proto.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
    const call = calls.get(this);
    let req: ReturnType<typeof startRequest>;
    try {
      req = call && startRequest(client, call.method, call.url);
      if (req) {
        if (req.header) this.setRequestHeader('traceparent', req.header);
        const r = req;
        this.addEventListener('loadend', () =>
          endRequest(
            client,
            r,
            this.status,
            (n) => this.getResponseHeader(n),
            this.status === 0 ? new Error('network error') : undefined,
          ),
        );
      }
    } catch {
      // instrumentation problems never stop the request
    }
    return send.call(this, body);
  };
  return () => {
    proto.open = open;
    proto.send = send;
  };
}
