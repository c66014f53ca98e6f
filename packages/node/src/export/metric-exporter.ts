import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { Diagnostics } from '../internal/diag.js';
import type { Channel } from './channel.js';

/**
 * Metrics through the same durable channel as logs and spans, and under the same one flush:
 * waiting for delivery is bounded by the deadline the exporter's `flush(deadline)` is given.
 */
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

  /**
   * Resolves when the metrics exported so far are delivered (or spooled), or at `deadline` (epoch
   * ms), the deadline of the exporter's one flush, which passes it. The meter calls this without
   * one from inside that flush (its forceFlush and shutdown, before the exporter's flush): then it
   * only hands over and returns, and the exporter's flush right after waits under the deadline.
   */
  forceFlush(deadline: number = Date.now()): Promise<void> {
    return this.channel.flush(Math.max(0, deadline - Date.now()));
  }

  shutdown(deadline?: number): Promise<void> {
    return this.forceFlush(deadline);
  }
}
