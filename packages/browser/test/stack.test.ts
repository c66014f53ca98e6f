import { describe, expect, it } from 'vitest';
import { formatFrame, fromExtension, parseStack } from '../src/stack.js';

describe('parseStack', () => {
  it('reads Chrome frames, async and eval included', () => {
    const frames = parseStack(
      [
        'TypeError: x is undefined',
        '    at placeOrder (https://app.example.com/main.js:12:34)',
        '    at async submit (https://app.example.com/main.js:40:5)',
        '    at https://app.example.com/vendor.js:1:99',
        '    at run (eval at load (https://app.example.com/main.js:3:1), <anonymous>:7:8)',
      ].join('\n'),
    );
    expect(frames.map(formatFrame)).toEqual([
      'placeOrder (https://app.example.com/main.js:12:34)',
      'submit (https://app.example.com/main.js:40:5)',
      '<anonymous> (https://app.example.com/vendor.js:1:99)',
      'run (<anonymous>:7:8)',
    ]);
  });

  it('reads Firefox and Safari frames', () => {
    const firefox = parseStack(
      'placeOrder@https://app.example.com/main.js:12:34\n@https://app.example.com/main.js:50:1\n',
    );
    expect(firefox).toEqual([
      { fn: 'placeOrder', file: 'https://app.example.com/main.js', line: 12, column: 34 },
      { fn: '<anonymous>', file: 'https://app.example.com/main.js', line: 50, column: 1 },
    ]);
    const safari = parseStack(
      'placeOrder@https://app.example.com/main.js:12:34\nglobal code@https://app.example.com/:3:9\nforEach@[native code]',
    );
    expect(safari.map((f) => f.fn)).toEqual(['placeOrder', 'global code', 'forEach']);
    expect(safari[2]!.line).toBeUndefined();
  });

  it('tells extension frames apart', () => {
    expect(fromExtension(parseStack('    at x (chrome-extension://abc/inject.js:1:1)'))).toBe(true);
    expect(fromExtension(parseStack('x@moz-extension://abc/inject.js:1:1'))).toBe(true);
    expect(fromExtension(parseStack('x@safari-web-extension://abc/inject.js:1:1'))).toBe(true);
    expect(fromExtension(parseStack('    at x (https://app.example.com/a.js:1:1)'))).toBe(false);
  });
});
