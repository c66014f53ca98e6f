import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exit, receiver, useChildApps, work } from '../fixtures/child-apps.js';

useChildApps();

describe("service identity from the app's package.json", () => {
  it('an app started with --import and no service name reports the name and version of its package.json, and says where they came from', async () => {
    const marker = `identity-${Date.now()}`;
    const app = join(work, 'settlement-api');
    mkdirSync(join(app, 'node_modules', '@tracelog'), { recursive: true });
    mkdirSync(join(app, 'src'));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'settlement-api', version: '3.1.0', type: 'module' }),
    );
    // The app installs @tracelog/node as a dependency; here, the package under test.
    symlinkSync(
      new URL('../../', import.meta.url).pathname,
      join(app, 'node_modules', '@tracelog', 'node'),
    );
    writeFileSync(
      join(app, 'src', 'main.js'),
      "import { getLogger } from '@tracelog/node';\n" +
        "getLogger('settlement').info('settled', { marker: process.env.MARKER });\n",
    );
    // Started as `node --import @tracelog/node/register src/main.js`, not through npm, so no
    // npm_package_* variables name it either.
    const env: Record<string, string | undefined> = { ...process.env };
    for (const key of Object.keys(env)) if (key.startsWith('npm_')) delete env[key];
    delete env.OTEL_SERVICE_NAME;
    delete env.OTEL_RESOURCE_ATTRIBUTES;
    const child = spawn(
      process.execPath,
      ['--import', '@tracelog/node/register', join('src', 'main.js')],
      {
        cwd: app,
        env: {
          ...env,
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          TRACELOG_CONSOLE: 'off',
          TRACELOG_SPOOL: 'off',
          MARKER: marker,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    expect((await exit(child)).code).toBe(0);
    expect(stderr.split('\n')).toContain(
      `tracelog: service.name "settlement-api" from ${join(app, 'package.json')}`,
    );
    await receiver.waitFor(
      () => receiver.logs.some((l) => l.attributes.marker === marker),
      'the app’s record',
    );
    const record = receiver.logs.find((l) => l.attributes.marker === marker)!;
    expect(record.resource).toMatchObject({
      'service.name': 'settlement-api',
      'service.version': '3.1.0',
    });
  });
});
