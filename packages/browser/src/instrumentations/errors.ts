import type { Client } from '../client.js';
import { ATTR, EVENT } from '../schema.js';

/** Uncaught errors and unhandled rejections as `exception`, failed resource loads as `browser.error`. */
export function instrumentErrors(client: Client): () => void {
  const onError = (event: Event) => {
    try {
      handle(event);
    } catch {
      // an odd event never becomes an error of ours
    }
  };
  const handle = (event: Event) => {
    if (typeof ErrorEvent !== 'undefined' && event instanceof ErrorEvent) {
      const error: unknown = event.error ?? {
        name: 'Error',
        message: event.message,
        stack: event.filename
          ? `Error: ${event.message}\n    at ${event.filename}:${event.lineno}:${event.colno}`
          : undefined,
      };
      client.log('error', 'tracelog.errors', '', {}, { error, mechanism: 'onerror' });
      return;
    }
    const target = event.target as (Element & { src?: string; href?: string }) | null;
    if (typeof Element === 'undefined' || !(target instanceof Element)) return;
    const url = target.src || target.href || '';
    const tag = target.tagName.toLowerCase();
    client.log(
      'error',
      'tracelog.errors',
      `failed to load ${tag} ${url}`,
      { [ATTR.ERROR_TYPE]: 'resource', [ATTR.URL_FULL]: url },
      { eventName: EVENT.BROWSER_ERROR },
    );
  };
  const onRejection = (event: PromiseRejectionEvent) =>
    client.log(
      'error',
      'tracelog.errors',
      '',
      {},
      { error: event.reason, mechanism: 'unhandledrejection' },
    );
  // Capture phase: resource load errors do not bubble.
  addEventListener('error', onError, true);
  addEventListener('unhandledrejection', onRejection);
  return () => {
    removeEventListener('error', onError, true);
    removeEventListener('unhandledrejection', onRejection);
  };
}
