import { describe, expect, it } from 'vitest';
import { JsonOffsetLocator, LineIndex } from '../../../src/contracts/openapi/positions.js';

function locate(text: string, pointer: string[]): { line: number; column: number } {
  return new LineIndex(text).position(new JsonOffsetLocator(text).offsetOf(pointer));
}

describe('lazy JSON positions', () => {
  const text = '{\n  "a": {"x": "}\\"{", "b\\/c": [1,\n {"d": true}]},\n  "e": null\n}';

  it('finds keys past strings holding braces and escaped quotes', () => {
    expect(locate(text, ['a', 'b/c'])).toEqual({ line: 2, column: 22 });
    expect(locate(text, ['e'])).toEqual({ line: 4, column: 3 });
  });

  it('finds array elements by index', () => {
    expect(locate(text, ['a', 'b/c', '1', 'd'])).toEqual({ line: 3, column: 3 });
  });

  it('falls back to the deepest existing element', () => {
    expect(locate(text, ['a', 'missing', 'deeper'])).toEqual({ line: 2, column: 3 });
  });
});
