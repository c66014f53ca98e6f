import { describe, expect, it } from 'vitest';
import * as queue from '@tracelog/queue-instrumentation';

describe('public API', () => {
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
