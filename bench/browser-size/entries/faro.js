// Faro's documented web setup with tracing: errors, logs, sessions, Web Vitals, fetch/XHR spans.
import { getWebInstrumentations, initializeFaro } from '@grafana/faro-web-sdk';
import { TracingInstrumentation } from '@grafana/faro-web-tracing';

const faro = initializeFaro({
  url: '/collect',
  app: { name: 'trading-ui' },
  instrumentations: [...getWebInstrumentations(), new TracingInstrumentation()],
});
faro.api.pushLog(['ready']);
