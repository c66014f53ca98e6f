import { describe, expect, it } from 'vitest';
import * as node from '@tracelog/node';
import { VERSION } from '../src/version.js';
import pkg from '../package.json' with { type: 'json' };

describe('public API', () => {
  // Each is documented in the README; the schema names are imported from @tracelog/core.
  it('exports exactly this surface', () => {
    expect(Object.keys(node).sort()).toMatchInlineSnapshot(`
      [
        "OpenTelemetryTransport",
        "createRelay",
        "getLogger",
        "init",
        "task",
        "timed",
        "withContext",
      ]
    `);
  });

  it('reports the package version as telemetry.distro.version', () => {
    expect(VERSION).toBe(pkg.version);
  });
});
