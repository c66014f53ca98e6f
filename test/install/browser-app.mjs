/* global document */
// A React app using the browser SDK and its React entry, as a front end would build it.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { initBrowser } from '@tracelog/browser';
import { TracelogErrorBoundary } from '@tracelog/browser/react';

initBrowser({ service: 'matrix-web', endpoint: '/otlp' });
createRoot(document.getElementById('root')).render(
  createElement(TracelogErrorBoundary, { fallback: 'Something went wrong' }, 'Orders'),
);
