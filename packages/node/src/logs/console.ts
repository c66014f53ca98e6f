import type { AnyValue } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR, EVENT, RESOURCE } from '@tracelog/core';
import { safeJson } from './attributes.js';

export type ConsoleFormat = 'pretty' | 'json';

const COLORS = {
  reset: '\x1b[0m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  green: '\x1b[32m',
  cyan: '\x1b[36m',
  magenta: '\x1b[35m',
  gray: '\x1b[90m',
} as const;

/**
 * Level markers, so a level can be found by eye in a scrolling terminal: the emoji markers teams
 * already use in their task consoles (❌ failed, ✅ done, ▶️ started).
 */
const MARKERS: Record<string, [marker: string, color: string]> = {
  FATAL: ['💀', COLORS.magenta],
  ERROR: ['❌', COLORS.red],
  WARN: ['⚠️ ', COLORS.yellow],
  INFO: ['ℹ️ ', COLORS.cyan],
  DEBUG: ['🐛', COLORS.gray],
  TRACE: ['🔍', COLORS.gray],
};
const EVENT_MARKERS: Record<string, string> = {
  [EVENT.TASK_START]: '▶️ ',
  [EVENT.TASK_SUCCESS]: '✅',
  [EVENT.TASK_FAILURE]: '❌',
  [EVENT.JOB_SUCCEEDED]: '✅',
  [EVENT.JOB_FAILED]: '❌',
  [EVENT.JOB_RETRYING]: '🔁',
};

/** Attributes too long or too noisy for one console line; they stay in the exported record. */
const HIDDEN = new Set<string>([ATTR.EXCEPTION_STACKTRACE]);

/**
 * One human line per record: time, level marker, component, event, message, inline context and
 * a short trace id to search for — then the stack trace, if any, indented below.
 */
export function formatPretty(record: ReadableLogRecord, color: boolean): string {
  const c = (code: string, text: string) => (color ? `${code}${text}${COLORS.reset}` : text);
  const level = record.severityText ?? 'INFO';
  const [marker, levelColor] = MARKERS[level] ?? MARKERS.INFO!;
  const time = new Date(hrToMs(record.hrTime)).toISOString().replace('T', ' ').replace('Z', '');
  const event = record.eventName;
  const parts = [
    c(COLORS.dim, `[${time}]`),
    (event && EVENT_MARKERS[event]) || marker,
    c(levelColor, level.padEnd(5)),
    c(COLORS.magenta, `[${record.instrumentationScope.name}]`),
  ];
  if (event) parts.push(c(COLORS.green, `${event}:`));
  parts.push(bodyText(record.body));
  const inline: string[] = [];
  for (const [key, value] of Object.entries(record.attributes)) {
    if (!HIDDEN.has(key)) inline.push(`${key}=${valueText(value)}`);
  }
  if (inline.length > 0) parts.push(c(COLORS.dim, `| ${inline.join(' ')}`));
  const traceId = record.spanContext?.traceId;
  if (traceId) parts.push(c(COLORS.gray, `trace=${traceId}`));
  let line = parts.join(' ');
  const stack = record.attributes[ATTR.EXCEPTION_STACKTRACE];
  if (typeof stack === 'string') line += `\n${c(COLORS.gray, indent(stack))}`;
  return `${line}\n`;
}

/** One JSON object per line: ISO-8601 UTC time, level, correlation id, component, message, data. */
export function formatJson(record: ReadableLogRecord): string {
  const line: Record<string, unknown> = {
    time: new Date(hrToMs(record.hrTime)).toISOString(),
    level: (record.severityText ?? 'INFO').toLowerCase(),
    service: record.resource.attributes[RESOURCE.SERVICE_NAME],
    component: record.instrumentationScope.name,
    message: bodyText(record.body),
  };
  if (record.eventName) line.event = record.eventName;
  if (record.spanContext) {
    line.trace_id = record.spanContext.traceId;
    line.span_id = record.spanContext.spanId;
  }
  Object.assign(line, record.attributes);
  return `${safeJson(line)}\n`;
}

function bodyText(body: AnyValue | undefined): string {
  if (body === undefined || body === null) return '';
  return typeof body === 'string' ? body : safeJson(body);
}

function valueText(value: AnyValue | undefined): string {
  if (typeof value === 'string') return /[\s"]/.test(value) ? JSON.stringify(value) : value;
  return bodyText(value);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function hrToMs([seconds, nanos]: [number, number]): number {
  return seconds * 1000 + nanos / 1e6;
}

/** Past this much unwritten console output (a slow pipe), lines are skipped, not buffered. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

export interface ConsoleSinkOptions {
  format: ConsoleFormat;
  stream: NodeJS.WritableStream & { writableLength?: number; isTTY?: boolean };
  color: boolean;
  onSkip: () => void;
}

/** Writes records to the console (stdout by default) as they are emitted. */
export class ConsoleSink implements LogRecordProcessor {
  constructor(private readonly opts: ConsoleSinkOptions) {}

  onEmit(record: ReadableLogRecord): void {
    if ((this.opts.stream.writableLength ?? 0) > MAX_PENDING_BYTES) {
      this.opts.onSkip();
      return;
    }
    const line =
      this.opts.format === 'json' ? formatJson(record) : formatPretty(record, this.opts.color);
    this.opts.stream.write(line);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
