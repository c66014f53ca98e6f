// A node:http hello-world under one of three setups: `bare`, `tracelog`, or `upstream`
// (NodeSDK + auto-instrumentations). Exporters send to the local sink at SINK_URL.
// Prints {"port": N} once listening.
import { createRequire } from 'node:module';

const variant = process.argv[2];
const sink = process.env.SINK_URL;

if (variant === 'tracelog') {
  const { init } = await import('../../packages/node/dist/index.js');
  init({ serviceName: 'bench-http', endpoint: sink, console: false, spool: false });
} else if (variant === 'upstream') {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { getNodeAutoInstrumentations } = await import('@opentelemetry/auto-instrumentations-node');
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = sink;
  process.env.OTEL_SERVICE_NAME = 'bench-http';
  new NodeSDK({ instrumentations: [getNodeAutoInstrumentations()] }).start();
}

// Loaded through require for every variant, so require-hook based instrumentation (the upstream
// SDK's) sees it as it would in a CommonJS app; tracelog also patches ESM imports.
const { createServer } = createRequire(import.meta.url)('node:http');
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello world');
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
