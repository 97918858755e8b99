// Moving a patch onto a newer text of its doc. A patch's offsets refer to the text it was
// computed on (`docHash`); when a person changed the doc since (fixed another item by hand,
// say), the patch is carried over where the lines it touches are unchanged: the two texts
// are compared line by line and each edit is shifted by what changed before it. An edit
// that touches a changed line, or sits at the edge of one, is not carried (undefined): the
// item needs a re-detection or a person. Pure.
import { diffLines } from 'diff';
import { hashText, makePatch, type DocPatch, type TextEdit } from './item.js';

/** An unchanged run of text: its offset in the old text and in the new one. */
interface Kept {
  oldStart: number;
  newStart: number;
  length: number;
}

function keptRuns(oldText: string, newText: string): Kept[] {
  const runs: Kept[] = [];
  let o = 0;
  let n = 0;
  for (const part of diffLines(oldText, newText)) {
    const len = part.value.length;
    if (part.added) n += len;
    else if (part.removed) o += len;
    else {
      runs.push({ oldStart: o, newStart: n, length: len });
      o += len;
      n += len;
    }
  }
  return runs;
}

/** The edit shifted into the new text, or undefined when its place changed. */
function moveEdit(runs: readonly Kept[], e: TextEdit): TextEdit | undefined {
  // An insertion must fall strictly inside an unchanged run (at its edge, the neighbouring change decides the place).
  const run = runs.find((r) => (e.start === e.end ? e.start > r.oldStart && e.start < r.oldStart + r.length : e.start >= r.oldStart && e.end <= r.oldStart + r.length));
  if (!run) return undefined;
  const delta = run.newStart - run.oldStart;
  return { start: e.start + delta, end: e.end + delta, replacement: e.replacement };
}

/**
 * `patch` (computed on `oldText`) as a patch on `newText`; the same patch when the text did
 * not change; undefined when `oldText` is not the text the patch was computed on, or an
 * edit's place changed.
 */
export function rebasePatch(path: string, oldText: string, newText: string, patch: DocPatch): DocPatch | undefined {
  if (patch.docHash !== hashText(oldText)) return undefined;
  if (oldText === newText) return patch;
  const runs = keptRuns(oldText, newText);
  const moved: TextEdit[] = [];
  for (const e of patch.edits) {
    const m = moveEdit(runs, e);
    if (!m) return undefined;
    moved.push(m);
  }
  return makePatch(path, newText, moved);
}
