// One logging peer, in its own process: `node peer.mjs <name> <records>`; prints records/s.
// Every peer logs the same record shape; exporters send to the local sink at SINK_URL.
import { performance } from 'node:perf_hooks';

const [name, countText] = process.argv.slice(2);
const count = Number(countText);
const sink = process.env.SINK_URL;
const fields = (i) => ({
  orderId: i,
  symbol: 'ACME',
  side: 'buy',
  quantity: 100,
  price: 12.5,
  userId: 'trader-7',
});

async function tracelog() {
  const { init, getLogger } = await import('../../packages/node/dist/index.js');
  const telemetry = init({
    serviceName: 'bench',
    endpoint: sink,
    console: false,
    handleSignals: false,
    spool: false,
  });
  const log = getLogger('orders.api');
  return {
    log: (i) => log.info('order accepted', fields(i)),
    done: () => telemetry.shutdown({ deadlineMs: 60_000 }),
  };
}

async function pinoSync() {
  const { default: pino } = await import('pino');
  const log = pino(pino.destination({ dest: '/dev/null', sync: true }));
  return { log: (i) => log.info(fields(i), 'order accepted'), done: async () => undefined };
}

async function pinoOtel() {
  const { default: pino } = await import('pino');
  const transport = pino.transport({
    target: 'pino-opentelemetry-transport',
    options: { loggerName: 'orders.api', resourceAttributes: { 'service.name': 'bench' } },
  });
  const log = pino(transport);
  return {
    log: (i) => log.info(fields(i), 'order accepted'),
    done: () =>
      new Promise((resolve) => {
        transport.on('close', resolve);
        transport.end();
      }),
  };
}

async function winstonOtel() {
  const { logs } = await import('@opentelemetry/api-logs');
  const { LoggerProvider, BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
  const { default: winston } = await import('winston');
  const { OpenTelemetryTransportV3 } = await import('@opentelemetry/winston-transport');
  const provider = new LoggerProvider({
    processors: [
      new BatchLogRecordProcessor(new OTLPLogExporter({ url: `${sink}/v1/logs` }), {
        maxQueueSize: 1_000_000,
      }),
    ],
  });
  // The transport writes to the api-logs global: wire it, or every record is silently dropped.
  logs.setGlobalLoggerProvider(provider);
  const log = winston.createLogger({ transports: [new OpenTelemetryTransportV3()] });
  return { log: (i) => log.info('order accepted', fields(i)), done: () => provider.shutdown() };
}

const peers = {
  tracelog,
  'pino-sync': pinoSync,
  'pino-otel-transport': pinoOtel,
  'winston-otel-transport': winstonOtel,
};
const peer = await peers[name]();
for (let i = 0; i < 2000; i++) peer.log(i); // warm up
const start = performance.now();
for (let i = 0; i < count; i++) peer.log(i);
await peer.done();
const seconds = (performance.now() - start) / 1000;
process.stdout.write(
  `${JSON.stringify({ name, recordsPerSecond: Math.round(count / seconds) })}\n`,
);
process.exit(0);
