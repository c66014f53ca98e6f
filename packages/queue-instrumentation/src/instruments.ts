import { logs, metrics, trace } from '@opentelemetry/api';
import type {
  Attributes,
  Histogram,
  Logger,
  LoggerProvider,
  MeterProvider,
  ObservableResult,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { ATTR, METRIC } from '@tracelog/core';
import { VERSION } from './version.js';

export const SCOPE = '@tracelog/queue-instrumentation';

/** Per-destination counts behind the counter metrics, and the attribute set they are reported with. */
export interface Destination {
  readonly attributes: Attributes;
  sent: number;
  consumed: number;
  active: number;
}

const destinations = new Map<string, Destination>();

/** The counts and metric attributes of one queue of one messaging system, made once. */
export function destination(system: string, queue: string): Destination {
  const key = `${system}\u0000${queue}`;
  let found = destinations.get(key);
  if (!found) {
    found = {
      attributes: { [ATTR.MESSAGING_SYSTEM]: system, [ATTR.MESSAGING_DESTINATION_NAME]: queue },
      sent: 0,
      consumed: 0,
      active: 0,
    };
    destinations.set(key, found);
  }
  return found;
}

function observeAll(field: 'sent' | 'consumed' | 'active') {
  return (result: ObservableResult) => {
    for (const d of destinations.values()) result.observe(d[field], d.attributes);
  };
}

interface Instruments {
  tracer: Tracer;
  logger: Logger;
  processDuration: Histogram;
  waitDuration: Histogram;
}

let current: Instruments | undefined;
let madeFor: [TracerProvider, LoggerProvider, MeterProvider] | undefined;

/**
 * The tracer, logger and histograms, looked up once rather than per job, and again whenever a
 * global provider changes (init after the first job, or a new init after shutdown): an instrument
 * taken from a provider that was shut down would drop everything.
 *
 * The counters (`messaging.client.sent.messages`, `…consumed.messages`, `bullmq.jobs.active`) are
 * observable instruments over plain per-queue counts: a synchronous counter hashes its attribute
 * set on every add, three to four times per job, which showed up in the queue benchmark; the
 * exported series are the same.
 */
export function instruments(): Instruments {
  const tracers = trace.getTracerProvider();
  const loggers = logs.getLoggerProvider();
  const meters = metrics.getMeterProvider();
  if (current && madeFor?.[0] === tracers && madeFor[1] === loggers && madeFor[2] === meters)
    return current;
  const meter = meters.getMeter(SCOPE, VERSION);
  meter
    .createObservableCounter(METRIC.MESSAGING_CLIENT_SENT_MESSAGES, {
      description: 'Jobs handed to the queue',
    })
    .addCallback(observeAll('sent'));
  meter
    .createObservableCounter(METRIC.MESSAGING_CLIENT_CONSUMED_MESSAGES, {
      description: 'Jobs taken for processing',
    })
    .addCallback(observeAll('consumed'));
  meter
    .createObservableUpDownCounter(METRIC.JOB_ACTIVE, { description: 'Jobs being processed' })
    .addCallback(observeAll('active'));
  current = {
    tracer: tracers.getTracer(SCOPE, VERSION),
    logger: loggers.getLogger(SCOPE, VERSION),
    processDuration: meter.createHistogram(METRIC.MESSAGING_PROCESS_DURATION, {
      unit: 's',
      description: 'Duration of processing one job attempt',
    }),
    waitDuration: meter.createHistogram(METRIC.JOB_WAIT_DURATION, {
      unit: 's',
      description: 'Time from enqueue to processing start',
    }),
  };
  madeFor = [tracers, loggers, meters];
  return current;
}
