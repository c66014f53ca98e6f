// Logs, errors, sessions, fetch/XHR spans with propagation, Web Vitals, OTLP export.
import { initBrowser } from '@tracelog/browser';

const t = initBrowser({
  service: 'trading-ui',
  endpoint: '/otlp',
  propagateTo: ['https://api.example.com'],
});
t.logger.info('ready');
