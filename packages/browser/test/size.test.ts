import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleSize } from '@tracelog/test-utils';
import { GZIP_BUDGET_BYTES } from './size-budget.js';

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const main = source('../src/index.ts');

describe('bundle size', () => {
  // The recipe is the one bench/browser-size uses for every SDK it compares.
  it('the core entry stays within 15 KB gzipped', async () => {
    const size = await bundleSize(main);
    expect(size.gzipped).toBeGreaterThan(1_000);
    expect(size.gzipped).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
  });

  it('the core entry with the React error boundary stays within 15 KB gzipped', async () => {
    const { gzipped } = await bundleSize(source('./browser-react-entry.ts'), {
      external: ['react'],
    });
    expect(gzipped).toBeGreaterThan((await bundleSize(main)).gzipped);
    expect(gzipped).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
  });
});
