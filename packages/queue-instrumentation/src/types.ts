// The options contract lives in @tracelog/core, so @tracelog/node's public types can name it
// without requiring this optional package.
export type { QueueInstrumentationOptions } from '@tracelog/core';

/** Where a job came from, carried inside the job. */
export interface JobCarrier {
  traceparent?: string;
  tracestate?: string;
  baggage?: string;
  /** The trace id of the code that enqueued the first job of this conversation. */
  conversation?: string;
  /** Scoped context attributes (`withContext`) at enqueue time. */
  scoped?: Record<string, string | number | boolean>;
  /** Part of a fan-out larger than the threshold: `auto` starts its own trace. */
  fanOut?: boolean;
}
