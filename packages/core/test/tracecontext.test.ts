import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ROOT_CONTEXT,
  defaultTextMapGetter,
  defaultTextMapSetter,
  propagation,
  trace,
} from '@opentelemetry/api';
import type {
  Context,
  SpanContext,
  TextMapPropagator,
  TraceState,
  TracerProvider,
} from '@opentelemetry/api';
import { TraceContextPropagator } from '@tracelog/core';

// The rules below are those of W3C Trace Context Level 2 (https://www.w3.org/TR/trace-context-2/),
// sections "traceparent Header Field Values", "tracestate Header Field Values", "Processing Model".

// The upstream packages this propagator replaces and works beside. They are dependencies of
// @tracelog/node (pinned there), not of core, so they are loaded from that package.
const requireFromNode = createRequire(new URL('../../node/package.json', import.meta.url));
const upstream = requireFromNode('@opentelemetry/core') as {
  W3CTraceContextPropagator: new () => TextMapPropagator;
  TraceState: new (raw?: string) => TraceState;
  suppressTracing(context: Context): Context;
};
const sdk = requireFromNode('@opentelemetry/sdk-trace') as {
  TracerProvider: new () => TracerProvider & { shutdown(): Promise<void> };
};

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const IDS = `${TRACE_ID}-${SPAN_ID}`;
const VALID = `00-${IDS}-01`;

const propagator = new TraceContextPropagator();

type Carrier = Record<string, string | string[]>;

function extractFrom(carrier: Carrier, p: TextMapPropagator = propagator): SpanContext | undefined {
  return trace.getSpanContext(p.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
}

function injectFrom(spanContext: SpanContext, context: Context = ROOT_CONTEXT): Carrier {
  const carrier: Carrier = {};
  propagator.inject(trace.setSpanContext(context, spanContext), carrier, defaultTextMapSetter);
  return carrier;
}

/** The tracestate kept for a valid traceparent, serialized; undefined when none was kept. */
function tracestateOf(tracestate: string | string[]): string | undefined {
  const spanContext = extractFrom({ traceparent: VALID, tracestate });
  expect(spanContext?.traceId).toBe(TRACE_ID);
  return spanContext?.traceState?.serialize();
}

const list = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}=${i + 1}`);

describe('traceparent (extract)', () => {
  // want: the trace flags extracted with TRACE_ID/SPAN_ID, or undefined when the header is invalid
  const cases: Array<{ rule: string; value: string; want: number | undefined }> = [
    { rule: 'version 00, sampled', value: VALID, want: 1 },
    { rule: 'version 00, not sampled', value: `00-${IDS}-00`, want: 0 },
    { rule: 'random trace-id flag (Level 2) is kept', value: `00-${IDS}-02`, want: 2 },
    { rule: 'sampled and random flags', value: `00-${IDS}-03`, want: 3 },
    { rule: 'reserved flags are set to zero', value: `00-${IDS}-ff`, want: 3 },
    { rule: 'reserved flags alone are set to zero', value: `00-${IDS}-04`, want: 0 },
    { rule: 'leading space (OWS) is ignored', value: ` ${VALID}`, want: 1 },
    { rule: 'leading tab (OWS) is ignored', value: `\t${VALID}`, want: 1 },
    { rule: 'trailing space (OWS) is ignored', value: `${VALID} `, want: 1 },
    { rule: 'trailing tab (OWS) is ignored', value: `${VALID}\t`, want: 1 },
    { rule: 'OWS on both sides is ignored', value: `\t ${VALID} \t`, want: 1 },
    { rule: 'OWS is only space and tab: newline', value: `\n${VALID}`, want: undefined },
    { rule: 'OWS is only space and tab: CR LF', value: `${VALID}\r\n`, want: undefined },
    { rule: 'OWS is only space and tab: vertical tab', value: `${VALID}\v`, want: undefined },
    { rule: 'OWS is only space and tab: no-break space', value: `\u00a0${VALID}`, want: undefined },
    { rule: 'no whitespace inside the value', value: `00- ${IDS}-01`, want: undefined },
    { rule: 'empty value', value: '', want: undefined },
    { rule: 'whitespace only', value: ' \t ', want: undefined },
    { rule: 'dash is the delimiter', value: `00_${TRACE_ID}_${SPAN_ID}_01`, want: undefined },
    // version
    { rule: 'version ff is forbidden', value: `ff-${IDS}-01`, want: undefined },
    { rule: 'version is lowercase hex', value: `CC-${IDS}-01`, want: undefined },
    { rule: 'version illegal character first', value: `.0-${IDS}-01`, want: undefined },
    { rule: 'version illegal character second', value: `0.-${IDS}-01`, want: undefined },
    { rule: 'version too long (3)', value: `000-${IDS}-01`, want: undefined },
    { rule: 'version too long (4)', value: `0000-${IDS}-01`, want: undefined },
    { rule: 'version too short', value: `0-${IDS}-01`, want: undefined },
    { rule: 'version 00: nothing may follow flags', value: `${VALID}.`, want: undefined },
    { rule: 'version 00: no extra fields', value: `${VALID}-what-the-future`, want: undefined },
    { rule: 'version 00: not even a dash', value: `${VALID}-`, want: undefined },
    // future versions
    { rule: 'future version cc parses as 00', value: `cc-${IDS}-01`, want: 1 },
    { rule: 'future version fe parses as 00', value: `fe-${IDS}-00`, want: 0 },
    { rule: 'future version: fields after a dash', value: `cc-${IDS}-01-what-the-future`, want: 1 },
    { rule: 'future version: unknown flags zeroed', value: `cc-${IDS}-ff-x`, want: 3 },
    { rule: 'future version: flags then not a dash', value: `cc-${IDS}-01.what`, want: undefined },
    { rule: 'future version: shorter than 55', value: `cc-${IDS}-1`, want: undefined },
    {
      rule: 'future version: ids still checked',
      value: `cc-${'0'.repeat(32)}-${SPAN_ID}-01`,
      want: undefined,
    },
    // trace-id
    { rule: 'trace-id all zeros', value: `00-${'0'.repeat(32)}-${SPAN_ID}-01`, want: undefined },
    {
      rule: 'trace-id illegal first',
      value: `00-.${TRACE_ID.slice(1)}-${SPAN_ID}-01`,
      want: undefined,
    },
    {
      rule: 'trace-id illegal last',
      value: `00-${TRACE_ID.slice(0, 31)}.-${SPAN_ID}-01`,
      want: undefined,
    },
    {
      rule: 'trace-id uppercase hex',
      value: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`,
      want: undefined,
    },
    { rule: 'trace-id too long', value: `00-${TRACE_ID}1-${SPAN_ID}-01`, want: undefined },
    { rule: 'trace-id too short', value: `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`, want: undefined },
    // parent-id
    { rule: 'parent-id all zeros', value: `00-${TRACE_ID}-${'0'.repeat(16)}-01`, want: undefined },
    {
      rule: 'parent-id illegal first',
      value: `00-${TRACE_ID}-.${SPAN_ID.slice(1)}-01`,
      want: undefined,
    },
    {
      rule: 'parent-id illegal last',
      value: `00-${TRACE_ID}-${SPAN_ID.slice(0, 15)}.-01`,
      want: undefined,
    },
    {
      rule: 'parent-id uppercase hex',
      value: `00-${TRACE_ID}-00F067AA0BA902B7-01`,
      want: undefined,
    },
    { rule: 'parent-id too long', value: `00-${TRACE_ID}-${SPAN_ID}1-01`, want: undefined },
    {
      rule: 'parent-id too short',
      value: `00-${TRACE_ID}-${SPAN_ID.slice(1)}-01`,
      want: undefined,
    },
    // trace-flags
    { rule: 'trace-flags illegal first', value: `00-${IDS}-.0`, want: undefined },
    { rule: 'trace-flags illegal second', value: `00-${IDS}-0.`, want: undefined },
    { rule: 'trace-flags uppercase hex', value: `00-${IDS}-0A`, want: undefined },
    { rule: 'trace-flags too long', value: `00-${IDS}-001`, want: undefined },
    { rule: 'trace-flags too short', value: `00-${IDS}-1`, want: undefined },
  ];

  it.each(cases)('$rule', ({ value, want }) => {
    const spanContext = extractFrom({ traceparent: value, tracestate: 'foo=1' });
    if (want === undefined) {
      expect(spanContext).toBeUndefined();
    } else {
      expect(spanContext).toMatchObject({
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceFlags: want,
        isRemote: true,
      });
      expect(spanContext?.traceState?.serialize()).toBe('foo=1');
    }
  });

  it('an invalid traceparent leaves the context as it was, and tracestate is not used', () => {
    const carrier = { traceparent: `ff-${IDS}-01`, tracestate: 'foo=1' };
    expect(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
  });

  it('a tracestate without a traceparent is discarded', () => {
    expect(propagator.extract(ROOT_CONTEXT, { tracestate: 'foo=1' }, defaultTextMapGetter)).toBe(
      ROOT_CONTEXT,
    );
  });

  it('a valid traceparent replaces the span context already in the context', () => {
    const earlier = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      traceFlags: 0,
    });
    const extracted = propagator.extract(earlier, { traceparent: VALID }, defaultTextMapGetter);
    expect(trace.getSpanContext(extracted)).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    });
  });

  const headerCases: Array<{ rule: string; carrier: Carrier; want: boolean }> = [
    { rule: 'lowercase name', carrier: { traceparent: VALID }, want: true },
    { rule: 'name is case-insensitive: TraceParent', carrier: { TraceParent: VALID }, want: true },
    { rule: 'name is case-insensitive: TRACEPARENT', carrier: { TRACEPARENT: VALID }, want: true },
    { rule: 'name is case-insensitive: TrAcEpArEnT', carrier: { TrAcEpArEnT: VALID }, want: true },
    { rule: 'wrong name: trace-parent', carrier: { 'trace-parent': VALID }, want: false },
    { rule: 'wrong name: trace.parent', carrier: { 'trace.parent': VALID }, want: false },
    { rule: 'one field given as an array', carrier: { traceparent: [VALID] }, want: true },
    {
      rule: 'two traceparent fields are invalid',
      carrier: { traceparent: [VALID, `00-${'1'.repeat(32)}-${SPAN_ID}-01`] },
      want: false,
    },
    {
      rule: 'two traceparent fields joined by the HTTP layer are invalid',
      carrier: { traceparent: `${VALID}, ${VALID}` },
      want: false,
    },
    {
      rule: 'two traceparent fields in two spellings are invalid',
      carrier: { TraceParent: VALID, TRACEPARENT: VALID },
      want: false,
    },
    { rule: 'an empty array is no traceparent', carrier: { traceparent: [] }, want: false },
  ];

  it.each(headerCases)('header: $rule', ({ carrier, want }) => {
    expect(extractFrom(carrier)?.traceId).toBe(want ? TRACE_ID : undefined);
  });
});

describe('tracestate (extract)', () => {
  const lcalpha = 'abcdefghijklmnopqrstuvwxyz';
  const keyChars = `${lcalpha}0123456789_-*/`;
  let valueChars = '';
  for (let c = 0x20; c <= 0x7e; c++)
    if (c !== 0x2c && c !== 0x3d) valueChars += String.fromCharCode(c);
  const v = (n: number) => 'v'.repeat(n);

  // want: the tracestate kept (serialized), or undefined when none is kept
  const cases: Array<{ rule: string; tracestate: string | string[]; want: string | undefined }> = [
    { rule: 'one member', tracestate: 'foo=1', want: 'foo=1' },
    { rule: 'members keep their order', tracestate: 'foo=1,bar=2', want: 'foo=1,bar=2' },
    {
      rule: 'several header fields are one list, in field order',
      tracestate: ['foo=1,bar=2', 'rojo=1,congo=2', 'baz=3'],
      want: 'foo=1,bar=2,rojo=1,congo=2,baz=3',
    },
    {
      rule: 'fields joined with ", " by the HTTP layer',
      tracestate: 'foo=1, bar=2',
      want: 'foo=1,bar=2',
    },
    {
      rule: 'spaces and tabs around members are ignored',
      tracestate: 'foo=1 \t , \t bar=2, \t baz=3',
      want: 'foo=1,bar=2,baz=3',
    },
    { rule: 'leading space OWS', tracestate: ' foo=1', want: 'foo=1' },
    { rule: 'leading tab OWS', tracestate: '\tfoo=1', want: 'foo=1' },
    { rule: 'trailing space OWS', tracestate: 'foo=1 ', want: 'foo=1' },
    { rule: 'trailing tab OWS', tracestate: 'foo=1\t', want: 'foo=1' },
    { rule: 'OWS on both sides', tracestate: '\t foo=1 \t', want: 'foo=1' },
    { rule: 'empty members are ignored', tracestate: 'foo=1,,bar=2', want: 'foo=1,bar=2' },
    { rule: 'empty members at the ends', tracestate: ',foo=1,', want: 'foo=1' },
    { rule: 'whitespace-only members', tracestate: 'foo=1, \t ,bar=2', want: 'foo=1,bar=2' },
    { rule: 'an empty field after a member', tracestate: ['foo=1', ''], want: 'foo=1' },
    { rule: 'an empty field before a member', tracestate: ['', 'foo=1'], want: 'foo=1' },
    { rule: 'an empty header keeps no tracestate', tracestate: '', want: undefined },
    { rule: 'only empty members keep no tracestate', tracestate: ' , \t,', want: undefined },
    // key grammar: ( lcalpha / DIGIT ) 0*255( keychar ), keychar adds _ - * / @
    { rule: 'key may start with a digit', tracestate: '1foo=1', want: '1foo=1' },
    { rule: 'every key character', tracestate: `${keyChars}=1`, want: `${keyChars}=1` },
    { rule: 'at sign at the end', tracestate: 'foo@=1,bar=2', want: 'foo@=1,bar=2' },
    { rule: 'two at signs in a row', tracestate: 'foo@@bar=1,bar=2', want: 'foo@@bar=1,bar=2' },
    { rule: 'two at signs', tracestate: 'foo@bar@baz=1,bar=2', want: 'foo@bar@baz=1,bar=2' },
    {
      rule: 'at sign with every key character after it',
      tracestate: `${keyChars}@a-z0-9_-*/=1`,
      want: `${keyChars}@a-z0-9_-*/=1`,
    },
    {
      rule: 'tenant of 241 and system of 14 (256)',
      tracestate: ['foo=1', `${'t'.repeat(241)}@${v(14)}=1`],
      want: `foo=1,${'t'.repeat(241)}@${v(14)}=1`,
    },
    {
      rule: 'tenant of 242 is fine under 256',
      tracestate: ['foo=1', `${'t'.repeat(242)}@v=1`],
      want: `foo=1,${'t'.repeat(242)}@v=1`,
    },
    {
      rule: 'a part after the at sign longer than 14',
      tracestate: ['foo=1', `t@${v(15)}=1`],
      want: `foo=1,t@${v(15)}=1`,
    },
    {
      rule: 'key of 256 characters',
      tracestate: ['foo=1', `${'z'.repeat(256)}=1`],
      want: `foo=1,${'z'.repeat(256)}=1`,
    },
    { rule: 'key starting with an at sign', tracestate: '@foo=1,bar=2', want: undefined },
    { rule: 'key starting with an underscore', tracestate: '_foo=1,bar=2', want: undefined },
    { rule: 'key with uppercase', tracestate: 'FOO=1,bar=2', want: undefined },
    { rule: 'key with a dot', tracestate: 'foo.bar=1,bar=2', want: undefined },
    { rule: 'key with a space before =', tracestate: 'foo =1,bar=2', want: undefined },
    { rule: 'key with a space inside', tracestate: 'fo o=1,bar=2', want: undefined },
    {
      rule: 'key of 257 characters',
      tracestate: ['foo=1', `${'z'.repeat(257)}=1`],
      want: undefined,
    },
    { rule: 'empty key', tracestate: '=1,bar=2', want: undefined },
    { rule: 'member without =', tracestate: 'foo,bar=2', want: undefined },
    // value grammar: 0*255( chr ) nblk-chr, chr = 0x20-0x7E except , and =
    { rule: 'every value character', tracestate: `foo=${valueChars}`, want: `foo=${valueChars}` },
    { rule: 'leading spaces of a value are kept', tracestate: 'foo=  bar', want: 'foo=  bar' },
    {
      rule: 'trailing spaces of a value are OWS',
      tracestate: 'foo=bar  ,baz=1',
      want: 'foo=bar,baz=1',
    },
    { rule: 'value of 256 characters', tracestate: `foo=${v(256)}`, want: `foo=${v(256)}` },
    { rule: 'value of 257 characters', tracestate: `foo=${v(257)},bar=2`, want: undefined },
    { rule: 'empty value', tracestate: 'foo=,bar=3', want: undefined },
    { rule: 'value of spaces only', tracestate: 'foo=   ,bar=3', want: undefined },
    { rule: '= in a value', tracestate: 'foo=bar=baz,bar=2', want: undefined },
    { rule: 'tab in a value', tracestate: 'foo=a\tb,bar=2', want: undefined },
    { rule: 'control character in a value', tracestate: 'foo=a\u0001b,bar=2', want: undefined },
    { rule: 'DEL in a value', tracestate: 'foo=a\u007fb,bar=2', want: undefined },
    { rule: 'non-ASCII in a value', tracestate: 'foo=caf\u00e9,bar=2', want: undefined },
    // members
    {
      rule: '32 members are kept',
      tracestate: list('bar', 32).join(','),
      want: list('bar', 32).join(','),
    },
    {
      rule: 'empty members do not count towards 32',
      tracestate: `,${list('bar', 32).join(', ,')},`,
      want: list('bar', 32).join(','),
    },
    {
      rule: '33 members discard the tracestate',
      tracestate: list('bar', 33).join(','),
      want: undefined,
    },
    {
      rule: '33 members over several fields discard the tracestate',
      tracestate: [list('bar', 30).join(','), 'bar31=31,bar32=32,bar33=33'],
      want: undefined,
    },
    { rule: 'duplicate keys: the first is kept', tracestate: 'foo=1,foo=2', want: 'foo=1' },
    { rule: 'duplicate identical members', tracestate: 'foo=1,foo=1', want: 'foo=1' },
    { rule: 'duplicate keys across fields', tracestate: ['foo=1', 'foo=2'], want: 'foo=1' },
    { rule: 'duplicate keys keep the order', tracestate: 'foo=1,bar=2,foo=3', want: 'foo=1,bar=2' },
  ];

  it.each(cases)('$rule', ({ tracestate, want }) => {
    expect(tracestateOf(tracestate)).toBe(want);
  });

  it('over 512 characters, entries longer than 128 characters go first', () => {
    const small = (k: string) => `${k}=${v(90)}`; // 93 characters
    const big = `big=${v(200)}`; // 204 characters
    const members = [small('a1'), big, small('a3'), small('a4'), small('a5')]; // 580 with commas
    expect(tracestateOf(members.join(','))).toBe(
      [small('a1'), small('a3'), small('a4'), small('a5')].join(','),
    );
  });

  it('over 512 characters, then entries go from the right', () => {
    const members = Array.from({ length: 6 }, (_, i) => `k${i}=${v(97)}`); // 6 × 100 + 5 commas
    expect(tracestateOf(members.join(','))).toBe(members.slice(0, 5).join(','));
  });

  it('exactly 512 characters are kept; one more cuts from the right', () => {
    const members = Array.from({ length: 4 }, (_, i) => `k${i}=${v(122)}`); // 4 × 125 + 3 commas
    const exact = `${members.join(',')},end=1234`;
    expect(exact).toHaveLength(512);
    expect(tracestateOf(exact)).toBe(exact);
    expect(tracestateOf(`${exact}5`)).toBe(members.join(','));
  });

  it('header name is case-insensitive; other names are not tracestate', () => {
    for (const name of ['TraceState', 'TrAcEsTaTe', 'TRACESTATE']) {
      expect(extractFrom({ traceparent: VALID, [name]: 'foo=1' })?.traceState?.get('foo')).toBe(
        '1',
      );
    }
    for (const name of ['trace-state', 'trace.state']) {
      const spanContext = extractFrom({ traceparent: VALID, [name]: 'foo=1' });
      expect(spanContext?.traceId).toBe(TRACE_ID);
      expect(spanContext?.traceState).toBeUndefined();
    }
  });

  it('an invalid tracestate does not affect the traceparent', () => {
    expect(extractFrom({ traceparent: VALID, tracestate: 'FOO=1' })).toEqual({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: 1,
      isRemote: true,
    });
  });
});

describe('TraceState of an extracted context', () => {
  const extracted = (tracestate: string) => {
    const traceState = extractFrom({ traceparent: VALID, tracestate })?.traceState;
    if (!traceState) throw new Error(`no tracestate kept for ${tracestate}`);
    return traceState;
  };

  it('get reads a member', () => {
    const state = extracted('foo=1,bar= 2');
    expect([state.get('foo'), state.get('bar'), state.get('baz')]).toEqual(['1', ' 2', undefined]);
  });

  it('set adds a new member on the left and leaves the original alone', () => {
    const state = extracted('foo=1,bar=2');
    expect(state.set('new', 'x').serialize()).toBe('new=x,foo=1,bar=2');
    expect(state.serialize()).toBe('foo=1,bar=2');
  });

  it('set updates a member and moves it to the left', () => {
    expect(extracted('foo=1,bar=2').set('bar', '3').serialize()).toBe('bar=3,foo=1');
  });

  it('set takes Level 2 keys', () => {
    expect(extracted('foo=1').set('t@vvvvvvvvvvvvvvv', '1').serialize()).toBe(
      't@vvvvvvvvvvvvvvv=1,foo=1',
    );
  });

  it.each([
    { rule: 'uppercase key', key: 'FOO', value: '1' },
    { rule: 'key starting with @', key: '@foo', value: '1' },
    { rule: 'key of 257', key: 'k'.repeat(257), value: '1' },
    { rule: 'empty value', key: 'foo', value: '' },
    { rule: 'comma in value', key: 'foo', value: 'a,b' },
    { rule: '= in value', key: 'foo', value: 'a=b' },
    { rule: 'trailing space in value', key: 'foo', value: 'a ' },
    { rule: 'value of 257', key: 'foo', value: 'v'.repeat(257) },
  ])('set refuses an invalid member: $rule', ({ key, value }) => {
    const state = extracted('foo=1');
    expect(state.set(key, value)).toBe(state);
  });

  it('set past 32 members removes the right-most', () => {
    const state = extracted(list('bar', 32).join(','));
    expect(state.set('new', '1').serialize()).toBe(['new=1', ...list('bar', 31)].join(','));
  });

  it('set past 512 characters drops long entries first, never the new one', () => {
    const state = extracted(`a=${'x'.repeat(150)},b=${'x'.repeat(100)},c=${'x'.repeat(100)}`);
    expect(state.set('n', 'y'.repeat(200)).serialize()).toBe(
      `n=${'y'.repeat(200)},b=${'x'.repeat(100)},c=${'x'.repeat(100)}`,
    );
  });

  it('unset removes a member; unsetting a missing key changes nothing', () => {
    const state = extracted('foo=1,bar=2');
    expect(state.unset('foo').serialize()).toBe('bar=2');
    expect(state.unset('baz').serialize()).toBe('foo=1,bar=2');
    expect(state.serialize()).toBe('foo=1,bar=2');
  });
});

describe('inject', () => {
  const spanContext = (over: Partial<SpanContext> = {}): SpanContext => ({
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    traceFlags: 1,
    ...over,
  });

  it.each([
    { rule: 'not sampled', traceFlags: 0, want: '00' },
    { rule: 'sampled', traceFlags: 1, want: '01' },
    { rule: 'random trace-id flag', traceFlags: 2, want: '02' },
    { rule: 'sampled and random', traceFlags: 3, want: '03' },
    { rule: 'reserved flags are written as zero', traceFlags: 0xff, want: '03' },
    { rule: 'reserved flags alone are written as zero', traceFlags: 4, want: '00' },
  ])('writes version 00: $rule', ({ traceFlags, want }) => {
    expect(injectFrom(spanContext({ traceFlags }))).toEqual({ traceparent: `00-${IDS}-${want}` });
  });

  it('writes ids in lowercase hex', () => {
    const carrier = injectFrom(
      spanContext({ traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID.toUpperCase() }),
    );
    expect(carrier).toEqual({ traceparent: VALID });
  });

  it.each([
    { rule: 'trace-id all zeros', over: { traceId: '0'.repeat(32) } },
    { rule: 'span-id all zeros', over: { spanId: '0'.repeat(16) } },
    { rule: 'trace-id too short', over: { traceId: TRACE_ID.slice(1) } },
    { rule: 'trace-id too long', over: { traceId: `${TRACE_ID}0` } },
    { rule: 'span-id too short', over: { spanId: SPAN_ID.slice(1) } },
    { rule: 'trace-id not hex', over: { traceId: `g${TRACE_ID.slice(1)}` } },
    { rule: 'span-id not hex', over: { spanId: `${SPAN_ID.slice(1)}-` } },
  ])('writes nothing for an invalid span context: $rule', ({ over }) => {
    expect(
      injectFrom(spanContext({ ...over, traceState: new upstream.TraceState('foo=1') })),
    ).toEqual({});
  });

  it('writes nothing without a span context', () => {
    const carrier: Carrier = {};
    propagator.inject(ROOT_CONTEXT, carrier, defaultTextMapSetter);
    expect(carrier).toEqual({});
  });

  it('writes nothing when tracing is suppressed (suppressTracing of @opentelemetry/core)', () => {
    const sc = spanContext({ traceState: new upstream.TraceState('foo=1') });
    expect(injectFrom(sc, upstream.suppressTracing(ROOT_CONTEXT))).toEqual({});
    expect(injectFrom(sc)).toEqual({ traceparent: VALID, tracestate: 'foo=1' });
  });

  it('writes the tracestate it extracted, normalized', () => {
    const extracted = extractFrom({ traceparent: VALID, tracestate: [' foo=1 ,, bar=2', 'foo=3'] });
    expect(injectFrom(extracted!)).toEqual({ traceparent: VALID, tracestate: 'foo=1,bar=2' });
  });

  it('writes no empty tracestate', () => {
    const extracted = extractFrom({ traceparent: VALID, tracestate: 'foo=1' })!;
    const emptied = { ...extracted, traceState: extracted.traceState!.unset('foo') };
    expect(injectFrom(emptied)).toEqual({ traceparent: VALID });
  });

  it('writes another implementation’s TraceState as it serializes', () => {
    const sc = spanContext({
      traceState: new upstream.TraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'),
    });
    expect(injectFrom(sc)).toEqual({
      traceparent: VALID,
      tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    });
  });
});

describe('with the OpenTelemetry API and SDK', () => {
  const provider = new sdk.TracerProvider();
  afterAll(async () => {
    propagation.disable();
    await provider.shutdown();
  });

  it('fields are those of W3CTraceContextPropagator', () => {
    expect(propagator.fields()).toEqual(new upstream.W3CTraceContextPropagator().fields());
    expect(propagator.fields()).toEqual(['traceparent', 'tracestate']);
  });

  it('round-trips through the global propagation API (no SDK: the span context passes through)', () => {
    expect(propagation.setGlobalPropagator(new TraceContextPropagator())).toBe(true);
    const incoming = { traceparent: `cc-${IDS}-03-future`, tracestate: ' rojo=1 ,, congo=2' };
    const context = propagation.extract(ROOT_CONTEXT, incoming);
    const span = trace.getTracer('test').startSpan('child', undefined, context);
    const outgoing: Carrier = {};
    propagation.inject(trace.setSpan(context, span), outgoing);
    // the version is downgraded to 00, the tracestate normalized
    expect(outgoing).toEqual({ traceparent: `00-${IDS}-03`, tracestate: 'rojo=1,congo=2' });
  });

  it('an SDK span continues the extracted trace with a new span id and the caller’s sampling', () => {
    const tracer = provider.getTracer('test');
    for (const flags of ['00', '01']) {
      const context = propagator.extract(
        ROOT_CONTEXT,
        { traceparent: `00-${IDS}-${flags}`, tracestate: 'rojo=1' },
        defaultTextMapGetter,
      );
      const span = tracer.startSpan('child', undefined, context);
      const outgoing: Carrier = {};
      propagator.inject(trace.setSpan(context, span), outgoing, defaultTextMapSetter);
      span.end();
      const newSpanId = span.spanContext().spanId;
      expect(newSpanId).not.toBe(SPAN_ID);
      expect(outgoing).toEqual({
        traceparent: `00-${TRACE_ID}-${newSpanId}-${flags}`,
        tracestate: 'rojo=1',
      });
    }
  });

  // Where both follow the spec they agree, so ours can replace upstream's on either side.
  const agreed: Carrier[] = [
    { traceparent: VALID },
    { traceparent: `00-${IDS}-00`, tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' },
    { traceparent: ` cc-${IDS}-01-future`, tracestate: ['foo=1', 'bar=2'] },
    { traceparent: `00-${IDS}-01`, tracestate: 'foo=1 , bar=2' },
  ];

  it.each(agreed)('extracts what W3CTraceContextPropagator extracts: %j', (carrier) => {
    const ours = extractFrom(carrier);
    const theirs = extractFrom(carrier, new upstream.W3CTraceContextPropagator());
    expect(ours).toEqual({ ...theirs, traceState: ours?.traceState });
    expect(ours?.traceState?.serialize()).toBe(theirs?.traceState?.serialize());
  });

  it.each(agreed)('each reads what the other writes: %j', (carrier) => {
    const theirs = new upstream.W3CTraceContextPropagator();
    const fromOurs: Carrier = {};
    const fromTheirs: Carrier = {};
    propagator.inject(
      propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
      fromOurs,
      defaultTextMapSetter,
    );
    theirs.inject(
      theirs.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
      fromTheirs,
      defaultTextMapSetter,
    );
    expect(fromOurs).toEqual(fromTheirs);
    expect(extractFrom(fromTheirs)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
    expect(extractFrom(fromOurs, theirs)).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID });
  });
});
