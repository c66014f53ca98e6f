import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { stackBinaries } from '../support/stack.js';

// The real collector build validates the shipped configuration with every destination overlay,
// and refuses each invalid variant in collector/testdata/invalid with the error a user would see.
const run = promisify(execFile);
const collectorDir = new URL('../../collector/', import.meta.url).pathname;
const destinations = readdirSync(`${collectorDir}destinations`)
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => file.replace(/\.yaml$/, ''));

async function validate(...overlays: string[]): Promise<string> {
  const { collectorBin, collectorConfig } = stackBinaries();
  const args = ['validate', '--config', collectorConfig];
  for (const overlay of overlays) args.push('--config', `${collectorDir}${overlay}`);
  try {
    const { stdout, stderr } = await run(collectorBin, args, {
      env: { ...process.env, TRACELOG_INGEST_TOKEN: 'test-token' },
    });
    return `ok ${stdout}${stderr}`;
  } catch (error) {
    const { stdout, stderr } = error as { stdout: string; stderr: string };
    return `error ${stdout}${stderr}`;
  }
}

describe('collector configuration', () => {
  it('ships the destinations the stack and the docs name', () => {
    expect(destinations.sort()).toEqual(['elasticsearch', 'jaeger', 'loki', 'victorialogs']);
  });

  it('config.yaml is valid on its own (no destination: counts and span metrics only)', async () => {
    expect(await validate()).toMatch(/^ok/);
  });

  it.each(destinations)('config.yaml with destinations/%s.yaml is valid', async (name) => {
    expect(await validate(`destinations/${name}.yaml`)).toMatch(/^ok/);
  });

  it('every destination at once, with the bearer-token overlay, is valid', async () => {
    const all = destinations.map((name) => `destinations/${name}.yaml`);
    expect(await validate(...all, 'config.auth.yaml')).toMatch(/^ok/);
  });

  it.each([
    ['unknown-exporter.yaml', `'exporters' unknown type: "loki"`],
    ['memory-limit.yaml', `'limit_mib' or 'limit_percentage' must be greater than zero`],
    ['missing-token.yaml', 'bearertokenauth/ingest: no bearer token provided'],
    ['bad-redaction-pattern.yaml', 'invalid named capture'],
  ])('testdata/invalid/%s is refused: %s', async (file, message) => {
    const result = await validate(`testdata/invalid/${file}`);
    expect(result).toMatch(/^error/);
    expect(result).toContain(message);
  });
});
