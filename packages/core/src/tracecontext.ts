import { createContextKey, trace } from '@opentelemetry/api';
import type {
  Context,
  SpanContext,
  TextMapGetter,
  TextMapPropagator,
  TextMapSetter,
  TraceState,
} from '@opentelemetry/api';

/*
 * W3C Trace Context (Level 2) for `traceparent` and `tracestate`.
 *
 * Why our own: `@opentelemetry/core`'s W3CTraceContextPropagator keeps the valid members of a
 * `tracestate` that has invalid ones, keeps the first 32 of a list with more, and checks keys
 * against the Level 1 grammar (it drops `foo@`, `t@` + 15 chars and other Level 2 keys). The
 * public w3c/trace-context suite fails it on those four rules; this one passes them. Everything
 * else (fields, inject/extract semantics, `isRemote: true`, a TraceState on the extracted context)
 * is the same, so it is a drop-in replacement.
 *
 * Parsing walks the strings once with character-class tables: no regular expressions, no split().
 */

const TRACEPARENT = 'traceparent';
const TRACESTATE = 'tracestate';

/**
 * The key `suppressTracing()` from `@opentelemetry/core` sets. `createContextKey` returns
 * `Symbol.for(description)`, so this is the very same key without depending on that package.
 */
const SUPPRESS_TRACING_KEY = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

/** Flags defined by Level 2: sampled (0x01) and random trace id (0x02). Others MUST be zero. */
const KNOWN_FLAGS = 0x03;
/** The version-00 suffix for each value of `traceFlags & KNOWN_FLAGS`. */
const FLAG_SUFFIX = ['-00', '-01', '-02', '-03'] as const;

/** Length of a version-00 traceparent, and the least a future version may have. */
const TRACEPARENT_LENGTH = 55;
/** At most this many list members in a tracestate. */
const MAX_MEMBERS = 32;
/** Longest key and longest value. */
const MAX_KEY_LENGTH = 256;
const MAX_VALUE_LENGTH = 256;
/**
 * The longest tracestate we keep and send (the spec asks vendors to propagate at least 512
 * characters). Longer lists are cut by whole entries: first those over 128 characters, then from
 * the right, as the spec's truncation rule says.
 */
const MAX_TRACESTATE_LENGTH = 512;
const LARGE_ENTRY_LENGTH = 128;

const DASH = 0x2d;
const EQUALS = 0x3d;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;

// Character classes, one bit each, indexed by char code (ASCII only; anything above is none).
const LOWER_HEX = 1; // 0-9 a-f
const UPPER_HEX = 2; // A-F (only tolerated in span contexts handed to inject)
const KEY_FIRST = 4; // a-z 0-9
const KEY_CHAR = 8; // a-z 0-9 _ - * / @
const VALUE_CHAR = 16; // 0x20-0x7E except , and =

const CLASS = new Uint8Array(128);
const mark = (code: number, bits: number) => (CLASS[code] = (CLASS[code] ?? 0) | bits);
for (let c = 0x30; c <= 0x39; c++) mark(c, LOWER_HEX | KEY_FIRST | KEY_CHAR);
for (let c = 0x61; c <= 0x7a; c++) mark(c, KEY_FIRST | KEY_CHAR | (c <= 0x66 ? LOWER_HEX : 0));
for (let c = 0x41; c <= 0x46; c++) mark(c, UPPER_HEX);
for (const ch of '_-*/@') mark(ch.charCodeAt(0), KEY_CHAR);
for (let c = 0x20; c <= 0x7e; c++) if (c !== COMMA && c !== EQUALS) mark(c, VALUE_CHAR);

/** Value of a lowercase hex digit, -1 for anything else. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let c = 0x30; c <= 0x39; c++) HEX_VALUE[c] = c - 0x30;
for (let c = 0x61; c <= 0x66; c++) HEX_VALUE[c] = c - 0x61 + 10;

function charClass(code: number): number {
  return CLASS[code] ?? 0;
}

function hexValue(s: string, i: number): number {
  return HEX_VALUE[s.charCodeAt(i)] ?? -1;
}

function isOws(code: number): boolean {
  return code === SPACE || code === TAB;
}

/** True when s[start, start+length) is lowercase hex and not all zeros. */
function isLowerHexId(s: string, start: number, length: number): boolean {
  let nonZero = false;
  for (let i = start; i < start + length; i++) {
    const c = s.charCodeAt(i);
    if ((charClass(c) & LOWER_HEX) === 0) return false;
    if (c !== 0x30) nonZero = true;
  }
  return nonZero;
}

/** A parsed traceparent: ids, and the flags this version knows. */
interface Traceparent {
  traceId: string;
  spanId: string;
  traceFlags: number;
}

/**
 * Parses one traceparent value. Leading and trailing spaces and tabs (OWS) are ignored. Version
 * 00 must be exactly 55 characters; a higher version (not ff) is read by the 00 layout when it is
 * at least 55 characters and, if longer, the 56th is a dash; what follows is not looked at.
 * Returns undefined for anything invalid.
 */
function parseTraceparent(value: string): Traceparent | undefined {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length < TRACEPARENT_LENGTH) return undefined;

  const v0 = hexValue(value, start);
  const v1 = hexValue(value, start + 1);
  if (v0 < 0 || v1 < 0) return undefined;
  const version = v0 * 16 + v1;
  if (version === 0xff) return undefined;
  if (version === 0) {
    if (length !== TRACEPARENT_LENGTH) return undefined;
  } else if (length > TRACEPARENT_LENGTH && value.charCodeAt(start + 55) !== DASH) {
    return undefined;
  }

  if (
    value.charCodeAt(start + 2) !== DASH ||
    value.charCodeAt(start + 35) !== DASH ||
    value.charCodeAt(start + 52) !== DASH ||
    !isLowerHexId(value, start + 3, 32) ||
    !isLowerHexId(value, start + 36, 16)
  ) {
    return undefined;
  }
  const f0 = hexValue(value, start + 53);
  const f1 = hexValue(value, start + 54);
  if (f0 < 0 || f1 < 0) return undefined;

  return {
    traceId: value.slice(start + 3, start + 35),
    spanId: value.slice(start + 36, start + 52),
    traceFlags: (f0 * 16 + f1) & KNOWN_FLAGS,
  };
}

function isValidKey(key: string): boolean {
  const length = key.length;
  if (length === 0 || length > MAX_KEY_LENGTH) return false;
  if ((charClass(key.charCodeAt(0)) & KEY_FIRST) === 0) return false;
  for (let i = 1; i < length; i++) {
    if ((charClass(key.charCodeAt(i)) & KEY_CHAR) === 0) return false;
  }
  return true;
}

function isValidValue(value: string): boolean {
  const length = value.length;
  if (length === 0 || length > MAX_VALUE_LENGTH) return false;
  for (let i = 0; i < length; i++) {
    if ((charClass(value.charCodeAt(i)) & VALUE_CHAR) === 0) return false;
  }
  return value.charCodeAt(length - 1) !== SPACE;
}

/** Length of the serialized list: entries plus the commas between them. */
function serializedLength(members: ReadonlyMap<string, string>): number {
  let length = members.size - 1;
  for (const [key, value] of members) length += key.length + 1 + value.length;
  return length;
}

/**
 * Cuts `members` (in place) to MAX_TRACESTATE_LENGTH by whole entries: first entries longer than
 * 128 characters, then entries from the right, scanning right to left both times. `keep` is never
 * removed. Returns false when even that leaves the list too long.
 */
function truncate(members: Map<string, string>, keep?: string): boolean {
  let length = serializedLength(members);
  if (length <= MAX_TRACESTATE_LENGTH) return true;
  const keys = Array.from(members.keys());
  for (const largeOnly of [true, false]) {
    for (let i = keys.length - 1; i >= 0 && length > MAX_TRACESTATE_LENGTH; i--) {
      const key = keys[i]!;
      const value = members.get(key);
      if (key === keep || value === undefined) continue;
      const entry = key.length + 1 + value.length;
      if (largeOnly && entry <= LARGE_ENTRY_LENGTH) continue;
      members.delete(key);
      length -= entry + (members.size > 0 ? 1 : 0);
    }
  }
  return length <= MAX_TRACESTATE_LENGTH;
}

/**
 * The tracestate list, left to right, immutable. Mutations follow the spec: a set key moves to the
 * left; past 32 members the right-most goes; past 512 characters whole entries go (see truncate).
 * Invalid keys or values are refused (the same instance comes back).
 */
class W3CTraceState implements TraceState {
  private readonly members: ReadonlyMap<string, string>;
  private serialized: string | undefined;

  constructor(members: ReadonlyMap<string, string>) {
    this.members = members;
  }

  get(key: string): string | undefined {
    return this.members.get(key);
  }

  set(key: string, value: string): TraceState {
    if (!isValidKey(key) || !isValidValue(value)) return this;
    if (this.members.get(key) === value && this.members.keys().next().value === key) return this;
    const next = new Map<string, string>([[key, value]]);
    for (const [k, v] of this.members) {
      if (next.size === MAX_MEMBERS) break;
      if (k !== key) next.set(k, v);
    }
    if (!truncate(next, key)) return this;
    return new W3CTraceState(next);
  }

  unset(key: string): TraceState {
    if (!this.members.has(key)) return this;
    const next = new Map(this.members);
    next.delete(key);
    return new W3CTraceState(next);
  }

  serialize(): string {
    if (this.serialized === undefined) {
      let out = '';
      for (const [key, value] of this.members) out += (out ? ',' : '') + key + '=' + value;
      this.serialized = out;
    }
    return this.serialized;
  }
}

/**
 * Parses a combined tracestate value (several header fields joined with commas). Members are
 * separated by commas with optional spaces and tabs around them; empty members are ignored and do
 * not count towards the 32. The whole list is discarded (undefined) when any member is malformed
 * or there are more than 32 members, as the w3c/trace-context suite expects at its strict level.
 * Of duplicate keys the first (left-most) is kept, which the spec allows ("vendors MAY discard
 * duplicate keys"). An empty list gives an empty map.
 */
function parseTraceState(value: string): Map<string, string> | undefined {
  const members = new Map<string, string>();
  const length = value.length;
  let count = 0;
  let i = 0;
  while (i <= length) {
    let end = value.indexOf(',', i);
    if (end === -1) end = length;
    let start = i;
    i = end + 1;
    while (start < end && isOws(value.charCodeAt(start))) start++;
    while (end > start && isOws(value.charCodeAt(end - 1))) end--;
    if (start === end) continue;
    if (++count > MAX_MEMBERS) return undefined;

    // key: (lcalpha / DIGIT) 0*255(keychar), then "="
    if ((charClass(value.charCodeAt(start)) & KEY_FIRST) === 0) return undefined;
    let eq = start + 1;
    while (eq < end && (charClass(value.charCodeAt(eq)) & KEY_CHAR) !== 0) eq++;
    if (eq === end || value.charCodeAt(eq) !== EQUALS || eq - start > MAX_KEY_LENGTH) {
      return undefined;
    }
    // value: 0*255(chr) nblk-chr; the trailing OWS is already gone, so the last is not a space
    const valueLength = end - eq - 1;
    if (valueLength === 0 || valueLength > MAX_VALUE_LENGTH) return undefined;
    for (let j = eq + 1; j < end; j++) {
      if ((charClass(value.charCodeAt(j)) & VALUE_CHAR) === 0) return undefined;
    }

    const key = value.slice(start, eq);
    if (!members.has(key)) members.set(key, value.slice(eq + 1, end));
  }
  truncate(members);
  return members;
}

/**
 * Reads a header through the getter. The getter is asked for the lowercase name first (HTTP
 * carriers are case-insensitive already); when that finds nothing, a carrier that kept the
 * sender's casing (a plain object) is searched for the name in any case, every match kept.
 */
function read(
  getter: TextMapGetter,
  carrier: unknown,
  name: string,
): string | string[] | undefined {
  const direct = getter.get(carrier, name);
  if (direct !== undefined) return direct;
  let found: string[] | undefined;
  for (const key of getter.keys(carrier)) {
    if (key.length !== name.length || key === name || key.toLowerCase() !== name) continue;
    const value = getter.get(carrier, key);
    if (value === undefined) continue;
    found ??= [];
    if (typeof value === 'string') found.push(value);
    else found.push(...value);
  }
  return found;
}

/**
 * A strict W3C Trace Context Level 2 propagator for `traceparent` and `tracestate`, a drop-in
 * replacement for `W3CTraceContextPropagator` from `@opentelemetry/core`.
 *
 * - extract: a traceparent that is missing, repeated or invalid leaves the context as it was (and
 *   tracestate is not read); a valid one gives a remote span context whose `traceState` holds the
 *   tracestate list when that list is valid and not empty. An invalid tracestate is dropped whole;
 *   the traceparent is still used.
 * - inject: writes `traceparent` (version 00, lowercase, reserved flags zeroed) and a non-empty
 *   `tracestate` for a valid span context, and nothing when tracing is suppressed.
 */
export class TraceContextPropagator implements TextMapPropagator {
  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    if (context.getValue(SUPPRESS_TRACING_KEY) === true) return;
    const spanContext = trace.getSpanContext(context);
    if (!spanContext) return;
    const traceId = canonicalId(spanContext.traceId, 32);
    const spanId = canonicalId(spanContext.spanId, 16);
    if (traceId === undefined || spanId === undefined) return;
    setter.set(
      carrier,
      TRACEPARENT,
      '00-' + traceId + '-' + spanId + (FLAG_SUFFIX[spanContext.traceFlags & KNOWN_FLAGS] ?? '-00'),
    );
    const traceState = spanContext.traceState?.serialize();
    if (traceState) setter.set(carrier, TRACESTATE, traceState);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    let traceparent = read(getter, carrier, TRACEPARENT);
    // Several traceparent fields are invalid; one in an array is fine.
    if (Array.isArray(traceparent))
      traceparent = traceparent.length === 1 ? traceparent[0] : undefined;
    if (typeof traceparent !== 'string') return context;
    const parsed = parseTraceparent(traceparent);
    if (parsed === undefined) return context;
    const spanContext: SpanContext = {
      traceId: parsed.traceId,
      spanId: parsed.spanId,
      traceFlags: parsed.traceFlags,
      isRemote: true,
    };
    let tracestate = read(getter, carrier, TRACESTATE);
    // Several tracestate fields are one list, in order (RFC 9110 field order).
    if (Array.isArray(tracestate)) tracestate = tracestate.join(',');
    if (typeof tracestate === 'string') {
      const members = parseTraceState(tracestate);
      if (members !== undefined && members.size > 0) {
        spanContext.traceState = new W3CTraceState(members);
      }
    }
    return trace.setSpanContext(context, spanContext);
  }

  fields(): string[] {
    return [TRACEPARENT, TRACESTATE];
  }
}

/**
 * The id as a traceparent needs it: `length` lowercase hex digits, not all zeros. The API accepts
 * uppercase hex in span contexts, so those are lowercased; anything else is undefined.
 */
function canonicalId(id: string, length: number): string | undefined {
  if (typeof id !== 'string' || id.length !== length) return undefined;
  let upper = false;
  let nonZero = false;
  for (let i = 0; i < length; i++) {
    const c = id.charCodeAt(i);
    const cls = charClass(c);
    if ((cls & (LOWER_HEX | UPPER_HEX)) === 0) return undefined;
    if (cls & UPPER_HEX) upper = true;
    if (c !== 0x30) nonZero = true;
  }
  if (!nonZero) return undefined;
  return upper ? id.toLowerCase() : id;
}
