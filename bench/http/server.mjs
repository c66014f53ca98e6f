// A node:http server under one of three setups: `bare`, `tracelog`, or `upstream` (NodeSDK +
// auto-instrumentations, and its OTLP log exporter). Exporters send to the local sink at SINK_URL.
// ROUTE=hello (default) answers at once; ROUTE=work logs one line and awaits 1 ms first, like a
// handler that does a little I/O (bare logs nothing: it is the floor).
// Prints {"port": N} once listening.
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';

const variant = process.argv[2];
const sink = process.env.SINK_URL;
const route = process.env.ROUTE ?? 'hello';
let logLine = () => undefined;

if (variant === 'tracelog') {
  const { init, getLogger } = await import('../../packages/node/dist/index.js');
  init({ serviceName: 'bench-http', endpoint: sink, console: false, spool: false });
  const log = getLogger('bench.orders');
  logLine = (id) => log.info('order handled', { 'order.id': id });
} else if (variant === 'upstream') {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { getNodeAutoInstrumentations } = await import('@opentelemetry/auto-instrumentations-node');
  const { BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
  const { logs } = await import('@opentelemetry/api');
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = sink;
  process.env.OTEL_SERVICE_NAME = 'bench-http';
  new NodeSDK({
    instrumentations: [getNodeAutoInstrumentations()],
    logRecordProcessors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter() })],
  }).start();
  const log = logs.getLogger('bench.orders');
  logLine = (id) =>
    log.emit({
      severityNumber: 9,
      severityText: 'INFO',
      body: 'order handled',
      attributes: { 'order.id': id },
    });
}

// Loaded through require for every variant, so require-hook based instrumentation (the upstream
// SDK's) sees it as it would in a CommonJS app; tracelog also patches ESM imports.
const { createServer } = createRequire(import.meta.url)('node:http');
let seq = 0;
const server = createServer(async (req, res) => {
  if (route === 'work') {
    logLine(seq++);
    await sleep(1);
  }
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello world');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
