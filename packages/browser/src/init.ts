import { Client } from './client.js';
import { resolveConfig, userId } from './config.js';
import type { ResolvedConfig } from './config.js';
import { createDiag } from './diag.js';
import type { Diag } from './diag.js';
import { instrumentConsole } from './instrumentations/console.js';
import { instrumentErrors } from './instrumentations/errors.js';
import { instrumentFetch } from './instrumentations/fetch.js';
import { instrumentInteractions } from './instrumentations/interactions.js';
import { instrumentWebVitals } from './instrumentations/web-vitals.js';
import { instrumentXhr } from './instrumentations/xhr.js';
import { keyValues } from './otlp.js';
import { ATTR, RESOURCE } from './schema.js';
import { SPAN_KIND, activeSpan, failSpan, setActive, startSpan } from './trace.js';
import { Transport } from './transport.js';
import type { Attributes, BrowserHandle, BrowserOptions } from './types.js';
import { VERSION } from './version.js';

/** The running instance, for the React error boundary. */
let current: BrowserHandle | undefined;
export const currentHandle = (): BrowserHandle | undefined => current;

type WebVitals = ReturnType<typeof instrumentWebVitals>;

/**
 * Starts the browser SDK: logger, session, error capture, fetch/XHR spans with trace propagation,
 * Web Vitals, and batched OTLP/HTTP JSON export. A second call returns the running instance.
 */
export function initBrowser(options: BrowserOptions): BrowserHandle {
  if (current) return current;
  // The console as it is before the console instrumentation patches it: what the SDK writes
  // there never loops back into the logger.
  const out = {
    debug: console.debug.bind(console),
    info: console.info.bind(console),
    warn: console.warn.bind(console),
    error: console.error.bind(console),
  };
  const diag = createDiag(out.warn);
  const cfg = resolveConfig(options, globalThis.location?.origin ?? '', (m) => diag(m, m));
  // Before the fetch instrumentation wraps fetch: the SDK's own requests are never traced.
  const transport = createTransport(cfg, diag);
  const client = new Client(cfg, transport, diag, out);
  const uninstall: Array<() => void> = [];
  const vitals = installInstrumentations(client, uninstall);
  uninstall.push(watchPage(client, transport, vitals));
  // Requests a previous page could not deliver.
  if (transport && transport.queue.size() > 0) setTimeout(() => transport.replay(), 0);
  client.session.touch();
  return (current = createHandle(client, transport, uninstall));
}

/** The OTLP exporter, when records leave the page: sending on, an endpoint, and a fetch. */
function createTransport(cfg: ResolvedConfig, diag: Diag): Transport | undefined {
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
  return cfg.remote && cfg.endpoint && originalFetch
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
}

/**
 * Installs each instrumentation the configuration enables. One that throws while installing is
 * reported and left out: the page and the other instrumentations carry on. Each one's undo goes
 * into `uninstall`; returns the Web Vitals instrumentation, which reports when the page is hidden.
 */
function installInstrumentations(
  client: Client,
  uninstall: Array<() => void>,
): WebVitals | undefined {
  const { cfg, diag } = client;
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
  let vitals: WebVitals | undefined;
  if (cfg.webVitals) guard('web-vitals', () => (vitals = instrumentWebVitals(client)).stop);
  return vitals;
}

/**
 * Sends everything, with keepalive, when the page is hidden or left (it may never come back),
 * and replays the offline queue when the network is back. Returns the undo.
 */
function watchPage(
  client: Client,
  transport: Transport | undefined,
  vitals: WebVitals | undefined,
): () => void {
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
  return () => {
    removeEventListener('visibilitychange', onHide);
    removeEventListener('pagehide', onPageHide);
    removeEventListener('online', onOnline);
  };
}

/**
 * Runs `fn` in a new internal span, a child of the active one, which ends when `fn` returns,
 * throws, or (for a promise) settles; a failure marks the span and is passed on unchanged.
 */
function runInSpan<T>(client: Client, name: string, fn: () => T, attributes: Attributes): T {
  const parent = activeSpan();
  const span = startSpan(
    name,
    SPAN_KIND.INTERNAL,
    client.cfg.traceRatio,
    { ...attributes },
    parent,
  );
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
}

/** The handle a page holds: its loggers, spans, user, flush and an idempotent shutdown. */
function createHandle(
  client: Client,
  transport: Transport | undefined,
  uninstall: Array<() => void>,
): BrowserHandle {
  let stopped: Promise<void> | undefined;
  const handle: BrowserHandle = {
    logger: client.logger('app'),
    getLogger: (component) => client.logger(component),
    setUser(user) {
      client.userId = userId(user);
    },
    withSpan(name, fn, attributes = {}) {
      return runInSpan(client, name, fn, attributes);
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
  return handle;
}
