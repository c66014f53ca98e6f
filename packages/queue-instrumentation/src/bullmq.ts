import { ROOT_CONTEXT, context, diag } from '@opentelemetry/api';
import {
  ATTR,
  BULLMQ_PATCHED,
  EVENT,
  OWN_RECORD,
  SEVERITY_NUMBER,
  ownRecord,
} from '@tracelog/core';
import { parseCarrier } from './carrier.js';
import { instruments } from './instruments.js';
import { runAttempt } from './job.js';
import type { ControlFlow, JobInfo } from './job.js';
import { resolveOptions } from './options.js';
import type { ResolvedOptions } from './options.js';
import { enqueueOne, enqueueTraced, startEnqueue } from './producer.js';
import type { Enqueue } from './producer.js';
import type { QueueInstrumentationOptions } from './types.js';
import { startStatsTimer } from './worker-stats.js';

type Fn = (...args: unknown[]) => unknown;
type Proto = Record<string, unknown>;
type BullModule = Record<string, { prototype: Proto }>;
interface BullJob {
  id?: string;
  name: string;
  data: unknown;
  opts: { attempts?: number; delay?: number; repeat?: unknown; telemetry?: { metadata?: string } };
  attemptsMade: number;
  timestamp: number;
  repeatJobKey?: string;
  queueName: string;
}
interface FlowNode {
  name: string;
  queueName: string;
  data?: unknown;
  opts?: { telemetry?: { metadata?: string } };
  children?: FlowNode[];
}

const CONTROL_FLOW = new Set([
  'DelayedError',
  'WaitingError',
  'WaitingChildrenError',
  'RateLimitError',
]);

/**
 * Patches the prototypes of BullMQ's classes in each module object given (a bundle's inlined
 * copy has classes of its own: pass it too), so jobs are traced and logged whenever the app
 * imported bullmq — no loader hook needed. `@tracelog/node`'s `init()` finds the application's
 * bullmq itself and passes it here.
 */
export function instrumentBullMQ(options: QueueInstrumentationOptions = {}): { disable(): void } {
  const undo: Array<() => void> = [];
  if (!options.modules)
    diag.warn(
      'queue instrumentation: no bullmq modules given (modules: [bullmq]); nothing patched',
    );
  for (const mod of options.modules ?? []) {
    try {
      undo.push(...patchModule(mod as BullModule, options));
    } catch (error) {
      process.stderr.write(`tracelog: could not instrument bullmq: ${String(error)}\n`);
    }
  }
  return {
    disable() {
      for (const restore of undo.splice(0).reverse()) restore();
    },
  };
}

/** Replaces `proto[method]` with `make(original)`, unless a patch of ours is already there. */
type Wrap = (proto: Proto | undefined, method: string, make: (original: Fn) => Fn) => void;

/** Patches one bullmq module object's classes; returns how to undo each patch. */
function patchModule(mod: BullModule, options: QueueInstrumentationOptions): Array<() => void> {
  const undo: Array<() => void> = [];
  const wrap = wrapper(undo);
  const resolved = resolveOptions(options);
  patchQueue(mod, wrap, resolved);
  patchFlowProducer(mod, wrap, resolved);
  patchWorker(mod, wrap, resolved, undo);
  patchJobProgress(mod, wrap);
  return undo;
}

/** A `Wrap` that marks each wrapper (so a class is never patched twice) and records its undo. */
function wrapper(undo: Array<() => void>): Wrap {
  return (proto, method, make) => {
    if (
      !proto ||
      typeof proto[method] !== 'function' ||
      (proto[method] as { [BULLMQ_PATCHED]?: boolean })[BULLMQ_PATCHED]
    )
      return;
    const original = proto[method] as Fn;
    const wrapped = make(original) as Fn & { [BULLMQ_PATCHED]?: boolean };
    wrapped[BULLMQ_PATCHED] = true;
    proto[method] = wrapped;
    undo.push(() => {
      proto[method] = original;
    });
  };
}

/** Producers: `Queue.add` and `Queue.addBulk` put the enqueuing context into each job. */
function patchQueue(mod: BullModule, wrap: Wrap, resolved: ResolvedOptions): void {
  const recordData = resolved.recordJobData;
  wrap(
    mod.Queue?.prototype,
    'add',
    (original) =>
      function (this: { name: string }, ...args: unknown[]) {
        const [name, data, opts] = args as [string, unknown, BullJob['opts'] | undefined];
        if (opts?.telemetry?.metadata) return original.apply(this, args);
        const e: Enqueue = {
          system: 'bullmq',
          queue: this.name,
          operation: 'send',
          operationName: 'add',
          fanOut: false,
          recordData,
        };
        return enqueueOne(
          e,
          { name, data },
          () => original.apply(this, args),
          (metadata) =>
            original.call(this, name, data, withMetadata(opts, metadata)) as Promise<BullJob>,
          (job) => [job?.id],
        );
      },
  );

  wrap(
    mod.Queue?.prototype,
    'addBulk',
    (original) =>
      function (this: { name: string }, ...args: unknown[]) {
        const [jobs] = args as [Array<{ name: string; data: unknown; opts?: BullJob['opts'] }>];
        if (!Array.isArray(jobs)) return original.apply(this, args);
        const e: Enqueue = {
          system: 'bullmq',
          queue: this.name,
          operation: 'send',
          operationName: 'addBulk',
          fanOut: jobs.length > resolved.fanOutThreshold,
          recordData,
        };
        // One span for the call, then the real bulk add with its carrier in every job that has
        // no creation context of its own.
        const pending = startEnqueue(e, jobs);
        if (!pending) return original.apply(this, args);
        const prepared = jobs.map((job) =>
          job.opts?.telemetry?.metadata
            ? job
            : { ...job, opts: withMetadata(job.opts, pending.metadata) },
        );
        return enqueueTraced(
          e,
          jobs,
          pending,
          context.active(),
          () => original.call(this, prepared) as Promise<BullJob[]>,
          (added) => added.map((job) => job?.id),
        );
      },
  );
}

/** Flows: `FlowProducer.add` puts the flow's context into every node. */
function patchFlowProducer(mod: BullModule, wrap: Wrap, resolved: ResolvedOptions): void {
  const recordData = resolved.recordJobData;
  wrap(
    mod.FlowProducer?.prototype,
    'add',
    (original) =>
      function (this: unknown, ...args: unknown[]) {
        const [flow, opts] = args as [FlowNode, unknown];
        const e: Enqueue = {
          system: 'bullmq',
          queue: flow.queueName,
          operation: 'create',
          operationName: 'add',
          fanOut: false,
          recordData,
        };
        return enqueueOne(
          e,
          { name: flow.name, data: flow.data },
          () => original.apply(this, args),
          // Every node, children without opts included, carries the flow's context.
          (metadata) =>
            original.call(this, stampFlow(flow, metadata), opts) as Promise<{ job: BullJob }>,
          (node) => [node?.job?.id],
        );
      },
  );
}

/**
 * Consumers: each job a worker processes runs as one attempt (span and lifecycle records), and a
 * running worker reports its stats.
 */
function patchWorker(
  mod: BullModule,
  wrap: Wrap,
  resolved: ResolvedOptions,
  undo: Array<() => void>,
): void {
  const recordData = resolved.recordJobData;
  const isControlFlow: ControlFlow = (error) =>
    error instanceof Error &&
    (CONTROL_FLOW.has(error.name) || error.message === 'bullmq:rateLimitExceeded');
  wrap(
    mod.Worker?.prototype,
    'callProcessJob',
    (original) =>
      function (this: unknown, ...args: unknown[]) {
        const job = args[0] as BullJob;
        let info: JobInfo;
        try {
          info = jobInfo(job, recordData);
        } catch {
          // Not a job this version knows how to read: run it untraced.
          return original.apply(this, args);
        }
        return runAttempt(
          info,
          () => original.apply(this, args) as Promise<unknown>,
          resolved,
          isControlFlow,
        );
      },
  );

  // The worker's own loops (polling, stalled checks, lock renewal) never run inside a request's
  // context, whatever context the worker was created or started in. A running worker has a
  // stats timer, so it reports after going idle too; closing the worker (or disabling the
  // instrumentation) stops it.
  const statsTimers = new Map<object, () => void>();
  undo.push(() => {
    for (const stop of statsTimers.values()) stop();
    statsTimers.clear();
  });
  wrap(
    mod.Worker?.prototype,
    'run',
    (original) =>
      function (this: { name: string }, ...args: unknown[]) {
        try {
          if (!statsTimers.has(this))
            statsTimers.set(this, startStatsTimer('bullmq', this.name, resolved));
        } catch (error) {
          diag.warn(`queue instrumentation: could not start worker stats: ${String(error)}`);
        }
        return context.with(ROOT_CONTEXT, () => original.apply(this, args));
      },
  );
  wrap(
    mod.Worker?.prototype,
    'close',
    (original) =>
      function (this: object, ...args: unknown[]) {
        statsTimers.get(this)?.();
        statsTimers.delete(this);
        return original.apply(this, args);
      },
  );
}

/** `Job.updateProgress` records the progress it reports. */
function patchJobProgress(mod: BullModule, wrap: Wrap): void {
  wrap(
    mod.Job?.prototype,
    'updateProgress',
    (original) =>
      function (this: BullJob, ...args: unknown[]) {
        try {
          instruments().logger.emit(
            ownRecord({
              eventName: EVENT.JOB_PROGRESS,
              severityNumber: SEVERITY_NUMBER.info,
              severityText: 'INFO',
              body: `${this.name} #${String(this.id)} progress`,
              attributes: {
                [ATTR.MESSAGING_SYSTEM]: 'bullmq',
                [ATTR.MESSAGING_DESTINATION_NAME]: this.queueName,
                [ATTR.MESSAGING_MESSAGE_ID]: String(this.id),
                [ATTR.JOB_NAME]: this.name,
                [ATTR.JOB_PROGRESS]:
                  typeof args[0] === 'number' ? args[0] : JSON.stringify(args[0] ?? null),
              },
              [OWN_RECORD]: true,
            }),
          );
        } catch (error) {
          diag.warn(`queue instrumentation: could not record job progress: ${String(error)}`);
        }
        return original.apply(this, args);
      },
  );
}

function jobInfo(job: BullJob, recordData: boolean): JobInfo {
  const carrier = parseCarrier(job.opts?.telemetry?.metadata);
  const attempt = (job.attemptsMade ?? 0) + 1;
  const delay = job.opts?.delay ?? 0;
  return {
    system: 'bullmq',
    queue: job.queueName,
    name: job.name,
    id: String(job.id),
    attempt,
    maxAttempts: Math.max(1, job.opts?.attempts ?? 1),
    carrier,
    enqueuedAt: job.timestamp + delay,
    detached: Boolean(
      job.opts?.repeat || job.repeatJobKey || delay > 0 || attempt > 1 || carrier?.fanOut,
    ),
    data: recordData ? job.data : undefined,
  };
}

/** A job's options with the carrier (as JSON) in BullMQ's telemetry metadata. */
function withMetadata<T extends { telemetry?: { metadata?: string } }>(
  opts: T | undefined,
  metadata: string,
): T {
  return { ...(opts ?? ({} as T)), telemetry: { ...opts?.telemetry, metadata } };
}

function stampFlow(node: FlowNode, metadata: string): FlowNode {
  return {
    ...node,
    opts: node.opts?.telemetry?.metadata ? node.opts : withMetadata(node.opts, metadata),
    ...(node.children && { children: node.children.map((child) => stampFlow(child, metadata)) }),
  };
}
