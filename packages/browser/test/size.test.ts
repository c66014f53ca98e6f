import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleSize } from '@tracelog/test-utils';
import { GZIP_BUDGET_BYTES } from './size-budget.js';

describe('bundle size', () => {
  // The recipe is the one bench/browser-size uses for every SDK it compares.
  it('the core entry stays within 15 KB gzipped', async () => {
    const { gzipped } = await bundleSize(
      fileURLToPath(new URL('../src/index.ts', import.meta.url)),
    );
    expect(gzipped).toBeGreaterThan(1_000);
    expect(gzipped).toBeLessThanOrEqual(GZIP_BUDGET_BYTES);
  });
});
