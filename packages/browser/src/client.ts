import { RecordFilter, TokenBucket, createCompactRedactor, fingerprint } from '@tracelog/core';
import type { Redactor, Repeats } from '@tracelog/core';
import { matches } from './config.js';
import type { ResolvedConfig } from './config.js';
import type { Diag } from './diag.js';
import { keyValues, nanos, now } from './otlp.js';
import type { OtlpLogRecord, OtlpSpan } from './otlp.js';
import { ATTR, EVENT, SEVERITY_NUMBER } from './schema.js';
import { Session } from './session.js';
import type { SessionChange } from './session.js';
import { formatFrame, fromExtension, parseStack } from './stack.js';
import { activeSpan, failSpan } from './trace.js';
import type { Span } from './trace.js';
import type { Transport } from './transport.js';
import type { Attributes, BrowserLogRecord, Level, Logger } from './types.js';

export interface LogOptions {
  eventName?: string;
  error?: unknown;
  /** How the error was caught (`onerror`, `unhandledrejection`, `react`, `manual`). */
  mechanism?: string;
  /** A repeat report: past the filters already. */
  repeatReport?: boolean;
}

/** What a repeat report takes from the first record of a dedupe window. */
interface RepeatSample {
  level: Level;
  component: string;
  message: string;
  eventName: string | undefined;
}

type ConsoleMethod = 'debug' | 'info' | 'warn' | 'error';
const CONSOLE_METHOD: Record<Level, ConsoleMethod> = {
  fatal: 'error',
  error: 'error',
  warn: 'warn',
  info: 'info',
  debug: 'debug',
  trace: 'debug',
};

/**
 * Everything between a call site and the transport: level, ignore list, sampling, dedupe, rate
 * limit (core's one order), context, `beforeSend`, redaction, then the console and the OTLP encoding.
 */
export class Client {
  readonly redactor: Redactor;
  readonly session: Session;
  userId: string | undefined;
  private readonly minSeverity: number;
  private readonly filter: RecordFilter<RepeatSample>;
  private readonly spanBucket: TokenBucket | undefined;
  private pageHref = '';
  private pageUrl = '';
  private hookFailed = false;
  /** Reports repeats whose window closed while their line went quiet; cleared at shutdown. */
  readonly repeatTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    readonly cfg: ResolvedConfig,
    private readonly transport: Transport | undefined,
    readonly diag: Diag,
    /** Console methods as they were before anything patched them. */
    private readonly out: Record<ConsoleMethod, (...args: unknown[]) => void>,
  ) {
    this.redactor = createCompactRedactor(cfg.redaction);
    this.userId = cfg.userId;
    this.minSeverity = SEVERITY_NUMBER[cfg.level];
    this.filter = new RecordFilter<RepeatSample>({
      debugSampleEvery: cfg.debugEvery,
      dedupeWindowMs: cfg.dedupeWindowMs,
      rateLimit: cfg.logLimit,
      maxKeys: 500,
    });
    if (cfg.dedupeWindowMs > 0)
      this.repeatTimer = setInterval(() => this.reportRepeats(), cfg.dedupeWindowMs);
    const l = cfg.spanLimit;
    this.spanBucket = l && new TokenBucket({ ratePerSecond: l.perSecond, burst: l.burst });
    this.session = new Session(cfg.service, cfg.idleTimeoutMs, cfg.maxDurationMs, (c) =>
      this.sessionChanged(c),
    );
  }

  /** The page URL, redacted (query masked or dropped), computed once per URL. */
  page(): string {
    const href = globalThis.location?.href ?? '';
    if (href !== this.pageHref) {
      this.pageHref = href;
      this.pageUrl = this.redactor.redactUrl(href, { dropQuery: this.cfg.dropQuery });
    }
    return this.pageUrl;
  }

  private sessionChanged({ ended }: SessionChange): void {
    if (ended) {
      this.log(
        'info',
        'tracelog',
        'session ended',
        {
          [ATTR.SESSION_ID]: ended.id,
          [ATTR.SESSION_DURATION_MS]: Math.max(0, ended.last - ended.start),
        },
        { eventName: EVENT.SESSION_END },
      );
    }
    this.log(
      'info',
      'tracelog',
      'session started',
      {
        [ATTR.SESSION_PREVIOUS_ID]: ended?.id,
        [ATTR.USER_AGENT_ORIGINAL]: globalThis.navigator?.userAgent,
      },
      { eventName: EVENT.SESSION_START },
    );
  }

  /** Reports windows that closed with counted repeats; `all` closes every window (page hidden). */
  reportRepeats(all?: boolean): void {
    for (const r of this.filter.closedRepeats(all)) this.repeated(r);
  }

  private repeated({ sample, repeats, windowMs }: Repeats<RepeatSample>): void {
    this.log(
      sample.level,
      sample.component,
      sample.message,
      { [ATTR.REPEAT_COUNT]: repeats, [ATTR.DEDUPE_WINDOW_MS]: windowMs },
      { eventName: sample.eventName, repeatReport: true },
    );
  }

  log(
    level: Level,
    component: string,
    message: string,
    attributes: Attributes = {},
    opts: LogOptions = {},
  ): void {
    try {
      this.record(level, component, message, attributes, opts);
    } catch (error) {
      this.diag('log', `a record was lost: ${String(error)}`);
    }
  }

  /** Core's one order: level, exception, ignore list, filters, context, `beforeSend`, export. */
  private record(
    level: Level,
    component: string,
    message: string,
    attributes: Attributes,
    opts: LogOptions,
  ): void {
    if (SEVERITY_NUMBER[level] < this.minSeverity) return;
    const cfg = this.cfg;
    let attrs: Attributes = { ...attributes };
    let eventName = opts.eventName;
    if (opts.error !== undefined) {
      const exception = this.describe(opts.error, opts.mechanism ?? 'manual');
      if (!exception) return;
      attrs = { ...exception, ...attrs };
      eventName ??= EVENT.EXCEPTION;
      message ||= `${String(exception[ATTR.EXCEPTION_TYPE])}: ${String(exception[ATTR.EXCEPTION_MESSAGE])}`;
    }
    if (cfg.ignoreMessages.length && matches(message, cfg.ignoreMessages)) return;
    if (!opts.repeatReport && !this.admit(level, component, message, eventName, attrs)) return;
    const sessionId = this.session.touch();
    attrs[ATTR.SESSION_ID] ??= sessionId;
    if (this.userId) attrs[ATTR.USER_ID] ??= this.userId;
    if (cfg.version) attrs[ATTR.APP_VERSION] = cfg.version;
    attrs[ATTR.BROWSER_PAGE_URL] = this.page();
    try {
      attrs[ATTR.BROWSER_ROUTE] = cfg.route();
    } catch {
      // a route function that throws leaves the route out
    }
    const span = activeSpan();
    if (span) span.used = true;
    const rec = this.beforeSend({
      level,
      message,
      eventName,
      component,
      attributes: attrs,
      time: now(),
      traceId: span?.traceId,
      spanId: span?.spanId,
    });
    if (rec) this.emit(rec, span);
  }

  /**
   * Sampling, dedupe and the rate limit: false drops the record. Reports the repeats of a window
   * this record closed, and notes on a kept record the sampling rate it stands for.
   */
  private admit(
    level: Level,
    component: string,
    message: string,
    eventName: string | undefined,
    attrs: Attributes,
  ): boolean {
    const filter = this.filter;
    if (!filter.active) return true;
    const verdict = filter.admit(
      filter.keyed
        ? fingerprint(
            level,
            component,
            message,
            eventName ?? '',
            String(attrs[ATTR.EXCEPTION_STACKTRACE] ?? ''),
          )
        : '',
      level === 'debug',
      true,
      () => ({ level, component, message, eventName }),
    );
    if (verdict.repeats) this.repeated(verdict.repeats);
    if (verdict.reason === 'rate')
      this.diag('rate-logs', 'log records over the rate limit are being dropped');
    if (!verdict.pass) return false;
    if (verdict.sampledEvery) attrs[ATTR.SAMPLE_EVERY] = verdict.sampledEvery;
    return true;
  }

  /** The record `beforeSend` returns (or the same one), undefined when it drops it. */
  private beforeSend(rec: BrowserLogRecord): BrowserLogRecord | undefined {
    const hook = this.cfg.beforeSend;
    if (!hook) return rec;
    try {
      const result = hook(rec);
      if (result === null || result === false) return undefined;
      return result || rec;
    } catch (error) {
      // The record goes out as it was: losing it would hide the very problem being debugged.
      if (!this.hookFailed && this.cfg.console)
        this.out.error('tracelog: beforeSend threw; records are sent without it', error);
      this.hookFailed = true;
      return rec;
    }
  }

  /** Redacts the record, writes it to the console when asked, and queues its OTLP encoding. */
  private emit(rec: BrowserLogRecord, span: Span | undefined): void {
    const redacted = this.redactor.redactAttributes(rec.attributes) as Attributes;
    const body = this.redactor.redactString(rec.message);
    if (this.cfg.console)
      this.out[CONSOLE_METHOD[rec.level]](`[${rec.component}] ${body}`, redacted);
    if (!this.transport) return;
    const out: OtlpLogRecord = {
      timeUnixNano: nanos(rec.time),
      observedTimeUnixNano: nanos(rec.time),
      severityNumber: SEVERITY_NUMBER[rec.level],
      severityText: rec.level.toUpperCase(),
      body: { stringValue: body },
      attributes: keyValues(redacted),
    };
    if (rec.eventName) out.eventName = rec.eventName;
    if (rec.traceId && rec.spanId) {
      out.traceId = rec.traceId;
      out.spanId = rec.spanId;
      out.flags = span?.sampled === false ? 0 : 1;
    }
    this.transport.add('logs', rec.component, JSON.stringify(out));
  }

  /** Exception attributes for an error, or undefined when it must be dropped (extension, ignored URL). */
  describe(error: unknown, mechanism: string): Attributes | undefined {
    const isError =
      error instanceof Error || (typeof error === 'object' && error !== null && 'stack' in error);
    const e = error as Partial<Error>;
    const type = isError ? String(e.name ?? 'Error') : error === null ? 'null' : typeof error;
    let message: string;
    if (isError) message = String(e.message ?? '');
    else {
      try {
        message = typeof error === 'string' ? error : (JSON.stringify(error) ?? String(error));
      } catch {
        message = String(error);
      }
    }
    const stack = isError && typeof e.stack === 'string' ? e.stack : undefined;
    const frames = parseStack(stack);
    if (this.cfg.ignoreExtensionErrors && fromExtension(frames)) return undefined;
    if (this.cfg.ignoreUrls.length && frames.some((f) => matches(f.file, this.cfg.ignoreUrls)))
      return undefined;
    if (this.cfg.ignoreMessages.length && matches(message, this.cfg.ignoreMessages))
      return undefined;
    const top = frames[0];
    const span = activeSpan();
    if (span) failSpan(span, error);
    return {
      [ATTR.EXCEPTION_TYPE]: type,
      [ATTR.EXCEPTION_MESSAGE]: message,
      [ATTR.EXCEPTION_STACKTRACE]: stack,
      [ATTR.EXCEPTION_FRAMES]: frames.length ? frames.map(formatFrame) : undefined,
      [ATTR.EXCEPTION_MECHANISM]: mechanism,
      [ATTR.CODE_FILE_PATH]: top?.file,
      [ATTR.CODE_LINE_NUMBER]: top?.line,
      [ATTR.CODE_COLUMN_NUMBER]: top?.column,
      [ATTR.CODE_FUNCTION_NAME]: top?.fn,
    };
  }

  /** Ends a span and exports it when its trace is sampled and the span rate allows. */
  endSpan(span: Span): void {
    try {
      span.end ??= now();
      if (!span.sampled || !this.transport) return;
      if (this.spanBucket && !this.spanBucket.tryTake()) {
        this.diag('rate-spans', 'spans over the rate limit are being dropped');
        return;
      }
      const attrs: Attributes = { ...span.attributes };
      attrs[ATTR.SESSION_ID] = this.session.touch();
      if (this.userId) attrs[ATTR.USER_ID] = this.userId;
      attrs[ATTR.BROWSER_PAGE_URL] = this.page();
      const out: OtlpSpan = {
        traceId: span.traceId,
        spanId: span.spanId,
        name: span.name,
        kind: span.kind,
        startTimeUnixNano: nanos(span.start),
        endTimeUnixNano: nanos(span.end),
        attributes: keyValues(this.redactor.redactAttributes(attrs) as Attributes),
        status: span.statusMessage
          ? { code: span.status, message: this.redactor.redactString(span.statusMessage) }
          : { code: span.status },
        flags: 1,
      };
      if (span.parentSpanId) out.parentSpanId = span.parentSpanId;
      this.transport.add('traces', 'tracelog.browser', JSON.stringify(out));
    } catch (error) {
      this.diag('span', `a span was lost: ${String(error)}`);
    }
  }

  logger(component: string): Logger {
    const log = (level: Level) => (message: string, attributes?: Attributes) =>
      this.log(level, component, message, attributes);
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: (message, errorOrAttributes, attributes) => {
        const isError =
          errorOrAttributes instanceof Error ||
          (errorOrAttributes !== undefined &&
            (typeof errorOrAttributes !== 'object' || errorOrAttributes === null));
        if (isError)
          this.log('error', component, message, attributes, { error: errorOrAttributes });
        else this.log('error', component, message, errorOrAttributes as Attributes | undefined);
      },
      child: (name) => this.logger(`${component}.${name}`),
    };
  }
}
