// The pipeline shape we shipped until December 2026, rebuilt from today's collector/config.yaml
// so that both configurations run the same processors and differ only in topology: every
// pipeline receives from the receiver and runs memory_limiter, the redaction and the body
// statements on its own copy of each record, and the Loki pipeline, which ended in `nop` unless
// a Loki was configured, did all of that too. The stores are VictoriaLogs and Jaeger, as today.
import { parse, stringify } from 'yaml';

const victorialogs = {
  logs_endpoint: '${env:TRACELOG_VICTORIALOGS_ENDPOINT}/insert/opentelemetry/v1/logs',
  headers: { 'VL-Stream-Fields': 'service.name,deployment.environment.name' },
};
const jaeger = { traces_endpoint: '${env:TRACELOG_JAEGER_OTLP_ENDPOINT}/v1/traces' };
const queue = {
  sending_queue: { enabled: true, storage: 'file_storage', num_consumers: 2, queue_size: 20000 },
  retry_on_failure: {
    enabled: true,
    initial_interval: '1s',
    max_interval: '30s',
    max_elapsed_time: 0,
  },
};

/** The old topology as a whole configuration, from the text of today's config.yaml. */
export function beforeConfig(configYaml) {
  const config = parse(configYaml);
  delete config.connectors['forward/logs'];
  delete config.connectors['forward/traces'];
  config.exporters['otlp_http/victorialogs'] = { ...victorialogs, ...queue };
  config.exporters['otlp_http/jaeger'] = { ...jaeger, ...queue };
  const redacted = ['memory_limiter', 'redaction', 'transform/redact_body', 'transform/event_name'];
  config.service.pipelines = {
    'logs/loki': { receivers: ['otlp'], processors: redacted, exporters: ['nop'] },
    'logs/store': {
      receivers: ['otlp'],
      processors: redacted,
      exporters: ['otlp_http/victorialogs'],
    },
    traces: {
      receivers: ['otlp'],
      processors: ['memory_limiter', 'redaction'],
      exporters: ['otlp_http/jaeger', 'span_metrics'],
    },
    'logs/count': {
      receivers: ['otlp'],
      processors: ['memory_limiter', 'transform/event_name', 'transform/count'],
      exporters: ['count'],
    },
    // As in the benchmark's `after`: no Prometheus here (TRACELOG_METRICS_EXPORTERS=[nop]).
    metrics: { ...config.service.pipelines.metrics, exporters: ['nop'] },
  };
  return stringify(config);
}
