import { randomFillSync } from 'node:crypto';
import {
  INVALID_SPAN_CONTEXT,
  SamplingDecision,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  context,
  diag,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import type {
  AnyValue,
  Attributes,
  Context,
  Exception,
  HrTime,
  Link,
  Span,
  SpanContext,
  SpanOptions,
  SpanStatus,
  TimeInput,
  Tracer,
  TracerOptions,
  TracerProvider,
} from '@opentelemetry/api';
import {
  AddAttributeDecision,
  addHrTimes,
  cleanAttributes,
  cleanSimpleAttributes,
  hrTimeToMilliseconds,
  isTimeInput,
  isTracingSuppressed,
  millisToHrTime,
  timeInputToHrTime,
} from '@opentelemetry/core';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Sampler, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';
import { REDACTED_BY, layered } from '@tracelog/core';
import type { Redactor } from '@tracelog/core';
import { LIMITS, addAttribute, copyAttributes } from '../internal/attribute-limits.js';
import type { PreRedacted } from '../internal/redact-attributes.js';

const EVENT_LIMIT = 128;
const LINK_LIMIT = 128;

/** The W3C `random` trace flag (bit 1, level 2), which @opentelemetry/api has no constant for. */
const RANDOM_TRACE_ID = 0x02;

/**
 * The traces API provider `init()` installs. It does for a span what the SDK's TracerProvider
 * does (sampling, ids, parent, attribute limits, events, links, status, one processor) with one
 * object per span: times are kept as numbers until export asks for them, attributes are checked
 * once rather than twice, and ids come from a pool of random bytes. Every tracer takes this
 * path: our instrumentations, the upstream ones, and the app's own `trace.getTracer()`.
 */
export class SpanProvider implements TracerProvider {
  private readonly tracers = new Map<string, SpanTracer>();

  constructor(
    private readonly resource: Resource,
    private readonly sampler: Sampler,
    private readonly processor: SpanProcessor,
  ) {}

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const key = `${name}\u0000${version ?? ''}\u0000${options?.schemaUrl ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) {
      const scope: InstrumentationScope = {
        name: name || 'unknown',
        version,
        schemaUrl: options?.schemaUrl,
      };
      tracer = new SpanTracer(scope, this.resource, this.sampler, this.processor);
      this.tracers.set(key, tracer);
    }
    return tracer;
  }

  forceFlush(): Promise<void> {
    return this.processor.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.processor.shutdown();
  }
}

class SpanTracer implements Tracer {
  constructor(
    readonly scope: InstrumentationScope,
    readonly resource: Resource,
    private readonly sampler: Sampler,
    readonly processor: SpanProcessor,
  ) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = context.active()): Span {
    if (options.root) ctx = trace.deleteSpan(ctx);
    if (isTracingSuppressed(ctx)) return trace.wrapSpanContext(INVALID_SPAN_CONTEXT);
    const parent = trace.getSpanContext(ctx);
    const valid = parent && isSpanContextValid(parent) ? parent : undefined;
    const traceId = valid ? valid.traceId : randomId(16);
    const kind = options.kind ?? SpanKind.INTERNAL;
    const links = options.links?.slice(-LINK_LIMIT).map(cleanLink) ?? [];
    const { attributes, droppedAttributesCount, count } = copyAttributes(options.attributes);
    const sampled = this.sampler.shouldSample(ctx, traceId, name, kind, attributes, links);
    let traceFlags =
      sampled.decision === SamplingDecision.RECORD_AND_SAMPLED
        ? TraceFlags.SAMPLED
        : TraceFlags.NONE;
    // W3C Trace Context level 2: a span continuing its parent's trace keeps the parent's
    // random-trace-id flag, sampled or not.
    if (valid && valid.traceFlags & RANDOM_TRACE_ID) traceFlags |= RANDOM_TRACE_ID;
    const spanContext: SpanContext = {
      traceId,
      spanId: randomId(8),
      traceFlags,
      traceState: sampled.traceState ?? valid?.traceState,
    };
    if (sampled.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext);
    const span = new RecordingSpan(
      this,
      spanContext,
      valid,
      name,
      kind,
      attributes,
      count,
      droppedAttributesCount,
      links,
      (options.links?.length ?? 0) - links.length,
      options.startTime,
      (options as { [REDACTED_BY]?: Redactor })[REDACTED_BY],
    );
    if (sampled.attributes) span.setAttributes(sampled.attributes);
    this.processor.onStart(span, ctx);
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(
    name: string,
    ...args: [F] | [SpanOptions, F] | [SpanOptions, Context, F]
  ): ReturnType<F> {
    const fn = args[args.length - 1] as F;
    const options = args.length > 1 ? (args[0] as SpanOptions) : undefined;
    const parent = args.length > 2 ? (args[1] as Context) : context.active();
    const span = this.startSpan(name, options, parent);
    return context.with(trace.setSpan(layered(parent), span), () => fn(span)) as ReturnType<F>;
  }
}

/** A sampled span while it runs, and what the processors read once it ended. */
class RecordingSpan implements Span, ReadableSpan, PreRedacted {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  /** Shared until the span sets a status (`setStatus` replaces it, never changes it). */
  status: SpanStatus = UNSET;
  events: TimedEvent[] = [];
  droppedEventsCount = 0;
  ended = false;
  /**
   * As the SDK keeps time: the start from the wall clock, the duration from the monotonic one
   * (unless a start time was given: then the end is read from the wall clock too).
   */
  private readonly startMs: number;
  private readonly startPerf: number | undefined;
  private durationMs = 0;
  private readonly processor: SpanProcessor;
  lateKeys: string[] | undefined = undefined;

  constructor(
    tracer: SpanTracer,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    public name: string,
    readonly kind: SpanKind,
    readonly attributes: Attributes,
    private attributeCount: number,
    public droppedAttributesCount: number,
    readonly links: Link[],
    public droppedLinksCount: number,
    startTime: TimeInput | undefined,
    /** The redactor the attributes given at start were redacted with, if they were. */
    readonly redactedBy: Redactor | undefined,
  ) {
    this.instrumentationScope = tracer.scope;
    this.resource = tracer.resource;
    this.processor = tracer.processor;
    this.startPerf = startTime === undefined ? performance.now() : undefined;
    this.startMs = startTime === undefined ? Date.now() : toMillis(startTime);
  }

  spanContext(): SpanContext {
    return this.context;
  }

  get startTime(): HrTime {
    return millisToHrTime(this.startMs);
  }

  get endTime(): HrTime {
    return this.ended ? addHrTimes(this.startTime, this.duration) : [0, 0];
  }

  get duration(): HrTime {
    return this.ended ? millisToHrTime(this.durationMs) : [-1, -1];
  }

  /** Milliseconds since the epoch for a time given to an event or to `end`. */
  private millis(time: TimeInput | undefined): number {
    if (time !== undefined) return toMillis(time);
    return this.startPerf === undefined
      ? Date.now()
      : this.startMs + (performance.now() - this.startPerf);
  }

  setAttribute(key: string, value: AnyValue): this {
    if (this.ended) return this;
    const decision = addAttribute(this.attributes, this.attributeCount, key, value);
    if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) {
      this.droppedAttributesCount++;
      return this;
    }
    if (decision === AddAttributeDecision.ADD_NEW) this.attributeCount++;
    if (this.redactedBy) (this.lateKeys ??= []).push(key);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      if (Object.prototype.hasOwnProperty.call(attributes, key))
        this.setAttribute(key, attributes[key] as AnyValue);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) time ??= attributesOrTime;
    else attributes = attributesOrTime;
    if (this.events.length >= EVENT_LIMIT) {
      this.events.shift();
      this.droppedEventsCount++;
    }
    this.events.push({
      name,
      time: millisToHrTime(this.millis(time)),
      ...cleanSimpleAttributes(attributes, LIMITS),
    });
    return this;
  }

  addLink(link: Link): this {
    if (this.ended) return this;
    if (this.links.length >= LINK_LIMIT) {
      this.links.shift();
      this.droppedLinksCount++;
    }
    this.links.push(cleanLink(link));
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this.ended || status.code === SpanStatusCode.UNSET) return this;
    // OK is final.
    if (this.status.code === SpanStatusCode.OK) return this;
    this.status =
      status.code === SpanStatusCode.ERROR && typeof status.message === 'string'
        ? { code: status.code, message: status.message }
        : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.ended) {
      diag.warn(`span "${this.name}" was ended more than once; the first end counts`);
      return;
    }
    this.durationMs = Math.max(0, this.millis(endTime) - this.startMs);
    this.ended = true;
    this.processor.onEnd(this);
  }

  isRecording(): boolean {
    return !this.ended;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes['exception.message'] = exception;
    } else if (exception) {
      const type = exception.code ?? exception.name;
      if (type) attributes['exception.type'] = String(type);
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] || attributes['exception.message'])
      this.addEvent('exception', attributes, time);
  }
}

const UNSET: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });

function cleanLink(link: Link): Link {
  return { context: link.context, ...cleanAttributes(link.attributes, LIMITS) };
}

/** A TimeInput as milliseconds since the epoch, read as the SDK reads it. */
function toMillis(time: TimeInput): number {
  return hrTimeToMilliseconds(timeInputToHrTime(time));
}

/**
 * Random ids as lower-case hex, from a pool refilled 4 KiB at a time: one system call per
 * few hundred spans instead of a `Math.random()` per byte. An all-zero id is invalid, and taken
 * again.
 */
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomId(bytes: 8 | 16): string {
  for (;;) {
    if (offset + bytes > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const id = pool.toString('hex', offset, offset + bytes);
    offset += bytes;
    if (id !== ZERO[bytes]) return id;
  }
}

const ZERO = { 8: '0'.repeat(16), 16: '0'.repeat(32) };
