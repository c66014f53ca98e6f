/**
 * The browser SDK's size budget: its main entry, bundled with the recipe of
 * `packages/test-utils/src/bundle-size.ts` (esbuild bundle + minify, ESM, browser, es2020,
 * production, gzip level 9), stays within this many bytes. Asserted on the sources by
 * `size.test.ts` and on the packed tarball, built by an npm-installed app, by the install matrix.
 */
export const GZIP_BUDGET_BYTES = 15_360;
