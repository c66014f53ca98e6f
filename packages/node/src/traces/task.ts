import { SpanStatusCode, context, logs, trace } from '@opentelemetry/api';
import type { AttributeValue, Attributes, Context, Span } from '@opentelemetry/api';
import {
  ATTR,
  EVENT,
  SEVERITY_NUMBER,
  TASK_OUTCOME,
  layered,
  ownRecordSink,
  pipelineRedactor,
  setScopedAttributes,
} from '@tracelog/core';
import type { EncodedAttributes, OwnRecordWriter, Redactor } from '@tracelog/core';
import { addFlattened, exceptionAttributes, isError } from '../logs/attributes.js';
import { SEVERITY_TEXT } from '../logs/record.js';

const tracer = () => trace.getTracer('@tracelog/node');

export interface TaskOptions {
  /** What kind of work this is (`data`, `strategy`, `position`, `risk`, `analytics`, …). */
  category?: string;
  /** An id for this run (a job or message id); generated when absent. */
  id?: string;
  /** The task's arguments; recorded redacted as `task.args`. */
  args?: unknown;
  /** Extra attributes for the span and every event of this task. */
  attributes?: Record<string, unknown>;
  /**
   * The component (logger scope) of the task's events.
   * @default 'task'
   */
  component?: string;
}

export interface TaskContext {
  /** The task run's id. */
  readonly id: string;
  /** The task's span, for attributes of your own. */
  readonly span: Span;
  /** Records a `task.step` event: progress inside the task, with its own attributes. */
  step(name: string, attributes?: Record<string, unknown>): void;
}

let taskCounter = 0;

/**
 * Runs a unit of background work as a span with `task.start`, `task.step`, `task.success` and
 * `task.failure` events carrying the duration and full error details, so a job's progress and
 * the reason it failed can be read in one place. Logs written inside carry the task's trace id and attributes. A failure is
 * recorded and rethrown unchanged.
 */
export function task<T>(
  name: string,
  options: TaskOptions,
  fn: (task: TaskContext) => T | Promise<T>,
): Promise<Awaited<T>> {
  const id =
    options.id ??
    `${process.pid.toString(36)}-${Date.now().toString(36)}-${(taskCounter++).toString(36)}`;
  const common: Attributes = { [ATTR.TASK_NAME]: name, [ATTR.TASK_ID]: id };
  if (options.category) common[ATTR.TASK_CATEGORY] = options.category;
  for (const [key, value] of Object.entries(options.attributes ?? {}))
    addFlattened(common, key, value);
  const logger = logs.getLogger(options.component ?? 'task');

  return tracer().startActiveSpan(`task ${name}`, { attributes: common }, async (span) => {
    const ctx = setScopedAttributes(context.active(), common);
    const start = performance.now();
    const records = new TaskRecords(logger, options.component ?? 'task', common, span, ctx);
    const emit = (eventName: string, severity: 'info' | 'error', body: string, extra: Attributes) =>
      records.emit({ eventName, severity, body, extra });
    const startAttributes: Attributes = {};
    if (options.args !== undefined) addFlattened(startAttributes, ATTR.TASK_ARGS, options.args);
    emit(EVENT.TASK_START, 'info', `${name} started`, startAttributes);

    const handle: TaskContext = {
      id,
      span,
      step(stepName, attributes = {}) {
        const extra: Attributes = { [ATTR.TASK_STEP]: stepName };
        for (const [key, value] of Object.entries(attributes)) addFlattened(extra, key, value);
        extra[ATTR.TASK_DURATION_MS] = round(performance.now() - start);
        emit(EVENT.TASK_STEP, 'info', `${name}: ${stepName}`, extra);
      },
    };
    try {
      const result = await context.with(ctx, () => fn(handle));
      const duration = round(performance.now() - start);
      span.setAttribute(ATTR.TASK_DURATION_MS, duration);
      emit(EVENT.TASK_SUCCESS, 'info', `${name} succeeded`, {
        [ATTR.TASK_DURATION_MS]: duration,
        [ATTR.TASK_OUTCOME]: TASK_OUTCOME.SUCCESS,
      });
      return result;
    } catch (error) {
      const duration = round(performance.now() - start);
      const exception = exceptionAttributes(error);
      span.recordException(isError(error) ? error : String(error));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: String(exception[ATTR.EXCEPTION_MESSAGE]),
      });
      span.setAttribute(ATTR.ERROR_TYPE, String(exception[ATTR.EXCEPTION_TYPE]));
      emit(
        EVENT.TASK_FAILURE,
        'error',
        `${name} failed: ${String(exception[ATTR.EXCEPTION_MESSAGE])}`,
        {
          ...exception,
          [ATTR.TASK_DURATION_MS]: duration,
          [ATTR.TASK_OUTCOME]: TASK_OUTCOME.FAILURE,
        },
      );
      throw error;
    } finally {
      span.end();
    }
  }) as Promise<Awaited<T>>;
}

/** One `task.*` record: its own parts; the task's attributes, span and context are shared. */
interface TaskRecord {
  eventName: string;
  severity: 'info' | 'error';
  body: string;
  extra: Attributes;
}

/**
 * The records of one task run. Where the SDK offers the direct path (`OwnRecordSink`) each is
 * written straight into the export request, the task's attributes redacted and encoded once for
 * all of them; elsewhere through the logs API, which the pipeline redacts. Both give the same
 * record: values redacted by key, the body as a whole, as the pipeline does for any record.
 */
class TaskRecords {
  private encoded: EncodedAttributes | undefined;
  private record: TaskRecord | undefined;
  private redactor: Redactor | undefined;

  constructor(
    private readonly logger: ReturnType<typeof logs.getLogger>,
    private readonly component: string,
    private readonly common: Attributes,
    private readonly span: Span,
    private readonly ctx: Context,
  ) {}

  emit(record: TaskRecord): void {
    const sink = ownRecordSink();
    const redactor = pipelineRedactor() ?? undefined;
    // A step's attribute of the same key as the task's takes its place in the record: rare, and
    // left to the general path, which merges the two maps.
    if (!sink || sink.redactor !== redactor || overlaps(this.common, record.extra)) {
      this.logger.emit({
        eventName: record.eventName,
        severityNumber: SEVERITY_NUMBER[record.severity],
        severityText: SEVERITY_TEXT[record.severity],
        body: record.body,
        attributes: { ...this.common, ...record.extra },
        context: this.ctx,
      });
      return;
    }
    if (!this.encoded || this.redactor !== redactor) {
      this.redactor = redactor;
      this.encoded = sink.encode(redactedAll(this.common, redactor));
    }
    this.record = record;
    sink.emit(this.component, undefined, writeTaskRecord, this);
  }

  /** Writes the record `emit` was given (see `writeTaskRecord`). */
  write(w: OwnRecordWriter): void {
    const { eventName, severity, body, extra } = this.record!;
    const r = this.redactor;
    w.head(
      eventName,
      SEVERITY_NUMBER[severity],
      SEVERITY_TEXT[severity],
      r ? r.redactString(body) : body,
    );
    w.span(this.span.spanContext());
    w.encoded(this.encoded!);
    for (const key in extra) {
      const value = extra[key];
      if (value !== undefined)
        w.plain(key, r ? (r.redactValue(value, key) as AttributeValue) : value);
    }
    w.context(this.ctx);
  }
}

function writeTaskRecord(w: OwnRecordWriter, records: TaskRecords): void {
  records.write(w);
}

function overlaps(common: Attributes, extra: Attributes): boolean {
  for (const key in extra) if (key in common) return true;
  return false;
}

/** Every value redacted under its key, as the pipeline redacts a record's attributes. */
function redactedAll(attributes: Attributes, r: Redactor | undefined): Attributes {
  if (!r) return attributes;
  const out: Attributes = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = r.redactValue(value, key) as AttributeValue;
  }
  return out;
}

export interface TimedOptions {
  /**
   * Also record the heap growth during the call (`function.heap_delta_bytes`): costs two
   * `process.memoryUsage()` calls per invocation.
   * @default false
   */
  memory?: boolean;
  /** @default 'debug' */
  level?: 'debug' | 'info';
  /** @default 'perf' */
  component?: string;
}

/**
 * Wraps `fn` so every call is a span plus a `function.timing` record with its duration (and
 * optionally its heap growth), for the functions whose speed people watch (a pricing step, a
 * report query). Sync functions stay sync; async ones are timed until they settle.
 */
export function timed<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => R,
  options: TimedOptions = {},
): (...args: A) => R {
  const level = options.level ?? 'debug';
  const logger = logs.getLogger(options.component ?? 'perf');
  return function (this: unknown, ...args: A): R {
    const span = tracer().startSpan(name, { attributes: { [ATTR.CODE_FUNCTION_NAME]: name } });
    const ctx = trace.setSpan(layered(context.active()), span);
    const heapBefore = options.memory ? process.memoryUsage().heapUsed : 0;
    const start = performance.now();
    const finish = (error?: unknown) => {
      const attributes: Attributes = {
        [ATTR.CODE_FUNCTION_NAME]: name,
        [ATTR.FUNCTION_DURATION_MS]: round(performance.now() - start),
      };
      if (options.memory) {
        attributes[ATTR.FUNCTION_HEAP_DELTA_BYTES] = process.memoryUsage().heapUsed - heapBefore;
      }
      if (error !== undefined) {
        Object.assign(attributes, exceptionAttributes(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.recordException(isError(error) ? error : String(error));
      }
      span.setAttributes(attributes);
      span.end();
      logger.emit({
        eventName: EVENT.FUNCTION_TIMING,
        severityNumber: SEVERITY_NUMBER[error === undefined ? level : 'error'],
        severityText: SEVERITY_TEXT[error === undefined ? level : 'error'],
        body: `${name} took ${String(attributes[ATTR.FUNCTION_DURATION_MS])} ms`,
        attributes,
        context: ctx,
      });
    };
    let result: R;
    try {
      result = context.with(ctx, () => fn.apply(this, args));
    } catch (error) {
      finish(error);
      throw error;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => {
          finish();
          return value;
        },
        (error: unknown) => {
          finish(error);
          throw error;
        },
      ) as R;
    }
    finish();
    return result;
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
