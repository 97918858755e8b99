import { describe, expect, it } from 'vitest';
import { reverseApplyPatch } from '../../src/change/patch.js';
import { githubPatch } from '../helpers/patch.js';

const spec = (lines: string[]) => `${lines.join('\n')}\n`;

describe('reverseApplyPatch', () => {
  const cases: Array<[string, string, string]> = [
    ['a line changed', spec(['openapi: 3.0.0', 'info:', '  version: 1.0.0', 'paths: {}']), spec(['openapi: 3.0.0', 'info:', '  version: 2.0.0', 'paths: {}'])],
    ['lines added and removed in several hunks', spec(Array.from({ length: 40 }, (_, i) => `line ${i}`)), spec(Array.from({ length: 40 }, (_, i) => (i === 3 ? 'changed' : `line ${i}`)).filter((_, i) => i !== 30).concat('added at the end'))],
    ['the final newline removed', 'a\nb\n', 'a\nb'],
    ['the final newline added', 'a\nb', 'a\nb\n'],
    ['everything replaced', 'x\n', 'y\nz\n'],
    ['CRLF line endings', 'a\r\nb\r\nc\r\n', 'a\r\nB\r\nc\r\n'],
    ['the file emptied', 'x\ny\n', ''],
    ['blank lines in the context', spec(['a', '', 'b', '', 'c']), spec(['a', '', 'B', '', 'c'])],
  ];
  for (const [name, base, head] of cases) {
    it(`rebuilds the base: ${name}`, () => {
      expect(reverseApplyPatch(head, githubPatch(base, head))).toBe(base);
    });
  }

  it('refuses a patch that does not fit the head (never guesses a base)', () => {
    const patch = githubPatch('a\nb\nc\n', 'a\nB\nc\n');
    expect(reverseApplyPatch('a\nX\nc\n', patch)).toBeUndefined();
    expect(reverseApplyPatch('a\nB\nc\n', 'not a patch')).toBeUndefined();
  });
});
