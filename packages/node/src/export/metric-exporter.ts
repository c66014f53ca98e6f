import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Diagnostics } from '../internal/diag.js';
import type { Channel } from './channel.js';

/** Metrics through the same durable channel as logs and spans. */
export class ChannelMetricExporter implements PushMetricExporter {
  constructor(
    private readonly channel: Channel,
    private readonly serialize: (metrics: ResourceMetrics) => Uint8Array | undefined,
    private readonly diag: Diagnostics,
  ) {}

  export(metrics: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    try {
      const points = metrics.scopeMetrics.reduce((sum, scope) => sum + scope.metrics.length, 0);
      const body = points > 0 ? this.serialize(metrics) : undefined;
      if (body) this.channel.submit(body, points);
    } catch (error) {
      this.diag.warn('metrics', `could not encode metrics: ${String(error)}`);
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  forceFlush(): Promise<void> {
    return this.channel.flush(1000);
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }
}
