import * as core from '@tracelog/core';
import { describe, expect, it } from 'vitest';
import * as browser from '../src/schema.js';

// The browser keeps only the names it writes; every one must be core's, value for value.
describe("the browser's share of the schema", () => {
  it.each(['ATTR', 'EVENT', 'RESOURCE'] as const)(
    '%s: each name is the one core defines',
    (group) => {
      const ours: Record<string, string> = browser[group];
      const theirs: Record<string, string> = core[group];
      expect(Object.keys(ours).length).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(ours))
        expect([key, value]).toEqual([key, theirs[key]]);
    },
  );

  it('levels and severity numbers are core’s', () => {
    expect(browser.LEVELS).toEqual(core.LEVELS);
    expect(browser.SEVERITY_NUMBER).toEqual(core.SEVERITY_NUMBER);
  });
});
