import { metrics } from '@opentelemetry/api';
import type { Attributes, MeterProvider } from '@opentelemetry/api';
import { HISTOGRAM_SERIES_SLOT } from './globals.js';

/** One series of a histogram (one attribute set): `record` adds a value to it. */
export interface HistogramSeries {
  record(value: number): void;
}

export interface HistogramSeriesOptions {
  description?: string;
  unit?: string;
  /** Explicit bucket boundaries; the SDK's defaults when absent. */
  boundaries?: number[];
}

/**
 * What a tracelog SDK offers instrumentations that record into the same few series over and over
 * (a queue's jobs, an HTTP route): a series bound once, so a record is a bucket increment rather
 * than the SDK's attribute hashing per call.
 */
export interface HistogramSeriesSource {
  series(
    scope: { name: string; version?: string },
    name: string,
    options: HistogramSeriesOptions,
    attributes: Attributes,
  ): HistogramSeries;
}

type Slot = {
  [HISTOGRAM_SERIES_SLOT]?: { provider: MeterProvider; source: HistogramSeriesSource };
};

/**
 * Installs the source `histogramSeries` uses for `provider` (the meter provider whose export
 * includes its series); with no arguments, removes it.
 */
export function setHistogramSeriesSource(
  provider?: MeterProvider,
  source?: HistogramSeriesSource,
): void {
  (globalThis as Slot)[HISTOGRAM_SERIES_SLOT] =
    provider && source ? { provider, source } : undefined;
}

/**
 * The series of histogram `name` for `attributes`. When `provider` (the global one by default) is
 * the one a tracelog SDK installed, the series is that SDK's bound series; with any other provider
 * it records through the metrics API, so instrumentations work under every SDK.
 */
export function histogramSeries(
  scope: { name: string; version?: string },
  name: string,
  options: HistogramSeriesOptions,
  attributes: Attributes,
  provider: MeterProvider = metrics.getMeterProvider(),
): HistogramSeries {
  const installed = (globalThis as Slot)[HISTOGRAM_SERIES_SLOT];
  if (installed?.provider === provider)
    return installed.source.series(scope, name, options, attributes);
  const histogram = provider.getMeter(scope.name, scope.version).createHistogram(name, {
    description: options.description,
    unit: options.unit,
    advice: options.boundaries ? { explicitBucketBoundaries: options.boundaries } : undefined,
  });
  return { record: (value) => histogram.record(value, attributes) };
}
