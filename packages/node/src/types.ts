import type { Level, QueueInstrumentationOptions, RedactionOptions } from '@tracelog/core';
import type { HttpOptions } from './instrumentations/http.js';
import type { InstrumentationName, OptionsOf } from './instrumentations/registry.js';
import type { Counters } from './internal/diag.js';

/** Options for `init()`. Every option can also be set by environment (see the README). */
export interface InitOptions {
  /**
   * `service.name`.
   * @default OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, npm_package_name, the `name` in the app's
   * package.json (the nearest one above the entry script), else 'unknown_service'
   */
  serviceName?: string;
  /**
   * `service.version`.
   * @default from OTEL_RESOURCE_ATTRIBUTES, npm_package_version, the `version` in the app's package.json
   */
  serviceVersion?: string;
  /** `service.namespace`. @default from OTEL_RESOURCE_ATTRIBUTES */
  serviceNamespace?: string;
  /** `deployment.environment.name`. @default TRACELOG_ENVIRONMENT, NODE_ENV, 'development' */
  environment?: string;
  /** Default log level. @default LOG_LEVEL, 'info' */
  level?: Level;
  /** Per-component levels, e.g. `{ orders: 'debug', 'orders.db': 'warn' }`. @default TRACELOG_LEVELS */
  levels?: Record<string, Level>;
  /** @default on, with TRACELOG_REDACT_KEYS added to the sensitive keys */
  redaction?: RedactionOptions;
  /** Rate limit for warn-and-below records. @default TRACELOG_LOG_RATE, off */
  rateLimit?: { perSecond: number; burst?: number } | false;
  /**
   * Collapse repeats of a record within a window: the first is kept, the rest are counted and
   * reported once, as one record with `tracelog.repeat_count`, when the window closes.
   * @default TRACELOG_DEDUPE_WINDOW, off
   */
  dedupe?: { windowMs: number } | false;
  /** Keep 1 in `debugEvery` debug/trace records per message. @default TRACELOG_DEBUG_SAMPLE_EVERY, 1 */
  sampling?: { debugEvery?: number };
  /**
   * OTLP/HTTP base URL of the collector, e.g. `http://127.0.0.1:4318`.
   * @default OTEL_EXPORTER_OTLP_ENDPOINT; when neither is set, telemetry goes to a local file
   */
  endpoint?: string;
  /** Extra headers on export requests (e.g. an ingest token). @default OTEL_EXPORTER_OTLP_HEADERS */
  headers?: Record<string, string>;
  /** @default OTEL_EXPORTER_OTLP_PROTOCOL, else 'http/protobuf' */
  protocol?: 'http/protobuf' | 'http/json';
  /**
   * Console output: human `pretty` lines, one `json` object per line, or none.
   * @default TRACELOG_CONSOLE, else 'pretty' on a terminal and 'json' otherwise
   */
  console?: 'pretty' | 'json' | false;
  /**
   * Without an endpoint: the file that receives OTLP/JSON export requests, one per line.
   * @default TRACELOG_FILE, else '.tracelog/telemetry.jsonl'
   */
  file?: string;
  /**
   * Where records wait while the collector is unreachable, and how much disk they may use.
   * `false` keeps them in memory only (bounded by `maxMemoryBytes`).
   * @default { directory: TRACELOG_SPOOL_DIR or '.tracelog/spool/<service>', maxBytes: 64 MiB }
   */
  spool?: { directory?: string; maxBytes?: number } | false;
  /** Bound on encoded telemetry held in memory per signal. @default 16 MiB */
  maxMemoryBytes?: number;
  /**
   * The HTTP instrumentation's options.
   * @deprecated Use `instrumentations: { http: { … } }`, which takes the same options.
   */
  http?: HttpOptions;
  /** Scoped keys that travel to other services as W3C baggage. @default ['user.id', 'session.id'] */
  baggageKeys?: string[];
  /** How long shutdown (and SIGTERM/SIGINT) may spend flushing. @default 5000 */
  shutdownDeadlineMs?: number;
  /** Flush on SIGTERM, SIGINT and beforeExit. @default true */
  handleSignals?: boolean;
  /** How often metrics are exported. @default 15000 */
  metricsIntervalMs?: number;
  /** How long one export request may take (`OTEL_EXPORTER_OTLP_TIMEOUT`, per signal too). @default 10000 */
  timeoutMs?: number;
  /**
   * Automatic instrumentations, each on by default: `false` switches one off, an object sets its
   * options (each name, what it covers and its options: the README's instrumentations table).
   * BullMQ needs `@tracelog/queue-instrumentation` installed; its object is passed to
   * `instrumentBullMQ()` (see that package's README).
   */
  instrumentations?: { [Name in InstrumentationName]?: boolean | OptionsOf<Name> };
}

/**
 * The queue instrumentation's options that can be set from `init()`: those of
 * `@tracelog/queue-instrumentation` (an optional peer dependency), less the modules to patch,
 * which init() finds itself. The contract lives in `@tracelog/core`, so these types compile
 * whether or not the queue package is installed.
 */
export type BullMQOptions = Omit<QueueInstrumentationOptions, 'modules'>;

export interface ShutdownOptions {
  /** @default the `shutdownDeadlineMs` init option */
  deadlineMs?: number;
}

export interface ExportStats extends Counters {
  /** Encoded telemetry waiting in memory (bounded by `maxMemoryBytes` per signal). */
  memoryBytes: number;
  /** Encoded telemetry waiting in the spool (bounded by `spool.maxBytes` per signal). */
  spoolBytes: number;
}

/** What `init()` returns. */
export interface TracelogHandle {
  /** Sends everything buffered; resolves within the deadline whatever happens. */
  flush(options?: ShutdownOptions): Promise<void>;
  /** Flushes and stops; what could not be sent is kept in the spool for the next start. Idempotent. */
  shutdown(options?: ShutdownOptions): Promise<void>;
  /** Export counters, and how much is waiting in memory and in the spool right now. */
  stats(): Readonly<ExportStats>;
  /** Where telemetry goes: the collector URL or the local file. */
  readonly destination: string;
}
