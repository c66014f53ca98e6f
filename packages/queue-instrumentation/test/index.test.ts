import { describe, expect, it } from 'vitest';
import * as queue from '@tracelog/queue-instrumentation';

describe('public API', () => {
  // Each is documented in the README.
  it('exports exactly this surface', () => {
    expect(Object.keys(queue).sort()).toMatchInlineSnapshot(`
      [
        "injectJobContext",
        "instrumentBullMQ",
        "runJob",
      ]
    `);
  });
});
