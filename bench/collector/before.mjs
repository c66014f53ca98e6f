// The pipeline we shipped until December 2026 (config.before.yaml, verbatim): every pipeline
// received from the receiver and ran memory_limiter, the redaction processor and the body
// statements on its own copy of each record, the Loki pipeline did all of that even when it ended
// in `nop`, and the store pipelines shaped records for Elasticsearch. Its processors are kept as
// they were; only the store exporter changes, from Elasticsearch to VictoriaLogs and Jaeger, so
// that both configurations of the benchmark write to the same stores.
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

const queue = {
  sending_queue: { enabled: true, storage: 'file_storage', num_consumers: 2, queue_size: 20000 },
  retry_on_failure: {
    enabled: true,
    initial_interval: '1s',
    max_interval: '30s',
    max_elapsed_time: 0,
  },
};

/** The old configuration as a whole, writing to VictoriaLogs and Jaeger. */
export function beforeConfig() {
  const config = parse(readFileSync(new URL('config.before.yaml', import.meta.url), 'utf8'));
  delete config.exporters.elasticsearch;
  config.exporters['otlp_http/victorialogs'] = {
    logs_endpoint: '${env:TRACELOG_VICTORIALOGS_ENDPOINT}/insert/opentelemetry/v1/logs',
    headers: { 'VL-Stream-Fields': 'service.name,deployment.environment.name' },
    ...queue,
  };
  config.exporters['otlp_http/jaeger'] = {
    traces_endpoint: '${env:TRACELOG_JAEGER_OTLP_ENDPOINT}/v1/traces',
    ...queue,
  };
  const pipelines = config.service.pipelines;
  pipelines['logs/elasticsearch'].exporters = ['otlp_http/victorialogs'];
  pipelines.traces.exporters = ['otlp_http/jaeger', 'span_metrics'];
  // As in the benchmark's `after`: no Prometheus and no Loki here.
  pipelines['logs/loki'].exporters = ['nop'];
  pipelines.metrics.exporters = ['nop'];
  return stringify(config);
}
