import { readFileSync } from 'node:fs';
import type * as NodeModule from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  HOOKED_MODULES,
  INSTRUMENTATIONS,
  INSTRUMENTATION_NAMES,
  PATCHED_PACKAGES,
} from '../../src/instrumentations/registry.js';

const { register } = vi.hoisted(() => ({ register: vi.fn() }));
vi.mock('node:module', async (importOriginal) => ({
  ...(await importOriginal<typeof NodeModule>()),
  register,
}));
vi.mock('../../src/init.js', () => ({ init: vi.fn() }));

afterEach(() => vi.clearAllMocks());

/** The README's instrumentations table: each row's cells, the header row first. */
function readmeTable(): string[][] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split('\n## Instrumentations\n')[1]?.split('\n## ')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*-/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

/** The `code` spans of a Markdown table cell. */
const codeSpans = (cell: string | undefined) =>
  [...(cell ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1]);

describe('the instrumentation registry', () => {
  it('is what the README documents: one row per instrumentation, with what it patches', () => {
    const [header, ...rows] = readmeTable();
    const patches = header?.indexOf('patches') ?? -1;
    expect(patches).toBeGreaterThan(0);
    expect(rows.map((row) => codeSpans(row[0])[0])).toEqual([...INSTRUMENTATION_NAMES]);
    for (const descriptor of INSTRUMENTATIONS) {
      const row = rows.find((cells) => codeSpans(cells[0])[0] === descriptor.name);
      expect(codeSpans(row?.[patches]).sort(), descriptor.name).toEqual(
        [...descriptor.hooks, ...descriptor.resolves].sort(),
      );
    }
  });

  it('gives the ESM loader hook exactly the modules the instrumentations hook', async () => {
    await import('../../src/register.js');
    expect(register).toHaveBeenCalledTimes(1);
    const include = (register.mock.calls[0]?.[2] as { data: { include: string[] } }).data.include;
    expect([...include].sort()).toEqual(INSTRUMENTATIONS.flatMap((d) => d.hooks).sort());
    // What the instrumentations patch through require and the hook, builtins included.
    expect([...include].sort()).toEqual(
      ['http', 'https', 'express', 'pg', 'pg-pool', 'ioredis', 'redis', '@redis/client'].sort(),
    );
    expect(HOOKED_MODULES).toEqual(include);
  });

  it('lists for the bundle self-check the packages patched only when loaded from node_modules', () => {
    expect(PATCHED_PACKAGES).toEqual({
      express: ['express'],
      pg: ['pg', 'pg-pool'],
      redis: ['ioredis', 'redis', '@redis/client'],
      bullmq: ['bullmq'],
    });
  });
});
