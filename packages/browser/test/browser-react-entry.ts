// What a React app takes from the SDK, for the size test: the main entry and the error boundary.
export { initBrowser } from '../src/index.js';
export { TracelogErrorBoundary } from '../src/react.js';
