import { ATTR, RESOURCE } from '@tracelog/core';
import type { Redactor } from '@tracelog/core';

export type Signal = 'logs' | 'traces';

type J = Record<string, unknown>;
interface KeyValue {
  key: string;
  value?: J;
}

export type Checked =
  | { ok: false; status: 400 | 403; message: string }
  | { ok: true; body: J; items: number; refusedItems: number; refusedServices: string[] };

const HEX32 = /^[\da-f]{32}$/i;
const HEX16 = /^[\da-f]{16}$/i;
const NANOS = /^\d{1,20}$/;
const MAX_ITEMS = 5_000;

class Invalid extends Error {}

const isObject = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);

function array(parent: J, key: string, where: string, required = true): J[] {
  const v = parent[key];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) throw new Invalid(`${where}.${key} must be an array`);
  v.forEach((item, i) => {
    if (!isObject(item)) throw new Invalid(`${where}.${key}[${i}] must be an object`);
  });
  return v as J[];
}

function attributes(parent: J, where: string): KeyValue[] {
  const kvs = array(parent, 'attributes', where, false) as unknown as KeyValue[];
  kvs.forEach((kv, i) => {
    if (typeof kv.key !== 'string')
      throw new Invalid(`${where}.attributes[${i}].key must be a string`);
    if (kv.value !== undefined && !isObject(kv.value))
      throw new Invalid(`${where}.attributes[${i}].value must be an AnyValue object`);
  });
  return kvs;
}

function optional(
  parent: J,
  key: string,
  where: string,
  test: (v: unknown) => boolean,
  what: string,
): void {
  const v = parent[key];
  if (v !== undefined && v !== '' && !test(v)) throw new Invalid(`${where}.${key} must be ${what}`);
}

const nanos = (v: unknown) =>
  (typeof v === 'string' && NANOS.test(v)) || (Number.isSafeInteger(v) && (v as number) >= 0);
const intIn = (lo: number, hi: number) => (v: unknown) =>
  Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
const matchHex = (re: RegExp) => (v: unknown) => typeof v === 'string' && re.test(v);

/**
 * Checks an OTLP/JSON export request's shape, refuses resources whose `service.name` is not
 * allowed, tags the rest `tracelog.source=frontend`, and redacts every attribute, body and status
 * message in place.
 */
export function checkPayload(
  signal: Signal,
  body: unknown,
  services: ReadonlySet<string>,
  redactor: Redactor,
): Checked {
  try {
    if (!isObject(body)) throw new Invalid('the body must be a JSON object');
    const top = signal === 'logs' ? 'resourceLogs' : 'resourceSpans';
    const scopesKey = signal === 'logs' ? 'scopeLogs' : 'scopeSpans';
    const itemsKey = signal === 'logs' ? 'logRecords' : 'spans';
    const resources = array(body, top, 'body');
    const kept: J[] = [];
    const refusedServices: string[] = [];
    let items = 0;
    let refusedItems = 0;
    resources.forEach((rl, r) => {
      const where = `${top}[${r}]`;
      const resource = rl.resource ?? {};
      if (!isObject(resource)) throw new Invalid(`${where}.resource must be an object`);
      const resAttrs = attributes(resource, `${where}.resource`);
      let count = 0;
      array(rl, scopesKey, where).forEach((sl, s) => {
        const sw = `${where}.${scopesKey}[${s}]`;
        if (sl.scope !== undefined && !isObject(sl.scope))
          throw new Invalid(`${sw}.scope must be an object`);
        array(sl, itemsKey, sw).forEach((item, i) => {
          const iw = `${sw}.${itemsKey}[${i}]`;
          checkItem(signal, item, iw);
          redactKeyValues(attributes(item, iw), redactor);
          if (signal === 'logs' && isObject(item.body))
            item.body = redactAny(item.body, undefined, redactor);
          if (signal === 'traces') {
            const status = item.status;
            if (isObject(status) && typeof status.message === 'string')
              status.message = redactor.redactString(status.message);
            for (const [e, event] of array(item, 'events', iw, false).entries())
              redactKeyValues(attributes(event, `${iw}.events[${e}]`), redactor);
          }
          count++;
        });
      });
      items += count;
      if (items > MAX_ITEMS) throw new Invalid(`more than ${MAX_ITEMS} records in one request`);
      const nameKv = resAttrs.find((kv) => kv.key === RESOURCE.SERVICE_NAME);
      const service =
        typeof nameKv?.value?.stringValue === 'string' ? nameKv.value.stringValue : '';
      if (!services.has(service)) {
        refusedServices.push(service || '(none)');
        refusedItems += count;
        return;
      }
      redactKeyValues(resAttrs, redactor);
      const others = resAttrs.filter((kv) => kv.key !== ATTR.SOURCE);
      others.push({ key: ATTR.SOURCE, value: { stringValue: 'frontend' } });
      resource.attributes = others;
      rl.resource = resource;
      kept.push(rl);
    });
    if (resources.length > 0 && kept.length === 0) {
      return {
        ok: false,
        status: 403,
        message: `service.name ${refusedServices.map((s) => `"${s}"`).join(', ')} may not send through this relay`,
      };
    }
    return {
      ok: true,
      body: { [top]: kept },
      items: items - refusedItems,
      refusedItems,
      refusedServices,
    };
  } catch (error) {
    if (error instanceof Invalid) return { ok: false, status: 400, message: error.message };
    throw error;
  }
}

function checkItem(signal: Signal, item: J, where: string): void {
  if (signal === 'logs') {
    optional(item, 'timeUnixNano', where, nanos, 'a decimal string of nanoseconds');
    optional(item, 'observedTimeUnixNano', where, nanos, 'a decimal string of nanoseconds');
    optional(item, 'severityNumber', where, intIn(0, 24), 'an integer from 0 to 24');
    optional(item, 'traceId', where, matchHex(HEX32), '32 hex digits');
    optional(item, 'spanId', where, matchHex(HEX16), '16 hex digits');
    optional(item, 'eventName', where, (v) => typeof v === 'string', 'a string');
    if (item.body !== undefined && !isObject(item.body))
      throw new Invalid(`${where}.body must be an AnyValue object`);
    return;
  }
  if (!matchHex(HEX32)(item.traceId)) throw new Invalid(`${where}.traceId must be 32 hex digits`);
  if (!matchHex(HEX16)(item.spanId)) throw new Invalid(`${where}.spanId must be 16 hex digits`);
  optional(item, 'parentSpanId', where, matchHex(HEX16), '16 hex digits');
  if (typeof item.name !== 'string') throw new Invalid(`${where}.name must be a string`);
  optional(item, 'kind', where, intIn(0, 5), 'an integer from 0 to 5');
  if (!nanos(item.startTimeUnixNano))
    throw new Invalid(`${where}.startTimeUnixNano must be a decimal string of nanoseconds`);
  if (!nanos(item.endTimeUnixNano))
    throw new Invalid(`${where}.endTimeUnixNano must be a decimal string of nanoseconds`);
}

function redactKeyValues(kvs: KeyValue[], redactor: Redactor): void {
  for (const kv of kvs) if (kv.value) kv.value = redactAny(kv.value, kv.key, redactor);
}

/** Redacts one OTLP AnyValue under `key`: the same decisions as for plain values. */
function redactAny(value: J, key: string | undefined, redactor: Redactor): J {
  if (key !== undefined && redactor.isSensitiveKey(key))
    return { stringValue: String(redactor.redactValue('x', key)) };
  if (typeof value.stringValue === 'string') {
    const out = redactor.redactValue(value.stringValue, key);
    return out === value.stringValue ? value : { stringValue: String(out) };
  }
  if (value.intValue !== undefined) {
    const text = String(value.intValue);
    if (!/^-?\d+$/.test(text))
      throw new Invalid(`intValue "${text.slice(0, 40)}" is not an integer`);
    const n = Number(text);
    const out = redactor.redactValue(Number.isSafeInteger(n) ? n : BigInt(text), key);
    return typeof out === 'string' ? { stringValue: out } : value;
  }
  if (isObject(value.arrayValue) && Array.isArray(value.arrayValue.values)) {
    value.arrayValue.values = (value.arrayValue.values as unknown[]).map((v) =>
      isObject(v) ? redactAny(v, undefined, redactor) : v,
    );
  }
  if (isObject(value.kvlistValue) && Array.isArray(value.kvlistValue.values)) {
    redactKeyValues(value.kvlistValue.values as KeyValue[], redactor);
  }
  return value;
}
