import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The same settings as bench/browser-size: esbuild bundle + minify, ESM, gzip level 9. */
async function gzippedSize(entry: string): Promise<number> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    alias: { '@tracelog/core': src('../../core/src/index.ts') },
    logLevel: 'silent',
  });
  return gzipSync(out.outputFiles[0]!.contents, { level: 9 }).length;
}

describe('bundle size', () => {
  it('the core entry stays within 15 KB gzipped', async () => {
    const size = await gzippedSize(src('../src/index.ts'));
    expect(size).toBeGreaterThan(1_000);
    expect(size).toBeLessThanOrEqual(15_360);
  });
});
