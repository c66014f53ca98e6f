import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The start-up self-check's warnings that only a whole process shows, through init(): the HTTP
// server left uninstrumented because another tool holds http.Server.prototype.emit, and an
// application that resolves its own @opentelemetry/api of another version than the one tracelog
// registered with. (The unreachable collector and the bundle have tests of their own: the Node
// package's self-check unit test and test/e2e/install-matrix.test.ts.) Each app is a
// throwaway folder with the app script and a node_modules holding @tracelog/node, as an install
// would, and, when the case needs it, the app's own copy of @opentelemetry/api.
const run = promisify(execFile);
const fixture = new URL('./fixtures/selfcheck-app.mjs', import.meta.url).pathname;
const nodePackage = new URL('../../packages/node/', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tracelog-selfcheck-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let appCounter = 0;
/** An app folder with the fixture and @tracelog/node installed; `apiVersion`: its own API copy. */
function app(apiVersion?: string): string {
  const dir = join(work, `app-${appCounter++}`);
  mkdirSync(join(dir, 'node_modules', '@tracelog'), { recursive: true });
  symlinkSync(nodePackage, join(dir, 'node_modules', '@tracelog', 'node'), 'dir');
  copyFileSync(fixture, join(dir, 'app.mjs'));
  if (apiVersion) {
    const api = join(dir, 'node_modules', '@opentelemetry', 'api');
    mkdirSync(join(api, 'build'), { recursive: true });
    writeFileSync(
      join(api, 'package.json'),
      JSON.stringify({ name: '@opentelemetry/api', version: apiVersion, main: 'build/index.js' }),
    );
    writeFileSync(join(api, 'build', 'index.js'), '');
  }
  return dir;
}

/** Runs the app from its folder and returns what it wrote on stderr. */
async function stderrOf(dir: string, env: Record<string, string> = {}): Promise<string> {
  const clean = { ...process.env };
  // No collector: the reachability check stays out of these cases.
  for (const name of Object.keys(clean)) if (name.startsWith('OTEL_')) delete clean[name];
  const { stderr } = await run(process.execPath, ['app.mjs'], {
    cwd: dir,
    env: { ...clean, TRACELOG_FILE: join(dir, 'telemetry.jsonl'), ...env },
    timeout: 60_000,
  });
  return stderr;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
const HTTP_WARNING = 'tracelog: HTTP server instrumentation is not active';
const API_WARNING = 'tracelog: two copies of @opentelemetry/api are loaded';

describe('self-check: the HTTP server instrumentation', () => {
  it('another tool holds http.Server.prototype.emit: init() warns once and says how to start', async () => {
    const stderr = await stderrOf(app(), { PIN_EMIT: '1' });
    expect(count(stderr, HTTP_WARNING)).toBe(1);
    expect(stderr).toContain('node --import @tracelog/node/register app.js');
  });

  it('nothing in the way: no warning', async () => {
    expect(await stderrOf(app())).not.toContain(HTTP_WARNING);
  });

  it('the http instrumentation switched off: no warning, whoever holds emit', async () => {
    expect(await stderrOf(app(), { PIN_EMIT: '1', HTTP_OFF: '1' })).not.toContain(HTTP_WARNING);
  });
});

describe("self-check: the application's own @opentelemetry/api", () => {
  it("a newer copy: init() warns once, naming both versions and the app's copy, that the app's own telemetry goes nowhere", async () => {
    const dir = app('1.11.0');
    const stderr = await stderrOf(dir);
    expect(count(stderr, API_WARNING)).toBe(1);
    expect(stderr).toContain(
      `the application's 1.11.0 (${join(dir, 'node_modules', '@opentelemetry', 'api')}) and 1.10.0, which tracelog registered with`,
    );
    expect(stderr).toContain("The application's own spans, logs and metrics go nowhere");
    expect(stderr).toContain('npm ls @opentelemetry/api');
  });

  it('an older copy: init() warns once that it still reaches tracelog', async () => {
    const stderr = await stderrOf(app('1.9.0'));
    expect(count(stderr, API_WARNING)).toBe(1);
    expect(stderr).toContain('The older copy still reaches tracelog');
    expect(stderr).not.toContain('go nowhere');
  });

  it('the same version as tracelog’s: no warning', async () => {
    expect(await stderrOf(app('1.10.0'))).not.toContain(API_WARNING);
  });
});
