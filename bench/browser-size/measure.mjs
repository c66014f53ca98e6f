// Measures the gzipped size of browser telemetry SDKs in one run, with the recipe the
// @tracelog/browser size test uses (packages/test-utils/src/bundle-size.ts: esbuild bundle +
// minify, ESM, es2020, gzip level 9), run from its source with Node's type stripping.
// Usage (from the repo root): npm install --prefix bench/browser-size && node bench/browser-size/measure.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bundleSize } from '../../packages/test-utils/src/bundle-size.ts';

const here = new URL('.', import.meta.url);
const path = (p) => new URL(p, here).pathname;
const require = createRequire(here);

const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(path(`node_modules/${pkg}/package.json`), 'utf8')).version;
  } catch {
    return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version;
  }
};

const peers = [
  { name: 'tracelog (@tracelog/browser)', entry: 'tracelog.js', packages: [] },
  {
    name: 'Grafana Faro (web-sdk + web-tracing)',
    entry: 'faro.js',
    packages: ['@grafana/faro-web-sdk', '@grafana/faro-web-tracing'],
  },
  {
    name: 'OpenTelemetry web (sdk-trace, instrumentation-fetch, sdk-logs, OTLP/HTTP exporters)',
    entry: 'opentelemetry.js',
    packages: [
      '@opentelemetry/sdk-trace',
      '@opentelemetry/instrumentation-fetch',
      '@opentelemetry/sdk-logs',
      '@opentelemetry/exporter-trace-otlp-http',
      '@opentelemetry/exporter-logs-otlp-http',
    ],
  },
  {
    name: 'Sentry (@sentry/browser, tracing + logs)',
    entry: 'sentry.js',
    packages: ['@sentry/browser'],
  },
];

const tracelogVersion = JSON.parse(
  readFileSync(path('../../packages/browser/package.json'), 'utf8'),
).version;
const rows = [];
for (const peer of peers) {
  const { minified, gzipped: gzip } = await bundleSize(path(`entries/${peer.entry}`));
  const versions = peer.packages.length
    ? peer.packages.map((p) => `${p} ${version(p)}`).join(', ')
    : `@tracelog/browser ${tracelogVersion}`;
  rows.push({ ...peer, raw: minified, gzip, versions });
  console.log(
    `${peer.name}: ${(gzip / 1024).toFixed(1)} KiB gzipped (${(minified / 1024).toFixed(1)} KiB minified)`,
  );
}

const ours = rows[0].gzip;
const kib = (n) => (n / 1024).toFixed(1);
const table = rows
  .map(
    (r) =>
      `| ${r.name} | ${kib(r.raw)} | ${kib(r.gzip)} | ${(r.gzip / ours).toFixed(2)} | ${r.versions} |`,
  )
  .join('\n');
const md = `# Browser SDK size

Measured in one run by \`npm install --prefix bench/browser-size && node bench/browser-size/measure.mjs\`
(${new Date().toISOString().slice(0, 10)}, esbuild ${version('esbuild')}, Node ${process.version}).
Each entry in \`entries/\` is the peer's documented setup for the same job — logs, errors, fetch spans
with trace propagation, OTLP-style export — bundled with esbuild (\`bundle\`, \`minify\`, ESM, es2020,
\`process.env.NODE_ENV=production\`) and gzipped at level 9. The budget for tracelog is 15 KiB gzipped
(asserted by \`packages/browser/test/size.test.ts\`).

| SDK | minified KiB | gzipped KiB | ÷ tracelog | versions |
| --- | ---: | ---: | ---: | --- |
${table}

The OpenTelemetry row has no error capture, sessions or Web Vitals (those need more packages);
Sentry's and Faro's include them, as tracelog's does. It uses the 3.x line's \`sdk-trace\`:
\`sdk-trace-web\` 2.12 (the newest) refuses \`@opentelemetry/api\` 1.10, which the 3.x exporters need.
`;
writeFileSync(path('RESULTS.md'), md);
