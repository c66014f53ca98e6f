import { logs, metrics, trace } from '@opentelemetry/api';
import type {
  Attributes,
  Logger,
  LoggerProvider,
  MeterProvider,
  ObservableResult,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { ATTR, METRIC, histogramSeries } from '@tracelog/core';
import type { HistogramSeries } from '@tracelog/core';
import { QueueMap } from './queue-map.js';
import { VERSION } from './version.js';

export const SCOPE = '@tracelog/queue-instrumentation';

/** Per-destination counts behind the counter metrics, and the attribute set they are reported with. */
export interface Destination {
  readonly attributes: Attributes;
  sent: number;
  consumed: number;
  active: number;
}

/** A destination's series of the two duration histograms, bound once per meter provider. */
interface DestinationSeries {
  wait: HistogramSeries;
  process: HistogramSeries;
}

const destinations = new QueueMap<Destination>();

/** The counts and metric attributes of one queue of one messaging system, made once. */
export function destination(system: string, queue: string): Destination {
  let found = destinations.get(system, queue);
  if (!found) {
    found = {
      attributes: { [ATTR.MESSAGING_SYSTEM]: system, [ATTR.MESSAGING_DESTINATION_NAME]: queue },
      sent: 0,
      consumed: 0,
      active: 0,
    };
    destinations.set(system, queue, found);
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
  /** The destination's wait and process duration series (successful attempts). */
  series(where: Destination): DestinationSeries;
  /** The process duration series of a failed attempt, by error type. */
  failedSeries(where: Destination, errorType: string): HistogramSeries;
}

const PROCESS_DURATION = {
  unit: 's',
  description: 'Duration of processing one job attempt',
};
const WAIT_DURATION = { unit: 's', description: 'Time from enqueue to processing start' };
const SCOPE_ID = { name: SCOPE, version: VERSION };

let current: Instruments | undefined;
let madeFor: [TracerProvider, LoggerProvider, MeterProvider] | undefined;

/**
 * The tracer, logger and histograms, looked up once rather than per job, and again whenever a
 * global provider changes (init after the first job, or a new init after shutdown): an instrument
 * taken from a provider that was shut down would drop everything.
 *
 * The counters (`messaging.client.sent.messages`, `…consumed.messages`, `bullmq.jobs.active`) are
 * observable instruments over plain per-queue counts, and the duration histograms are series
 * bound once per queue (`histogramSeries`): the SDK's synchronous instruments hash their
 * attribute set on every record, several times per job, which showed up in the queue benchmark;
 * the exported series are the same.
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
  const bound = new WeakMap<Destination, DestinationSeries>();
  current = {
    tracer: tracers.getTracer(SCOPE, VERSION),
    logger: loggers.getLogger(SCOPE, VERSION),
    series(where) {
      let found = bound.get(where);
      if (!found) {
        found = {
          wait: histogramSeries(
            SCOPE_ID,
            METRIC.JOB_WAIT_DURATION,
            WAIT_DURATION,
            where.attributes,
          ),
          process: histogramSeries(
            SCOPE_ID,
            METRIC.MESSAGING_PROCESS_DURATION,
            PROCESS_DURATION,
            where.attributes,
          ),
        };
        bound.set(where, found);
      }
      return found;
    },
    failedSeries: (where, errorType) =>
      histogramSeries(SCOPE_ID, METRIC.MESSAGING_PROCESS_DURATION, PROCESS_DURATION, {
        ...where.attributes,
        [ATTR.ERROR_TYPE]: errorType,
      }),
  };
  madeFor = [tracers, loggers, meters];
  return current;
}
