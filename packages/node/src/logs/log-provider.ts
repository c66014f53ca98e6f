import { context, diag, isSpanContextValid, trace } from '@opentelemetry/api';
import type {
  AnyValue,
  Attributes,
  Context,
  HrTime,
  LogRecord,
  Logger,
  LoggerOptions,
  LoggerProvider,
  SeverityNumber,
  SpanContext,
} from '@opentelemetry/api';
import {
  AddAttributeDecision,
  cleanSimpleAttributes,
  millisToHrTime,
  timeInputToHrTime,
} from '@opentelemetry/core';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR, OWN_RECORD } from '@tracelog/core';
import type { OwnRecord, Redactor } from '@tracelog/core';
import { LIMITS, addAttribute } from '../internal/attribute-limits.js';
import type { PreRedacted } from '../internal/redact-attributes.js';

/**
 * The logs API provider `init()` installs. It does what the SDK's LoggerProvider does for a
 * record (time, trace context of the active span, scope, resource, attribute limits) with a
 * plain object and no per-record bookkeeping, and hands it to the one processor: the pipeline.
 * Every emitter takes this path: our loggers, our instrumentations, and third-party code using
 * `logs.getLogger()`.
 */
export class RecordProvider implements LoggerProvider {
  private readonly loggers = new Map<string, RecordLogger>();
  private stopped = false;

  constructor(
    private readonly resource: Resource,
    private readonly processor: LogRecordProcessor,
  ) {}

  getLogger(name: string, version?: string, options?: LoggerOptions): Logger {
    const key = `${name}\u0000${version ?? ''}\u0000${options?.schemaUrl ?? ''}\u0000${
      options?.attributes ? JSON.stringify(options.attributes) : ''
    }`;
    let logger = this.loggers.get(key);
    if (!logger) {
      const scope: InstrumentationScope & { attributes?: Attributes } = {
        name: name || 'unknown',
        version,
        schemaUrl: options?.schemaUrl,
        ...cleanSimpleAttributes(options?.attributes, LIMITS),
      };
      logger = new RecordLogger(scope, this.resource, this.processor, () => this.stopped);
      this.loggers.set(key, logger);
    }
    return logger;
  }

  forceFlush(): Promise<void> {
    return this.stopped ? Promise.resolve() : this.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.stopped = true;
    return this.processor.shutdown();
  }
}

class RecordLogger implements Logger {
  constructor(
    private readonly scope: InstrumentationScope,
    private readonly resource: Resource,
    private readonly processor: LogRecordProcessor,
    private readonly stopped: () => boolean,
  ) {}

  enabled(): boolean {
    return !this.stopped();
  }

  emit(input: LogRecord): void {
    if (this.stopped()) return;
    const ctx = input.context ?? context.active();
    const now = millisToHrTime(Date.now());
    const mark = (input as Partial<OwnRecord>)[OWN_RECORD] === true;
    const own = mark ? input.attributes : undefined;
    const record = new LogData(
      this.resource,
      this.scope,
      input.timestamp === undefined ? now : timeInputToHrTime(input.timestamp),
      input.observedTimestamp === undefined ? now : timeInputToHrTime(input.observedTimestamp),
      mark && (input as OwnRecord).spanContext
        ? validOnly((input as OwnRecord).spanContext)
        : spanContextOf(ctx),
      input.severityNumber,
      input.severityText,
      input.body,
      input.eventName,
      own ?? {},
      own ? adopt(own) : 0,
      mark ? (input as OwnRecord).redactedBy : undefined,
    );
    if (!own && input.attributes) record.setAttributes(input.attributes);
    if (input.exception != null) addException(record, input.exception);
    this.processor.onEmit(record, ctx);
  }
}

function spanContextOf(ctx: Context): SpanContext | undefined {
  return validOnly(trace.getSpanContext(ctx));
}

/** The last span context found valid: a span's records, a bulk's records, come one after another. */
let lastValid: SpanContext | undefined;

function validOnly(spanContext: SpanContext | undefined): SpanContext | undefined {
  if (spanContext === undefined || spanContext === lastValid) return spanContext;
  if (!isSpanContextValid(spanContext)) return undefined;
  lastValid = spanContext;
  return spanContext;
}

/**
 * Keeps an own record's attributes within the count limit (its builders bound nesting, not
 * breadth) and says how many it holds.
 */
function adopt(attributes: Attributes): number {
  let count = 0;
  for (const key in attributes) {
    // As the SDK does: an undefined value is no attribute.
    if (attributes[key] === undefined || count >= LIMITS.attributeCountLimit) {
      delete attributes[key];
    } else {
      count++;
    }
  }
  return count;
}

/** `exception` on an emitted record, as the SDK maps it onto `exception.*` attributes. */
function addException(record: LogData, exception: unknown): void {
  const add = (key: string, value: unknown) => {
    if (value && !Object.hasOwn(record.attributes, key)) record.setAttribute(key, String(value));
  };
  if (typeof exception === 'string' || typeof exception === 'number') {
    add(ATTR.EXCEPTION_MESSAGE, exception);
  } else if (typeof exception === 'object') {
    const { code, name, message, stack } = exception as Record<string, unknown>;
    add(ATTR.EXCEPTION_TYPE, code ?? name);
    add(ATTR.EXCEPTION_MESSAGE, message);
    add(ATTR.EXCEPTION_STACKTRACE, stack);
  }
}

const { ADD_NEW, DROP_LIMIT_REACHED } = AddAttributeDecision;

/** The record the pipeline and the sinks see: plain fields, writable while it is processed. */
class LogData implements ReadWriteLogRecord, PreRedacted {
  droppedAttributesCount = 0;
  lateKeys: string[] | undefined = undefined;

  constructor(
    readonly resource: Resource,
    readonly instrumentationScope: InstrumentationScope,
    public hrTime: HrTime,
    public hrTimeObserved: HrTime,
    public spanContext: SpanContext | undefined,
    public severityNumber: SeverityNumber | undefined,
    public severityText: string | undefined,
    public body: AnyValue | undefined,
    public eventName: string | undefined,
    readonly attributes: Attributes,
    /** How many attributes it holds, for the count limit. */
    private count: number,
    /** The redactor its attributes were redacted with when they were made (an own record's). */
    readonly redactedBy: Redactor | undefined,
  ) {}

  setAttribute(key: string, value?: AnyValue): this {
    const decision = addAttribute(this.attributes, this.count, key, value);
    if (decision === DROP_LIMIT_REACHED) {
      if (this.droppedAttributesCount++ === 0) diag.warn('Dropping extra attributes.');
      return this;
    }
    if (decision === ADD_NEW) this.count++;
    if (this.redactedBy) (this.lateKeys ??= []).push(key);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) this.setAttribute(key, attributes[key]);
    return this;
  }

  setBody(body: AnyValue): this {
    this.body = body;
    return this;
  }

  setEventName(eventName: string): this {
    this.eventName = eventName;
    return this;
  }

  setSeverityNumber(severityNumber: SeverityNumber): this {
    this.severityNumber = severityNumber;
    return this;
  }

  setSeverityText(severityText: string): this {
    this.severityText = severityText;
    return this;
  }
}
