import { describe, expect, it } from 'vitest';
import * as core from '@tracelog/core';

describe('public API', () => {
  it('exports exactly this surface', () => {
    expect(Object.keys(core).sort()).toMatchInlineSnapshot(`
      [
        "ATTR",
        "BUILTIN_PATTERN_NAMES",
        "DEFAULT_BAGGAGE_KEYS",
        "DEFAULT_QUIET_PATHS",
        "EVENT",
        "LEVELS",
        "MAX_RETRY_AFTER_MS",
        "METRIC",
        "RESOURCE",
        "RecordFilter",
        "SCOPED_ATTRIBUTES_KEY",
        "SEVERITY_NUMBER",
        "TASK_OUTCOME",
        "TokenBucket",
        "TraceContextPropagator",
        "createCompactRedactor",
        "createLevelResolver",
        "createRedactor",
        "fingerprint",
        "getScopedAttributes",
        "isRetryableStatus",
        "luhn",
        "nextBackoff",
        "parseBoolean",
        "parseComponentLevels",
        "parseDuration",
        "parseKeyValueList",
        "parseLevel",
        "parseList",
        "parseRetryAfter",
        "parseSize",
        "setScopedAttributes",
      ]
    `);
  });
});
