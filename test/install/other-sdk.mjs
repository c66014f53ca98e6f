// Another OpenTelemetry SDK registers its tracer provider before init(). Prints what that SDK
// recorded and where tracelog says it sends telemetry, as one JSON line.
import * as api from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { getLogger, init } from '@tracelog/node';
import scenario from './scenario.cjs';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
api.trace.setGlobalTracerProvider(provider);
const telemetry = init();
await scenario.run({ getLogger, api });
await telemetry.shutdown();
await provider.forceFlush();
console.log(
  JSON.stringify({
    destination: telemetry.destination,
    otherSdkSpans: exporter.getFinishedSpans().map((span) => span.name),
  }),
);
