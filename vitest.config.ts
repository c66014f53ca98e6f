import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

/** Tests that start real processes wait on them: generous limits (a first apt install included). */
const processTests = { testTimeout: 300_000, hookTimeout: 900_000 };

/**
 * Files that install nothing on first use and share nothing with another file: their servers are
 * in-process, fixture services, or the stack's binaries (built before vitest starts), on free
 * ports with folders of their own, or they need no server. These run two at a time, beside the
 * unit tests. Every other file, a new one included, runs alone: Redis, PostgreSQL and Chromium
 * come from apt-get on first use, and two apt-get runs at once fail on its lock. The cluster drill
 * runs alone too: it starts a dozen servers on ports picked free beforehand, and once, beside
 * another file, its agent collector never came up.
 */
const SIDE_BY_SIDE = {
  integration: ['baggage', 'export-outage', 'queue-job-api'],
  e2e: [
    'collector-auth',
    'collector-config',
    'collector-single-pass',
    'compose-metrics',
    'compose-schema',
    'dashboards-queries',
    'dashboards-structure',
    'datasource-links',
    'deploy-chart',
    'logql-offline',
    'prometheus-rules',
    'queries-offline',
    'redaction-corpus',
    'retention',
    'short-lived',
    'stack-cleanup',
  ],
};
const sideBySide = (dir: keyof typeof SIDE_BY_SIDE) =>
  SIDE_BY_SIDE[dir].map((name) => `test/${dir}/${name}.test.ts`);

/**
 * Two projects for a folder of tests: its side-by-side files (`name`), and the rest, one file at a
 * time (`name-serial`). `exclude` leaves out what another folder's projects run.
 */
function folderProjects(name: keyof typeof SIDE_BY_SIDE, include: string, exclude: string[] = []) {
  return [
    { extends: true, test: { name, include: sideBySide(name), ...processTests } },
    {
      extends: true,
      test: {
        name: `${name}-serial`,
        include: [include],
        exclude: [...configDefaults.exclude, ...exclude, ...sideBySide(name)],
        ...processTests,
        fileParallelism: false,
      },
    },
  ];
}

// Tests run against the TypeScript sources; spawned processes (examples, end-to-end services)
// use the built packages.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@tracelog\/core$/, replacement: src('core') },
      { find: /^@tracelog\/node$/, replacement: src('node') },
      { find: /^@tracelog\/node\/register$/, replacement: src('node', 'register.ts') },
      { find: /^@tracelog\/browser$/, replacement: src('browser') },
      { find: /^@tracelog\/queue-instrumentation$/, replacement: src('queue-instrumentation') },
      { find: /^@tracelog\/test-utils$/, replacement: src('test-utils') },
    ],
  },
  test: {
    // Both cores for the files that may run side by side (vitest's default leaves one idle); the
    // serial projects run after them, one file at a time.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/test/**/*.test.ts'] } },
      // Real processes, none of the collector stack: the SDK against in-process receivers,
      // fixture services, Redis and PostgreSQL. `npm run test:fast` runs these with the unit tests.
      ...folderProjects('integration', 'test/integration/**/*.test.ts'),
      // Everything else under test/: the collector stack, stores, browsers, Python services.
      ...folderProjects('e2e', 'test/**/*.test.ts', ['test/integration/**']),
    ],
  },
});
