import { describe, expect, it } from 'vitest';
import * as core from '@tracelog/core';

/** What users import: each is documented in the README. */
const PUBLIC = [
  'ATTR',
  'BUILTIN_PATTERN_NAMES',
  'COLLECTOR_ATTR',
  'EVENT',
  'LEVELS',
  'METRIC',
  'RESOURCE',
  'RecordFilter',
  'SEVERITY_NUMBER',
  'TokenBucket',
  'TraceContextPropagator',
  'createLevelResolver',
  'createRedactor',
  'fingerprint',
  'parseBoolean',
  'parseComponentLevels',
  'parseDuration',
  'parseKeyValueList',
  'parseLevel',
  'parseList',
  'parseSize',
];

/**
 * Exported for the other tracelog packages only (core is the one home of these rules), not
 * documented for users: node's configuration defaults, the scoped-context carrier shared by node
 * and queue-instrumentation, the browser's compact redactor, the task outcome values, and the
 * one retry rule of the Node export, the relay and the browser transport, and the mark on records
 * the instrumentations build themselves, the bound histogram series node offers the
 * instrumentations, the pipeline's redactor with the mark of attributes redacted with it, the
 * layered context the instrumentations set their spans in, their memo of interned keys, and the
 * "did you mean" match node's configuration and the query checks use.
 * The process-wide keys of `globals.ts` are exported with them, and the one sensitive-word list
 * the collector's generated rules are checked against. `luhn` is imported by the
 * redaction tests.
 */
const FOR_TRACELOG_PACKAGES = [
  'KEY_ONLY_WORDS',
  'SENSITIVE_PAIRS',
  'SENSITIVE_WORDS',
  'TOKEN_MIN_LENGTH',
  'BULLMQ_PATCHED',
  'DEFAULT_BAGGAGE_KEYS',
  'DEFAULT_QUIET_PATHS',
  'HTTP_SERVER_PATCHED',
  'OTEL_API_GLOBAL',
  'OWN_RECORD',
  'REDACTED_BY',
  'TASK_OUTCOME',
  'WINSTON_SPLAT',
  'closest',
  'createCompactRedactor',
  'getScopedAttributes',
  'histogramSeries',
  'internedKeys',
  'isRetryableStatus',
  'layered',
  'luhn',
  'nextBackoff',
  'ownRecord',
  'ownRecordSink',
  'parseRetryAfter',
  'pipelineRedactor',
  'setHistogramSeriesSource',
  'setOwnRecordSink',
  'setPipelineRedactor',
  'setScopedAttributes',
];

describe('public API', () => {
  it('exports exactly this surface', () => {
    expect(Object.keys(core).sort()).toEqual([...PUBLIC, ...FOR_TRACELOG_PACKAGES].sort());
  });
});
