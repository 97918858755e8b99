import { applyPatch as applyUnifiedDiff } from 'diff';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyEdits, applyPatch, applyPatches, DIFF_MAX_HUNKS, makePatch, PatchConflictError, renderDiff, type TextEdit } from '../../src/drift/item.js';
import { parseDoc, type MarkdownDoc } from '../../src/drift/markdown.js';

describe('patches', () => {
  it('the unified diff applies to the doc and gives the patched text, for any edits', () => {
    const line = fc.stringMatching(/^[a-z `|#-]{0,12}$/);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 60 }), fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.stringMatching(/^[a-z\n]{0,8}$/)), { maxLength: 12 }), (lines, raw) => {
        const text = `${lines.join('\n')}\n`;
        const edits: TextEdit[] = [];
        for (const [at, len, replacement] of raw) {
          const start = at % text.length;
          const end = Math.min(text.length, start + len);
          if (edits.some((e) => start < e.end && e.start < end) || edits.some((e) => e.start === start)) continue;
          edits.push({ start, end, replacement });
        }
        const expected = applyEdits(text, edits);
        const diff = renderDiff('d.md', text, edits);
        if (expected === text) return;
        expect(applyUnifiedDiff(text, diff)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('a preview shows at most DIFF_MAX_HUNKS places and says how many more', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n');
    const edits = Array.from({ length: 80 }, (_, i) => ({ start: text.indexOf(`line ${i * 12}\n`), end: text.indexOf(`line ${i * 12}\n`) + 4, replacement: 'LINE' }));
    const diff = renderDiff('d.md', text, edits);
    expect(diff.match(/^@@/gm)).toHaveLength(DIFF_MAX_HUNKS);
    expect(diff).toContain('… and 30 more places changed by the same patch');
  });

  it('refuses a patch on another version of the doc and overlapping edits', () => {
    const p = makePatch('d.md', 'hello world\n', [{ start: 0, end: 5, replacement: 'howdy' }]);
    expect(applyPatch('hello world\n', p)).toBe('howdy world\n');
    expect(() => applyPatch('hello there\n', p)).toThrow(PatchConflictError);
    expect(() => applyEdits('abc', [{ start: 0, end: 2, replacement: '' }, { start: 1, end: 3, replacement: '' }])).toThrow(/overlapping/);
  });

  it('several items on one doc: overlapping ones are left for the next flush', () => {
    const text = 'a b c\n';
    const p1 = makePatch('d', text, [{ start: 0, end: 1, replacement: 'A' }]);
    const p2 = makePatch('d', text, [{ start: 0, end: 3, replacement: 'X' }]);
    const p3 = makePatch('d', text, [{ start: 4, end: 5, replacement: 'C' }]);
    const stale = makePatch('d', 'other', [{ start: 0, end: 1, replacement: 'O' }]);
    expect(applyPatches(text, [p1, p2, p3, stale])).toEqual({ text: 'A b C\n', applied: [0, 2], conflicts: [1, 3] });
  });
});

describe('the doc model', () => {
  const text = [
    '# Title',
    '',
    '## Setup',
    '',
    '| Name | `a \\| b` | c |',
    '|:---|---:|---|',
    '| `X_Y` | 2 | three |',
    '',
    '### Deeper',
    '',
    '<!-- puddlejumper:skip -->',
    '`hidden`',
    '<!-- /puddlejumper:skip -->',
    '',
    '`shown`',
    '',
    '## Other',
  ].join('\n');
  const doc = parseDoc('d.md', text) as MarkdownDoc;

  it('sections by heading, with their heading paths', () => {
    expect(doc.headings.map((h) => [h.path, h.line])).toEqual([
      ['Title', 1],
      ['Title > Setup', 3],
      ['Title > Setup > Deeper', 9],
      ['Title > Other', 17],
    ]);
    expect(doc.section('  setup ')!.sectionEnd).toBe(text.indexOf('## Other'));
    expect(doc.section('Title > Setup > Deeper')?.title).toBe('Deeper');
    expect(doc.section('Missing')).toBeUndefined();
  });

  it('tables with exact cell offsets (escaped pipes and code spans kept in a cell)', () => {
    const [table] = doc.tables();
    expect(table!.header.cells.map((c) => c.text)).toEqual(['Name', '`a \\| b`', 'c']);
    expect(table!.rows[0]!.cells.map((c) => text.slice(c.start, c.end))).toEqual(['`X_Y`', '2', 'three']);
    expect(table!.rows[0]!.line).toBe(7);
  });

  it('skip regions hide code from detectors', () => {
    expect(doc.code().map((c) => c.raw)).toEqual(['`a \\| b`', '`X_Y`', '`shown`']);
    expect(doc.markers.map((m) => [m.name, m.line])).toEqual([['skip', 11]]);
  });
});
