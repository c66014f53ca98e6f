import { isSpanContextValid } from '@opentelemetry/api';
import type { AttributeValue, Attributes, Context, SpanContext } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { EncodedAttributes, OwnRecordSink, OwnRecordWriter, Redactor } from '@tracelog/core';
import { addContextAttributes } from '../../context.js';
import { LIMITS } from '../../internal/attribute-limits.js';
import { writeAttribute } from './common.js';
import { ProtoWriter } from './writer.js';

// LogRecord fields (opentelemetry/proto/logs/v1/logs.proto) and wire types.
const TIME = 1;
const SEVERITY_NUMBER = 2;
const SEVERITY_TEXT = 3;
const BODY = 5;
const ATTRIBUTES = 6;
const DROPPED = 7;
const FLAGS = 8;
const TRACE_ID = 9;
const SPAN_ID = 10;
const OBSERVED_TIME = 11;
const EVENT_NAME = 12;
const LEN = 2;
const VARINT = 0;
const I64 = 1;
const FIXED32 = 5;

export interface OwnRecordsOptions {
  resource: Resource;
  /** The pipeline's redactor; undefined when redaction is off. */
  redactor: Redactor | undefined;
  /** Baggage entries the pipeline copies onto records. */
  baggageKeys: ReadonlySet<string>;
  /** Hands an item to the logs batcher, which encodes it at once (protobuf only). */
  add: (item: OwnLogItem) => void;
}

/**
 * The logs batch's item for a record tracelog makes itself: no record object, only what writes
 * it. One item is reused for every record: the protobuf batch writes an item during `add` and
 * keeps nothing of it, so the item is free again when `add` returns.
 */
export class OwnLogItem {
  instrumentationScope: InstrumentationScope = { name: '' };
  fill: (record: OwnRecordWriter, source: never) => void = () => undefined;
  source: unknown = undefined;

  constructor(
    readonly resource: Resource,
    private readonly writer: ProtoOwnRecord,
  ) {}

  /** Writes the record's LogRecord fields (without its tag and length). */
  write(w: ProtoWriter): void {
    this.writer.write(w, this.fill, this.source as never);
  }
}

/**
 * The direct path for tracelog's own records (`http.request`, `job.*`, `task.*`): each is written
 * from the objects that hold its values straight into the logs export request, with no SDK
 * record, no attribute map and no second pass. It does what the pipeline does to such a record —
 * scoped attributes and allowed baggage from its context, redaction — with redaction decided by
 * the emitter once per key: values that cannot hold a secret are not scanned. The SDK installs
 * it only where the pipeline has nothing else to do with a record (no console, no dedupe, no
 * rate limit, protobuf export); elsewhere own records take the general path.
 */
export class OwnRecords implements OwnRecordSink {
  readonly redactor: Redactor | undefined;
  private readonly item: OwnLogItem;
  private readonly scopes = new Map<string, InstrumentationScope>();
  private lastScope: InstrumentationScope | undefined;
  private busy = false;

  constructor(private readonly opts: OwnRecordsOptions) {
    this.redactor = opts.redactor;
    this.item = this.newItem();
  }

  encode(attributes: Attributes): EncodedAttributes {
    return encodeAttributes(attributes);
  }

  emit<S>(
    scope: string,
    version: string | undefined,
    fill: (record: OwnRecordWriter, source: S) => void,
    source: S,
  ): void {
    // A record emitted while another is written (a getter that logs) gets an item of its own.
    const item = this.busy ? this.newItem() : this.item;
    const outer = this.busy;
    this.busy = true;
    item.instrumentationScope = this.scopeOf(scope, version);
    item.fill = fill as OwnLogItem['fill'];
    item.source = source;
    try {
      this.opts.add(item);
    } finally {
      item.source = undefined;
      this.busy = outer;
    }
  }

  private newItem(): OwnLogItem {
    return new OwnLogItem(
      this.opts.resource,
      new ProtoOwnRecord(this.opts.redactor, this.opts.baggageKeys),
    );
  }

  /** One scope object per name and version, as the logger provider keeps one per logger. */
  private scopeOf(name: string, version: string | undefined): InstrumentationScope {
    // An emitter's records come one after another: the last scope is kept, as a key string per
    // record showed in the queue profile.
    const last = this.lastScope;
    if (last && last.name === name && last.version === version) return last;
    const key = version === undefined ? name : `${name}\u0000${version}`;
    let scope = this.scopes.get(key);
    if (!scope) {
      scope = { name: name || 'unknown', version, schemaUrl: undefined };
      this.scopes.set(key, scope);
    }
    this.lastScope = scope;
    return scope;
  }
}

/** Attributes encoded once as `repeated KeyValue` entries, for several records to copy. */
class Encoded implements EncodedAttributes {
  constructor(
    readonly keys: readonly string[],
    readonly bytes: Uint8Array,
  ) {}
}

const encodeScratch = new ProtoWriter(1024);

function encodeAttributes(attributes: Attributes): Encoded {
  const w = encodeScratch;
  w.reset();
  const keys: string[] = [];
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    keys.push(key);
    writeAttribute(w, ATTRIBUTES, key, value);
  }
  return new Encoded(keys, w.copy());
}

/** Writes one own record's fields into a batch's bytes; one per `OwnRecords`, reused. */
class ProtoOwnRecord implements OwnRecordWriter {
  private w: ProtoWriter | undefined;
  /** The attribute keys written so far: the context's attributes never replace them. */
  private readonly keys: string[] = [];
  private dropped = 0;

  constructor(
    readonly redactor: Redactor | undefined,
    private readonly baggageKeys: ReadonlySet<string>,
  ) {}

  write<S>(w: ProtoWriter, fill: (record: OwnRecordWriter, source: S) => void, source: S): void {
    this.w = w;
    this.keys.length = 0;
    this.dropped = 0;
    // One clock reading for both times, as the logs provider stamps a record.
    const now = millisToHrTime(Date.now());
    w.tag(TIME, I64);
    w.hrTime(now);
    w.tag(OBSERVED_TIME, I64);
    w.hrTime(now);
    try {
      fill(this, source);
      w.tag(DROPPED, VARINT);
      w.varint32(this.dropped);
    } finally {
      this.w = undefined;
    }
  }

  private get out(): ProtoWriter {
    if (!this.w) throw new Error('an own record was written outside its batch');
    return this.w;
  }

  head(eventName: string, severityNumber: number, severityText: string, body: string): void {
    const w = this.out;
    w.tag(SEVERITY_NUMBER, VARINT);
    w.varint32(severityNumber);
    w.tag(SEVERITY_TEXT, LEN);
    w.string(severityText);
    w.tag(BODY, LEN);
    const start = w.begin();
    w.tag(1, LEN);
    w.string(body);
    w.end(start);
    w.tag(EVENT_NAME, LEN);
    w.string(eventName);
  }

  /**
   * Flags and ids as the logs record codec writes them. The span's ids are converted from hex
   * again rather than shared with its span: keeping the span's bytes for its record measured
   * slower than the table lookup that converts them (a span and a record: 700 → 745 ns).
   */
  span(spanContext: SpanContext | undefined): void {
    // As the logs provider: an invalid span context (a suppressed span's) gives no ids at all.
    if (!spanContext || !validOnly(spanContext)) return;
    const w = this.out;
    if (spanContext.traceFlags) {
      w.tag(FLAGS, FIXED32);
      w.fixed32(spanContext.traceFlags);
    }
    w.tag(TRACE_ID, LEN);
    w.hexId(spanContext.traceId);
    w.tag(SPAN_ID, LEN);
    w.hexId(spanContext.spanId);
  }

  /** Past the limit an own attribute is left out uncounted, as the logs provider adopts them. */
  plain(key: string, value: AttributeValue): void {
    if (this.keys.length >= LIMITS.attributeCountLimit) return;
    this.keys.push(key);
    writeAttribute(this.out, ATTRIBUTES, key, value);
  }

  encoded(attributes: EncodedAttributes): void {
    const { keys, bytes } = attributes as Encoded;
    if (this.keys.length + keys.length > LIMITS.attributeCountLimit) {
      throw new Error('an own record holds more attributes than the limit');
    }
    for (const key of keys) this.keys.push(key);
    this.out.raw(bytes);
  }

  context(ctx: Context): void {
    addContextAttributes(ctx, this.baggageKeys, this.addFromContext);
  }

  private readonly addFromContext = (key: string, value: AttributeValue | undefined) => {
    if (!this.keys.includes(key)) this.fromOutside(key, value);
  };

  /**
   * A value the app put in its context: redacted as the pipeline redacts any attribute, and
   * counted as dropped past the limit, as the pipeline's `setAttribute` does.
   */
  private fromOutside(key: string, value: AttributeValue | undefined): void {
    if (value === undefined) return;
    if (this.keys.length >= LIMITS.attributeCountLimit) {
      this.dropped++;
      return;
    }
    this.plain(
      key,
      this.redactor ? (this.redactor.redactValue(value, key) as AttributeValue) : value,
    );
  }
}

/** The last span context found valid: a span's records come one after another. */
let lastValid: SpanContext | undefined;

function validOnly(spanContext: SpanContext): boolean {
  if (spanContext === lastValid) return true;
  if (!isSpanContextValid(spanContext)) return false;
  lastValid = spanContext;
  return true;
}
