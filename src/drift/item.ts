// The drift item: what a detector says about one stale piece of a doc, and the precise
// text edit (if any) that would make it right again. Pure.
//
// A patch is a list of edits on the doc text as the detector saw it: half-open UTF-16
// offset ranges [start, end) with their replacement, never overlapping. Applying a patch
// to a doc whose text changed since is refused (the `docHash` names the text it was made
// for), so a stale patch can never corrupt a doc.
import { formatPatch, structuredPatch, type StructuredPatch } from 'diff';
import { canonicalJson, sha256Hex } from '../canonical.js';
import type { DriftTypeName } from './types.js';

export const CHANGE_CLASSES = ['breaking', 'behavioral', 'additive', 'cosmetic'] as const;
export type ChangeClass = (typeof CHANGE_CLASSES)[number];

/** A place in a repository file (1-based line). `side` says which version of the file. */
export interface Evidence {
  file: string;
  line: number;
  side?: 'base' | 'head' | 'doc';
  note?: string;
}

export interface TextEdit {
  start: number;
  end: number;
  replacement: string;
}

export interface DocPatch {
  /** sha256 of the doc text the offsets refer to. */
  docHash: string;
  edits: TextEdit[];
  /** Unified diff of the edits, for previews (a few lines of context). */
  diff: string;
}

/** Where a doc lives, as a pack names it (primaryDoc). */
export interface DocTarget {
  system: string;
  repo?: string;
  path?: string;
  id?: string;
  /** runbook | api_reference | readme | … (free text; materiality knows a few). */
  class?: string;
}

/**
 * What an item is. Drift rules name a stale piece of the doc; `problem.*` rules say the
 * detector could not look (missing section, doc too large, unreadable spec, …): such an
 * item is never dropped by materiality, so bad input is never a silent pass.
 */
export interface DriftItem {
  type: DriftTypeName;
  /** e.g. `instruction.script-renamed`, `env_var.undocumented`, `problem.section-missing`. */
  rule: string;
  /** One line a reader understands. */
  message: string;
  /** The stale thing itself: a script, a variable, `DELETE /pets/{id}`, an owner. `ignorePatterns` match it. */
  subject: string;
  docTarget: DocTarget;
  /** The heading path of the doc section (e.g. "Operations > Deployment Steps"), or "" for the whole doc. */
  section: string;
  /** 1-based line in the doc where the stale text is (first mention), when there is one. */
  docLine?: number;
  /** The code/spec/config lines that prove the drift. */
  evidence: Evidence[];
  /** Stable across PRs for the same stale thing in the same doc: the de-duplication key. */
  fingerprint: string;
  changeClass: ChangeClass;
  confidence: number;
  /** The edit that fixes it, or null when the item is only flagged. */
  patch: DocPatch | null;
  /**
   * How to tell, from a later version of the doc alone, that the item no longer holds:
   * the stale text is `absent`, or the missing text is `present` (see noise.ts resolvedItems).
   */
  resolution?: { kind: 'absent' | 'present'; text: string };
}

export function isProblem(item: Pick<DriftItem, 'rule'>): boolean {
  return item.rule.startsWith('problem.');
}

export function docKey(target: DocTarget): string {
  return target.system === 'github' || target.path !== undefined
    ? `${target.system}:${target.repo ?? ''}:${target.path ?? target.id ?? ''}`
    : `${target.system}:${target.id ?? ''}`;
}

/** Fingerprint from what the item is about, not from where or when it was seen. */
export function fingerprintOf(type: string, rule: string, target: DocTarget, subject: unknown): string {
  return sha256Hex(canonicalJson({ type, rule, doc: docKey(target), subject })).slice(0, 24);
}

export function hashText(text: string): string {
  return sha256Hex(text);
}

export class PatchConflictError extends Error {}

/** Edits sorted by start; throws on overlap (a detector bug, never silently merged). */
export function normaliseEdits(edits: readonly TextEdit[]): TextEdit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.start < sorted[i - 1]!.end) {
      throw new PatchConflictError(`overlapping edits at offsets ${sorted[i - 1]!.start}-${sorted[i - 1]!.end} and ${sorted[i]!.start}-${sorted[i]!.end}`);
    }
  }
  return sorted;
}

export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = normaliseEdits(edits);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at || e.end > text.length || e.start > e.end) throw new PatchConflictError(`edit ${e.start}-${e.end} is outside the doc`);
    out += text.slice(at, e.start) + e.replacement;
    at = e.end;
  }
  return out + text.slice(at);
}

/** Applies a patch to the doc it was made for; refuses another text. */
export function applyPatch(text: string, patch: DocPatch): string {
  if (hashText(text) !== patch.docHash) throw new PatchConflictError('the doc changed since the patch was made');
  return applyEdits(text, patch.edits);
}

/**
 * Several items' patches on one doc, in one text. Items whose edits overlap an earlier
 * item's are returned in `conflicts` (they go to the next flush, after a re-detection).
 */
export function applyPatches(text: string, patches: readonly DocPatch[]): { text: string; applied: number[]; conflicts: number[] } {
  const hash = hashText(text);
  const taken: TextEdit[] = [];
  const applied: number[] = [];
  const conflicts: number[] = [];
  patches.forEach((p, index) => {
    if (p.docHash !== hash) {
      conflicts.push(index);
      return;
    }
    const clash = p.edits.some((e) => taken.some((t) => e.start < t.end && t.start < e.end));
    if (clash) conflicts.push(index);
    else {
      taken.push(...p.edits);
      applied.push(index);
    }
  });
  return { text: applyEdits(text, taken), applied, conflicts };
}

const CONTEXT = 3;
/** A preview shows at most this many separate places; the patch itself keeps every edit. */
export const DIFF_MAX_HUNKS = 50;

/**
 * A unified diff of the edits. Edits are grouped into clusters of nearby lines and only
 * those lines are diffed (a 1 MB doc with edits in 5000 places costs 5000 small diffs, not
 * one diff of the whole file), with the hunk positions of the whole file.
 */
export function renderDiff(path: string, text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return '';
  const sorted = normaliseEdits(edits);
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo; // 0-based
  };
  // Clusters of edits whose context windows touch.
  const clusters: Array<{ first: number; last: number; edits: TextEdit[] }> = [];
  for (const e of sorted) {
    const first = Math.max(0, lineOf(e.start) - CONTEXT);
    const last = Math.min(starts.length - 1, lineOf(Math.max(e.start, e.end - 1)) + CONTEXT);
    const current = clusters[clusters.length - 1];
    if (current && first <= current.last + 1) {
      current.last = Math.max(current.last, last);
      current.edits.push(e);
    } else clusters.push({ first, last, edits: [e] });
  }
  const shown = clusters.slice(0, DIFF_MAX_HUNKS);
  const hunks: StructuredPatch['hunks'] = [];
  let delta = 0; // lines added minus removed by earlier clusters
  for (const c of clusters) {
    const from = starts[c.first]!;
    const to = c.last + 1 < starts.length ? starts[c.last + 1]! : text.length;
    const before = text.slice(from, to);
    const after = applyEdits(before, c.edits.map((e) => ({ start: e.start - from, end: e.end - from, replacement: e.replacement })));
    if (shown.includes(c)) {
      const part = structuredPatch('a', 'b', before, after, undefined, undefined, { context: CONTEXT });
      for (const h of part.hunks) {
        h.oldStart += c.first;
        h.newStart += c.first + delta;
        hunks.push(h);
      }
    }
    delta += lineCount(after) - lineCount(before);
  }
  const patch: StructuredPatch = { oldFileName: `a/${path}`, newFileName: `b/${path}`, oldHeader: undefined, newHeader: undefined, hunks };
  const more = clusters.length - shown.length;
  return formatPatch(patch).replace(/^=+\n/m, '').replace(/^Index: .*\n/m, '') + (more > 0 ? `… and ${more} more place${more > 1 ? 's' : ''} changed by the same patch\n` : '');
}

function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

export function makePatch(path: string, text: string, edits: readonly TextEdit[]): DocPatch {
  const sorted = normaliseEdits(edits);
  return { docHash: hashText(text), edits: sorted, diff: renderDiff(path, text, sorted) };
}
