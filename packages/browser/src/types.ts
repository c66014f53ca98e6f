import type { Level, RedactionOptions } from '@tracelog/core';

export type { Level };

/** Attribute values the SDK accepts; objects are flattened into OTLP key/value lists. */
export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | readonly AttributeValue[]
  | { readonly [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

/** A log record as `beforeSend` sees it; return it (changed or not), or `null`/`false` to drop it. */
export interface BrowserLogRecord {
  level: Level;
  message: string;
  /** OpenTelemetry LogRecord `eventName` (`exception`, `browser.web_vital`, …). */
  eventName: string | undefined;
  /** Instrumentation scope: the logger's component. */
  component: string;
  attributes: Attributes;
  /** Epoch milliseconds. */
  time: number;
  traceId: string | undefined;
  spanId: string | undefined;
}

export interface BrowserOptions {
  /** `service.name` of the front end. Required. */
  service: string;
  /**
   * Where OTLP/HTTP JSON goes: the same-origin relay path (`/otlp`) or a collector
   * (`http://127.0.0.1:4318`). Logs go to `<endpoint>/v1/logs`, spans to `<endpoint>/v1/traces`.
   * @default undefined (nothing is sent; console only)
   */
  endpoint?: string;
  /** `service.version` and `app.version`. @default undefined */
  version?: string;
  /** `deployment.environment.name`; `development` turns on the console and turns off sending. @default 'production' */
  environment?: string;
  /** Lowest level recorded. @default 'debug' in development, 'info' otherwise */
  level?: Level;
  /** Write records to the browser console. @default true in development, false otherwise */
  console?: boolean;
  /** Send records to `endpoint`. @default true unless the environment is development (and an endpoint is set) */
  remote?: boolean;
  /** The signed-in user; `user.id` on every record. @default undefined */
  user?: { id: string } | string;
  /**
   * Origins (exact, `https://api.example.com`) that may receive the W3C `traceparent` header besides
   * the page's own origin. Every other origin never sees it.
   * @default []
   */
  propagateTo?: string[];
  /** A response header holding the back end's correlation id (besides `traceresponse`). @default 'x-correlation-id' */
  correlationHeader?: string;
  /** Which API calls also produce an `http.request` log record. @default 'errors' (status ≥ 400 or network failure) */
  logRequests?: 'all' | 'errors' | 'none';
  /** Session lifecycle. @default { idleTimeoutMs: 1_800_000, maxDurationMs: 14_400_000 } */
  session?: { idleTimeoutMs?: number; maxDurationMs?: number };
  /** @default { traces: 1, debugEvery: 1 } (keep every trace; keep every debug record) */
  sampling?: {
    /** Share of traces whose spans are exported (0–1); logs always keep their trace id. @default 1 */
    traces?: number;
    /** Keep 1 in N debug records per message. @default 1 */
    debugEvery?: number;
  };
  /** Records dropped before anything else happens to them. @default {} */
  ignore?: {
    /** Log messages and error messages to drop. */
    messages?: (string | RegExp)[];
    /** Error source URLs to drop, and request URLs not to instrument. */
    urls?: (string | RegExp)[];
  };
  /** Drop errors whose stack runs through a browser extension. @default true */
  ignoreExtensionErrors?: boolean;
  /** Per-signal token-bucket rate limits; `false` turns a limit off. @default { logs: { perSecond: 10, burst: 100 }, spans: { perSecond: 10, burst: 100 } } */
  rateLimit?: {
    logs?: { perSecond: number; burst?: number } | false;
    spans?: { perSecond: number; burst?: number } | false;
  };
  /** Identical records within this window are sent once, the next one carries `tracelog.repeat_count`. @default 5000 */
  dedupeWindowMs?: number | false;
  /** Same rules as `@tracelog/core`; `dropQuery` removes query strings from URLs instead of masking them. @default { dropQuery: false } */
  redaction?: RedactionOptions & { dropQuery?: boolean };
  /** Last look at each log record; a hook that throws leaves the record as it was. @default undefined */
  beforeSend?: (record: BrowserLogRecord) => BrowserLogRecord | null | false | undefined | void;
  /** What to capture automatically. @default all true except `console: []` */
  instrument?: {
    errors?: boolean;
    fetch?: boolean;
    xhr?: boolean;
    /** A span per click, active while its handlers run, so their logs and calls share a trace. */
    interactions?: boolean;
    webVitals?: boolean;
    /** Console methods recorded as `browser.console` records. @default [] */
    console?: ('debug' | 'info' | 'warn' | 'error')[];
  };
  /** The route recorded as `browser.route`. @default location.pathname */
  route?: () => string;
  /** Transport tuning. @default { maxBatchBytes: 16384, flushIntervalMs: 5000, maxQueueBytes: 262144 } */
  transport?: {
    /** Largest request body. @default 16384 */
    maxBatchBytes?: number;
    /** Longest a record waits before it is sent. @default 5000 */
    flushIntervalMs?: number;
    /** Bound of the offline queue in localStorage (unsent requests survive reloads). @default 262144 */
    maxQueueBytes?: number;
    /** Extra request headers (e.g. the relay's credentials). @default {} */
    headers?: Record<string, string>;
  };
}

export interface Logger {
  debug(message: string, attributes?: Attributes): void;
  info(message: string, attributes?: Attributes): void;
  warn(message: string, attributes?: Attributes): void;
  /** An `Error` as the second argument is recorded as an `exception`. */
  error(message: string, errorOrAttributes?: unknown, attributes?: Attributes): void;
  /** A logger for a sub-component (`orders` → `orders.panel`). */
  child(component: string): Logger;
}

export interface BrowserHandle {
  /** The logger of the `app` component. */
  logger: Logger;
  getLogger(component: string): Logger;
  /** Sets or clears `user.id`. */
  setUser(user: { id: string } | string | undefined): void;
  /**
   * Runs `fn` inside a new span (a new trace when none is active). Records logged and requests made
   * until its promise settles carry that trace.
   */
  withSpan<T>(name: string, fn: () => T, attributes?: Attributes): T;
  /** Records an error as an `exception` record. */
  captureException(error: unknown, attributes?: Attributes): void;
  /** The current session id. */
  sessionId(): string;
  /** Sends everything pending. Never rejects. */
  flush(): Promise<void>;
  /** Flushes, removes every hook the SDK installed, and ends. Idempotent. */
  shutdown(): Promise<void>;
}
