import { describe, expect, it } from 'vitest';
import * as browser from '@tracelog/browser';
import { VERSION } from '../src/version.js';
import pkg from '../package.json' with { type: 'json' };

describe('public API', () => {
  // Each is documented in the README.
  it('exports exactly this surface', () => {
    expect(Object.keys(browser).sort()).toEqual(['initBrowser']);
  });
  it('exports exactly this surface from @tracelog/browser/react', async () => {
    expect(Object.keys(await import('../src/react.js')).sort()).toEqual(['TracelogErrorBoundary']);
  });
  it('reports the package version as telemetry.sdk.version', () => {
    expect(VERSION).toBe(pkg.version);
  });
});
