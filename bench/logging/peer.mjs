// One logging peer, in its own process: `node peer.mjs <name> <records>`; prints records/s.
// Every peer logs the same record shape; exporters send to the local sink at SINK_URL.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const [name, countText] = process.argv.slice(2);
const count = Number(countText);
const sink = process.env.SINK_URL;
// Peers that read the standard variables (the pino transport's worker) export to the sink too.
process.env.OTEL_EXPORTER_OTLP_ENDPOINT = sink;
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
  // Overflow beyond the memory bound goes to a spool, as in production: nothing is dropped.
  const spool = join(tmpdir(), `tracelog-bench-spool-${process.pid}`);
  const telemetry = init({
    serviceName: 'bench',
    endpoint: sink,
    console: false,
    handleSignals: false,
    spool: { directory: spool },
  });
  const log = getLogger('orders.api');
  return {
    log: (i) => log.info('order accepted', fields(i)),
    done: async () => {
      await telemetry.shutdown({ deadlineMs: 120_000 });
      // Everything must have reached the sink: a run that left records behind would flatter us.
      const { spoolBytes, dropped } = telemetry.stats();
      if (spoolBytes > 0 || dropped > 0)
        throw new Error(`undelivered: ${spoolBytes} spool bytes, ${dropped} dropped`);
      rmSync(spool, { recursive: true, force: true });
    },
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
    // Ends the worker; its exporter flushes what it kept (its default batch queue drops the rest).
    done: () =>
      new Promise((resolve) => {
        // Nothing else holds the event loop open while the worker drains.
        const keepAlive = setInterval(() => undefined, 100);
        const finish = () => {
          clearInterval(keepAlive);
          resolve();
        };
        transport.once('close', finish);
        transport.once('error', finish);
        log.flush(() => transport.end());
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
      // sdk-logs 3.x processors take one options object; a large queue so it does not drop.
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${sink}/v1/logs` }),
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
