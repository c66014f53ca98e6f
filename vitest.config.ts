import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, file = 'index.ts') =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

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
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
