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
  cleanAttributes,
  cleanSimpleAttributes,
  isTracingSuppressed,
  maybeAddAttribute,
} from '@opentelemetry/core';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, Sampler, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace';

/** The SDK's default span limits (it reads no environment for them either). */
const LIMITS = { attributeCountLimit: 128, attributeValueLengthLimit: Infinity };
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
    const { attributes = {}, droppedAttributesCount = 0 } = copyAttributes(options.attributes);
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
      droppedAttributesCount,
      links,
      (options.links?.length ?? 0) - links.length,
      options.startTime,
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
    return context.with(trace.setSpan(parent, span), () => fn(span)) as ReturnType<F>;
  }
}

/** A sampled span while it runs, and what the processors read once it ended. */
class RecordingSpan implements Span, ReadableSpan {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  status: SpanStatus = { code: SpanStatusCode.UNSET };
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
  private attributeCount: number;
  private readonly processor: SpanProcessor;

  constructor(
    tracer: SpanTracer,
    private readonly context: SpanContext,
    readonly parentSpanContext: SpanContext | undefined,
    public name: string,
    readonly kind: SpanKind,
    readonly attributes: Attributes,
    public droppedAttributesCount: number,
    readonly links: Link[],
    public droppedLinksCount: number,
    startTime: TimeInput | undefined,
  ) {
    this.instrumentationScope = tracer.scope;
    this.resource = tracer.resource;
    this.processor = tracer.processor;
    const perf = performance.now();
    const wall = Date.now();
    this.startMs = startTime === undefined ? wall : toMillis(startTime);
    this.startPerf = startTime === undefined ? perf : undefined;
    this.attributeCount = Object.keys(attributes).length;
  }

  spanContext(): SpanContext {
    return this.context;
  }

  get startTime(): HrTime {
    return toHrTime(this.startMs);
  }

  get endTime(): HrTime {
    if (!this.ended) return [0, 0];
    const [s, ns] = toHrTime(this.startMs);
    const [ds, dns] = toHrTime(this.durationMs);
    const nanos = ns + dns;
    return nanos >= 1e9 ? [s + ds + 1, nanos - 1e9] : [s + ds, nanos];
  }

  get duration(): HrTime {
    return this.ended ? toHrTime(this.durationMs) : [-1, -1];
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
    if (isPrimitive(value) && key.length > 0) {
      if (Object.hasOwn(this.attributes, key)) this.attributes[key] = value;
      else if (this.attributeCount >= LIMITS.attributeCountLimit) this.droppedAttributesCount++;
      else {
        this.attributes[key] = value;
        this.attributeCount++;
      }
      return this;
    }
    const decision = maybeAddAttribute({
      key,
      value,
      attributes: this.attributes,
      limits: LIMITS,
      currentAttributesCount: this.attributeCount,
    });
    if (decision === AddAttributeDecision.ADD_NEW) this.attributeCount++;
    else if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) this.droppedAttributesCount++;
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
      time: toHrTime(this.millis(time)),
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

/**
 * A span's attributes as core's `cleanAttributes` makes them, with the usual case decided first:
 * every value a string, number or boolean within the count limit is copied as it is. (Core's
 * value check allocates a WeakSet per value, for nested maps.)
 */
function copyAttributes(input: Attributes | undefined): ReturnType<typeof cleanAttributes> {
  if (typeof input !== 'object' || input === null) return {};
  const keys = Object.keys(input);
  if (keys.length > LIMITS.attributeCountLimit) return cleanAttributes(input, LIMITS);
  const attributes: Attributes = {};
  for (const key of keys) {
    const value = input[key];
    if (value === undefined) continue;
    if (!isPrimitive(value) || key.length === 0) return cleanAttributes(input, LIMITS);
    attributes[key] = value;
  }
  return { attributes, droppedAttributesCount: 0 };
}

function isPrimitive(value: unknown): value is string | number | boolean {
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean';
}

function cleanLink(link: Link): Link {
  return { context: link.context, ...cleanAttributes(link.attributes, LIMITS) };
}

/**
 * A TimeInput as milliseconds since the epoch, read as the SDK reads it: a number no larger than
 * the monotonic clock is a `performance.now()` reading.
 */
function toMillis(time: TimeInput): number {
  if (typeof time === 'number') {
    const now = performance.now();
    return time <= now ? Date.now() - now + time : time;
  }
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

function toHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

function isTimeInput(value: unknown): value is TimeInput {
  return (
    typeof value === 'number' ||
    value instanceof Date ||
    (Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'number')
  );
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
