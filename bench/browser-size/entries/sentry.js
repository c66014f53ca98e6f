// Sentry's browser SDK with tracing (fetch/XHR spans, propagation, Web Vitals) and logs.
import * as Sentry from '@sentry/browser';

Sentry.init({
  dsn: 'https://public@example.com/1',
  integrations: [Sentry.browserTracingIntegration()],
  tracesSampleRate: 1,
  tracePropagationTargets: ['https://api.example.com'],
  enableLogs: true,
});
Sentry.logger.info('ready');
