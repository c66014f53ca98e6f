import { ValueType } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { HrTime } from '@opentelemetry/api';
import type { InstrumentationScope } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType } from '@opentelemetry/sdk-metrics';
import type {
  CollectionResult,
  HistogramMetricData,
  MetricProducer,
  ScopeMetrics,
} from '@opentelemetry/sdk-metrics';
import type {
  HistogramSeries,
  HistogramSeriesOptions,
  HistogramSeriesSource,
} from '@tracelog/core';

/** The SDK's default explicit bucket boundaries. */
const DEFAULT_BOUNDARIES = [
  0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000,
];

/** Series per histogram beyond which new attribute sets share one overflow series, as the SDK's. */
const CARDINALITY_LIMIT = 2000;
const OVERFLOW: Attributes = { 'otel.metric.overflow': true };
const OVERFLOW_KEY = attributeKey(OVERFLOW);

/** One attribute set's cumulative buckets, recorded as the SDK's explicit-bucket aggregator does. */
class Series implements HistogramSeries {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly counts: number[];

  constructor(
    readonly attributes: Attributes,
    private readonly boundaries: number[],
  ) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    // As the SDK's histogram: negative values are not measurements of a duration or size.
    if (!(value >= 0)) return;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const boundaries = this.boundaries;
    // Bucket i holds (boundaries[i-1], boundaries[i]]; few boundaries, so a linear scan.
    let i = 0;
    while (i < boundaries.length && boundaries[i]! < value) i++;
    this.counts[i]!++;
  }
}

interface Histogram {
  name: string;
  description: string;
  unit: string;
  boundaries: number[];
  series: Map<string, Series>;
}

/**
 * The histograms our instrumentations record into through `histogramSeries` (queue wait and
 * process durations, HTTP server durations), exported with the SDK's own metrics as one more
 * producer of the metric reader. Each series is bound once by attribute set, so recording costs
 * a bucket increment: the SDK sorts, maps and stringifies the attribute set on every record,
 * which was the largest allocation per job in the queue benchmark. Cumulative, as the reader's
 * exporter asks of every instrument.
 */
export class HistogramSeriesProducer implements MetricProducer, HistogramSeriesSource {
  private readonly scopes = new Map<
    string,
    { scope: InstrumentationScope; histograms: Map<string, Histogram> }
  >();
  private readonly startTime: HrTime = millisToHrTime(Date.now());

  constructor(private readonly resource: Resource) {}

  series(
    scope: { name: string; version?: string },
    name: string,
    options: HistogramSeriesOptions,
    attributes: Attributes,
  ): HistogramSeries {
    const scopeKey = `${scope.name}\u0000${scope.version ?? ''}`;
    let entry = this.scopes.get(scopeKey);
    if (!entry) {
      entry = { scope: { name: scope.name, version: scope.version }, histograms: new Map() };
      this.scopes.set(scopeKey, entry);
    }
    let histogram = entry.histograms.get(name);
    if (!histogram) {
      histogram = {
        name,
        description: options.description ?? '',
        unit: options.unit ?? '',
        boundaries: options.boundaries ?? DEFAULT_BOUNDARIES,
        series: new Map(),
      };
      entry.histograms.set(name, histogram);
    }
    const key = attributeKey(attributes);
    let found = histogram.series.get(key);
    if (!found) {
      const overflow = histogram.series.size >= CARDINALITY_LIMIT - 1;
      found = overflow ? histogram.series.get(OVERFLOW_KEY) : undefined;
      if (!found) {
        found = new Series(overflow ? OVERFLOW : { ...attributes }, histogram.boundaries);
        histogram.series.set(overflow ? OVERFLOW_KEY : key, found);
      }
    }
    return found;
  }

  collect(): Promise<CollectionResult> {
    const endTime = millisToHrTime(Date.now());
    const scopeMetrics: ScopeMetrics[] = [];
    for (const { scope, histograms } of this.scopes.values()) {
      const metrics: HistogramMetricData[] = [];
      for (const h of histograms.values()) {
        const dataPoints = [...h.series.values()]
          .filter((s) => s.count > 0)
          .map((s) => ({
            startTime: this.startTime,
            endTime,
            attributes: s.attributes,
            value: {
              buckets: { boundaries: h.boundaries, counts: [...s.counts] },
              count: s.count,
              sum: s.sum,
              min: s.min,
              max: s.max,
            },
          }));
        if (dataPoints.length === 0) continue;
        metrics.push({
          descriptor: {
            name: h.name,
            description: h.description,
            unit: h.unit,
            valueType: ValueType.DOUBLE,
          },
          aggregationTemporality: AggregationTemporality.CUMULATIVE,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints,
        });
      }
      if (metrics.length > 0) scopeMetrics.push({ scope, metrics });
    }
    return Promise.resolve({
      resourceMetrics: { resource: this.resource, scopeMetrics },
      errors: [],
    });
  }
}

/** An attribute set's identity, whatever the order of its keys (made once per series lookup). */
function attributeKey(attributes: Attributes): string {
  return JSON.stringify(
    Object.keys(attributes)
      .sort()
      .map((key) => [key, attributes[key]]),
  );
}
