// Upstream OpenTelemetry for the web: fetch spans with propagation and OTLP/HTTP export of spans
// and logs on the 3.x release line, whose tracer package serves browsers too (no error capture, sessions or Web Vitals: those need more packages).
import { logs, trace } from '@opentelemetry/api';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';

const tracer = new TracerProvider({
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: '/otlp/v1/traces' }))],
});
trace.setGlobalTracerProvider(tracer);
const loggerProvider = new LoggerProvider({
  processors: [new BatchLogRecordProcessor(new OTLPLogExporter({ url: '/otlp/v1/logs' }))],
});
logs.setGlobalLoggerProvider(loggerProvider);
registerInstrumentations({
  instrumentations: [
    new FetchInstrumentation({ propagateTraceHeaderCorsUrls: [/api\.example\.com/] }),
  ],
});
logs.getLogger('app').emit({ body: 'ready' });
