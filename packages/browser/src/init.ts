import { ATTR, RESOURCE } from '@tracelog/core';
import { Client } from './client.js';
import { resolveConfig, userId } from './config.js';
import { createDiag } from './diag.js';
import { instrumentConsole } from './instrumentations/console.js';
import { instrumentErrors } from './instrumentations/errors.js';
import { instrumentFetch } from './instrumentations/fetch.js';
import { instrumentInteractions } from './instrumentations/interactions.js';
import { instrumentWebVitals } from './instrumentations/web-vitals.js';
import { instrumentXhr } from './instrumentations/xhr.js';
import { keyValues } from './otlp.js';
import { SPAN_KIND, activeSpan, failSpan, setActive, startSpan } from './trace.js';
import { Transport } from './transport.js';
import type { Attributes, BrowserHandle, BrowserOptions } from './types.js';
import { VERSION } from './version.js';

/** The running instance, for the React error boundary. */
let current: BrowserHandle | undefined;
export const currentHandle = (): BrowserHandle | undefined => current;

/**
 * Starts the browser SDK: logger, session, error capture, fetch/XHR spans with trace propagation,
 * Web Vitals, and batched OTLP/HTTP JSON export. A second call returns the running instance.
 */
export function initBrowser(options: BrowserOptions): BrowserHandle {
  if (current) return current;
  const out = {
    debug: console.debug.bind(console),
    info: console.info.bind(console),
    warn: console.warn.bind(console),
    error: console.error.bind(console),
  };
  const diag = createDiag(out.warn);
  const cfg = resolveConfig(options, globalThis.location?.origin ?? '', (m) => diag(m, m));
  const originalFetch = globalThis.fetch?.bind(globalThis);
  const resource = {
    attributes: keyValues({
      [RESOURCE.SERVICE_NAME]: cfg.service,
      [RESOURCE.SERVICE_VERSION]: cfg.version,
      [RESOURCE.DEPLOYMENT_ENVIRONMENT]: cfg.environment,
      [RESOURCE.TELEMETRY_SDK_NAME]: 'tracelog',
      [RESOURCE.TELEMETRY_SDK_LANGUAGE]: 'webjs',
      [RESOURCE.TELEMETRY_SDK_VERSION]: VERSION,
      // On everything the browser sends, so dashboards find it with or without the relay.
      [ATTR.SOURCE]: 'frontend',
    }),
  };
  const transport =
    cfg.remote && cfg.endpoint && originalFetch
      ? new Transport({
          endpoint: cfg.endpoint,
          service: cfg.service,
          resourceJson: JSON.stringify(resource),
          maxBatchBytes: cfg.maxBatchBytes,
          flushIntervalMs: cfg.flushIntervalMs,
          maxQueueBytes: cfg.maxQueueBytes,
          headers: cfg.headers,
          fetch: originalFetch,
          diag,
        })
      : undefined;
  const client = new Client(cfg, transport, diag, out);
  const uninstall: (() => void)[] = [];
  const guard = (name: string, install: () => (() => void) | undefined) => {
    try {
      const undo = install();
      if (undo) uninstall.push(undo);
    } catch (error) {
      diag(`install-${name}`, `could not instrument ${name}: ${String(error)}`);
    }
  };
  if (cfg.errors) guard('errors', () => instrumentErrors(client));
  if (cfg.fetch && typeof fetch === 'function')
    guard('fetch', () => instrumentFetch(client, globalThis.fetch));
  if (cfg.xhr) guard('xhr', () => instrumentXhr(client));
  if (cfg.interactions) guard('interactions', () => instrumentInteractions(client));
  if (cfg.consoleCapture.length)
    guard('console', () => instrumentConsole(client, cfg.consoleCapture));
  let vitals: ReturnType<typeof instrumentWebVitals> | undefined;
  if (cfg.webVitals) guard('web-vitals', () => (vitals = instrumentWebVitals(client)).stop);

  // The page may never come back after it is hidden: send everything now, with keepalive.
  const onPageHide = () => {
    vitals?.report();
    client.reportRepeats(true);
    void transport?.flush(true);
  };
  const onHide = () => {
    if (globalThis.document?.visibilityState !== 'visible') onPageHide();
  };
  const onOnline = () => transport?.replay();
  addEventListener('visibilitychange', onHide);
  addEventListener('pagehide', onPageHide);
  addEventListener('online', onOnline);
  uninstall.push(() => {
    removeEventListener('visibilitychange', onHide);
    removeEventListener('pagehide', onPageHide);
    removeEventListener('online', onOnline);
  });
  // Requests a previous page could not deliver.
  if (transport && transport.queue.size() > 0) setTimeout(() => transport.replay(), 0);
  client.session.touch();

  let stopped: Promise<void> | undefined;
  const handle: BrowserHandle = {
    logger: client.logger('app'),
    getLogger: (component) => client.logger(component),
    setUser(user) {
      client.userId = userId(user);
    },
    withSpan<T>(name: string, fn: () => T, attributes: Attributes = {}): T {
      const parent = activeSpan();
      const span = startSpan(name, SPAN_KIND.INTERNAL, cfg.traceRatio, { ...attributes }, parent);
      setActive(span);
      const done = (error?: unknown) => {
        if (error !== undefined) failSpan(span, error);
        client.endSpan(span);
        if (activeSpan() === span) setActive(parent);
      };
      let result: T;
      try {
        result = fn();
      } catch (error) {
        done(error);
        throw error;
      }
      if (result && typeof (result as { then?: unknown }).then === 'function') {
        return (result as unknown as PromiseLike<unknown>).then(
          (value) => {
            done();
            return value;
          },
          (error: unknown) => {
            done(error ?? new Error('rejected'));
            throw error;
          },
        ) as T;
      }
      done();
      return result;
    },
    captureException(error, attributes) {
      client.log('error', 'app', '', attributes, { error, mechanism: 'manual' });
    },
    sessionId: () => client.session.touch(),
    async flush() {
      try {
        client.reportRepeats();
        await transport?.flush();
      } catch {
        // flush never rejects
      }
    },
    shutdown() {
      stopped ??= (async () => {
        for (const undo of uninstall.reverse()) {
          try {
            undo();
          } catch {
            // keep removing the rest
          }
        }
        clearInterval(client.repeatTimer);
        client.reportRepeats(true);
        await handle.flush();
        transport?.stop();
        if (current === handle) current = undefined;
      })();
      return stopped;
    },
  };
  current = handle;
  return handle;
}
