import { metrics } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { Histogram, HistogramMetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { histogramSeries, setHistogramSeriesSource } from '@tracelog/core';
import { afterEach, describe, expect, it } from 'vitest';
import { HistogramSeriesProducer } from '../../src/metrics/histogram-series.js';

const resource = resourceFromAttributes({ 'service.name': 'histograms' });
const SCOPE = { name: 'test-scope', version: '1.0.0' };
// Values on, between and beyond the default boundaries, zero and a fraction.
const VALUES = [0, 0.2, 5, 5.0001, 9.99, 10, 74, 75, 76, 999, 10_000, 10_000.5, 123_456, -1, NaN];

/** One provider exporting both the SDK's own histograms and the producer's series. */
function setup() {
  const producer = new HistogramSeriesProducer(resource);
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter,
    exportIntervalMillis: 60_000,
    metricProducers: [producer],
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  setHistogramSeriesSource(provider, producer);
  return { producer, reader, provider };
}

async function collected(reader: PeriodicExportingMetricReader): Promise<ResourceMetrics> {
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  return resourceMetrics;
}

function histogram(rm: ResourceMetrics, name: string): HistogramMetricData {
  const found = rm.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
  expect(found?.dataPointType).toBe(DataPointType.HISTOGRAM);
  return found as HistogramMetricData;
}

afterEach(() => {
  setHistogramSeriesSource();
  metrics.disable();
});

describe('histogram series', () => {
  it('aggregate exactly as the SDK histogram does, default and explicit boundaries', async () => {
    const { reader } = setup();
    const meter = metrics.getMeterProvider().getMeter(SCOPE.name, SCOPE.version);
    const attributes = { 'messaging.destination.name': 'orders', 'messaging.system': 'bullmq' };
    for (const boundaries of [undefined, [0.005, 0.01, 0.1, 1, 10]]) {
      const name = boundaries ? 'explicit' : 'default';
      const sdk = meter.createHistogram(`sdk.${name}`, {
        unit: 's',
        advice: boundaries && { explicitBucketBoundaries: boundaries },
      });
      const ours = histogramSeries(SCOPE, `ours.${name}`, { unit: 's', boundaries }, attributes);
      for (const value of VALUES) {
        sdk.record(value, attributes);
        ours.record(value);
      }
    }
    const rm = await collected(reader);
    for (const name of ['default', 'explicit']) {
      const sdkPoint = histogram(rm, `sdk.${name}`).dataPoints[0]!;
      const ourMetric = histogram(rm, `ours.${name}`);
      expect(ourMetric.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
      expect(ourMetric.descriptor.unit).toBe('s');
      const ourPoint = ourMetric.dataPoints[0]!;
      expect(ourPoint.attributes).toEqual(sdkPoint.attributes);
      const { buckets, count, sum, min, max } = sdkPoint.value as Histogram;
      expect(ourPoint.value).toEqual({ buckets, count, sum, min, max });
    }
    expect(
      rm.scopeMetrics.find((s) => s.metrics.some((m) => m.descriptor.name.startsWith('ours')))
        ?.scope,
    ).toEqual(SCOPE);
  });

  it('bind one series per attribute set, whatever the key order, and stay cumulative', async () => {
    const { reader } = setup();
    const a = histogramSeries(SCOPE, 'd', {}, { x: '1', y: 2 });
    const b = histogramSeries(SCOPE, 'd', {}, { y: 2, x: '1' });
    const c = histogramSeries(SCOPE, 'd', {}, { x: '2', y: 2 });
    expect(b).toBe(a);
    a.record(1);
    b.record(2);
    c.record(3);
    histogramSeries(SCOPE, 'd', {}, { x: 'never recorded' });
    let points = histogram(await collected(reader), 'd').dataPoints;
    expect(points.map((p) => [p.attributes, (p.value as Histogram).count])).toEqual([
      [{ x: '1', y: 2 }, 2],
      [{ x: '2', y: 2 }, 1],
    ]);
    a.record(4);
    points = histogram(await collected(reader), 'd').dataPoints;
    expect((points[0]!.value as Histogram).count).toBe(3);
    expect((points[0]!.value as Histogram).sum).toBe(7);
  });

  it('put attribute sets past the cardinality limit into one overflow series', async () => {
    const { reader } = setup();
    for (let i = 0; i < 2100; i++) histogramSeries(SCOPE, 'wide', {}, { id: i }).record(1);
    const points = histogram(await collected(reader), 'wide').dataPoints;
    expect(points).toHaveLength(2000);
    const overflow = points.find((p) => p.attributes['otel.metric.overflow'] === true);
    expect((overflow?.value as Histogram).count).toBe(2100 - 1999);
  });

  it('record through the metrics API when the global provider is not ours', async () => {
    const { reader } = setup();
    // Another SDK takes over the global provider: the series must reach its histograms.
    metrics.disable();
    const other = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const otherReader = new PeriodicExportingMetricReader({
      exporter: other,
      exportIntervalMillis: 60_000,
    });
    metrics.setGlobalMeterProvider(new MeterProvider({ resource, readers: [otherReader] }));
    histogramSeries(SCOPE, 'elsewhere', { unit: 's' }, { q: 'x' }).record(0.5);
    const point = histogram(await collected(otherReader), 'elsewhere').dataPoints[0]!;
    expect(point.attributes).toEqual({ q: 'x' });
    expect((point.value as Histogram).sum).toBe(0.5);
    expect((await collected(reader)).scopeMetrics).toEqual([]);
  });
});
