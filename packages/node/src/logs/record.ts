import type { Attributes } from '@opentelemetry/api';
import { LEVELS, OWN_RECORD, SEVERITY_NUMBER, WINSTON_SPLAT } from '@tracelog/core';
import type { Level, OwnRecord } from '@tracelog/core';
import {
  addFlattened,
  exceptionAttributes,
  isError,
  safeGet,
  safeKeys,
  toBody,
} from './attributes.js';

/** winston's own fields, which become the record's body, severity or event name instead. */
const RESERVED = new Set(['level', 'message', 'stack', 'component', 'eventName', 'event', 'cause']);

/** OpenTelemetry severity texts by level (`INFO`, …), made once rather than per record. */
export const SEVERITY_TEXT = Object.fromEntries(
  LEVELS.map((level) => [level, level.toUpperCase()]),
) as Record<Level, string>;

/** Level names other loggers use, mapped onto ours. */
const LEVEL_ALIASES: Readonly<Record<string, Level>> = {
  critical: 'fatal',
  crit: 'fatal',
  emerg: 'fatal',
  alert: 'fatal',
  warning: 'warn',
  notice: 'info',
  http: 'info',
  verbose: 'debug',
  silly: 'trace',
};

export function toLevel(name: string): Level {
  return (LEVELS as readonly string[]).includes(name)
    ? (name as Level)
    : (LEVEL_ALIASES[name] ?? 'info');
}

/**
 * Converts a winston `info` object into an OpenTelemetry log record. An Error anywhere in the
 * call (the message itself, a splat argument, an `err`/`error` field) becomes `exception.*`
 * attributes; everything else is flattened into attributes. Redaction happens later, once, in
 * the pipeline, so it covers records from every source alike.
 */
export function infoToLogRecord(info: Record<string | symbol, unknown>): OwnRecord {
  const level = toLevel(String(safeGet(info, 'level')));
  const attributes: Attributes = {};
  let message = safeGet(info, 'message');
  let error: Error | undefined = isError(info) ? info : undefined;
  if (isError(message)) {
    // logger.error(err, { ...meta }): winston passes the Error itself as the message.
    error ??= message;
    message = message.message;
  }

  const splat = info[WINSTON_SPLAT];
  if (Array.isArray(splat)) {
    for (const [index, arg] of splat.entries()) {
      if (!isError(arg)) {
        // winston merges only the first object argument into `info`; keep the others too.
        if (index > 0 && typeof arg === 'object' && arg !== null) {
          for (const key of safeKeys(arg)) addFlattened(attributes, key, safeGet(arg, key));
        }
        continue;
      }
      error ??= arg;
      // winston appends the error's message to ours; keep the caller's words as the body.
      if (typeof message === 'string' && message.endsWith(` ${arg.message}`)) {
        message = message.slice(0, -arg.message.length - 1);
      }
    }
  }
  for (const key of safeKeys(info)) {
    if (RESERVED.has(key)) continue;
    const value = safeGet(info, key);
    if ((key === 'err' || key === 'error') && isError(value)) {
      error ??= value;
      continue;
    }
    addFlattened(attributes, key, value);
  }
  return buildRecord(
    level,
    message,
    attributes,
    error,
    safeGet(info, 'eventName') ?? safeGet(info, 'event'),
  );
}

function buildRecord(
  level: Level,
  message: unknown,
  attributes: Attributes,
  error: Error | undefined,
  eventName: unknown,
): OwnRecord {
  if (error) Object.assign(attributes, exceptionAttributes(error));
  const record: OwnRecord = {
    severityNumber: SEVERITY_NUMBER[level],
    severityText: SEVERITY_TEXT[level],
    body: toBody(message),
    attributes,
    [OWN_RECORD]: true,
  };
  if (typeof eventName === 'string') record.eventName = eventName;
  return record;
}

/** `(message)` or `(message, plainObject)`: the shape most log calls have. */
export function isSimpleCall(args: unknown[]): boolean {
  if (args.length === 0 || args.length > 2 || typeof args[0] !== 'string') return false;
  if (args.length === 1) return true;
  const meta = args[1];
  if (typeof meta !== 'object' || meta === null) return false;
  try {
    const proto: unknown = Object.getPrototypeOf(meta);
    return proto === Object.prototype || proto === null;
  } catch {
    return false;
  }
}

/** The record for a simple call, built without winston's intermediate `info` object. */
export function simpleRecord(
  level: Level,
  message: string,
  meta: Record<string, unknown> | undefined,
): OwnRecord {
  const attributes: Attributes = {};
  let error: Error | undefined;
  let eventName: unknown;
  if (meta) {
    for (const key of safeKeys(meta)) {
      const value = safeGet(meta, key);
      if (key === 'eventName' || key === 'event') eventName = value;
      else if ((key === 'err' || key === 'error') && isError(value)) error = value;
      else if (!RESERVED.has(key)) addFlattened(attributes, key, value);
    }
  }
  return buildRecord(level, message, attributes, error, eventName);
}
