// Noise controls, the pure parts:
//   - ignorePaths: changes to these files never make drift (they are removed from the
//     ChangeSet's file list before any detector sees it);
//   - ignorePatterns: regular expressions on an item's subject (`^INTERNAL_`) and on the
//     doc line it points at; a match drops the item (problem items are never dropped);
//   - the skip marker (<!-- puddlejumper:skip --> … <!-- /puddlejumper:skip -->) is honoured
//     by the doc model itself (markdown.ts): nothing inside is read, so nothing is patched;
//   - de-duplication by fingerprint: within a run, and against what was already raised;
//   - resolution: an open item that a later version of the doc no longer supports.
import { matchesAny } from '../packs/globs.js';
import type { ChangedFile } from '../change/changeset.js';
import { isProblem, type DriftItem } from './item.js';
import { tokenOccurrences } from './detectors/detector.js';

export function withoutIgnoredPaths(files: readonly ChangedFile[], ignorePaths: readonly string[]): ChangedFile[] {
  if (ignorePaths.length === 0) return [...files];
  // A rename out of an ignored place into a watched one still counts (and vice versa).
  return files.filter((f) => !matchesAny(f.path, ignorePaths) || (f.previousPath !== undefined && !matchesAny(f.previousPath, ignorePaths)));
}

export interface CompiledPatterns {
  patterns: RegExp[];
  /** Patterns that are not valid regular expressions: reported, never silently dropped. */
  invalid: Array<{ pattern: string; reason: string }>;
}

export function compilePatterns(patterns: readonly string[]): CompiledPatterns {
  const out: CompiledPatterns = { patterns: [], invalid: [] };
  for (const p of patterns) {
    try {
      out.patterns.push(new RegExp(p, 'u'));
    } catch (error) {
      out.invalid.push({ pattern: p, reason: (error as Error).message });
    }
  }
  return out;
}

/** True when an ignore pattern matches the item's subject or the doc line it points at. */
export function isIgnoredByPattern(item: DriftItem, patterns: readonly RegExp[], docText?: string): boolean {
  if (isProblem(item) || patterns.length === 0) return false;
  if (patterns.some((p) => p.test(item.subject))) return true;
  if (docText === undefined || item.docLine === undefined) return false;
  const line = lineText(docText, item.docLine);
  return line !== undefined && patterns.some((p) => p.test(line));
}

function lineText(text: string, line: number): string | undefined {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf('\n', at);
    if (nl === -1) return undefined;
    at = nl + 1;
  }
  const end = text.indexOf('\n', at);
  return text.slice(at, end === -1 ? text.length : end);
}

/** One item per fingerprint (the first wins). */
export function dedupe(items: readonly DriftItem[]): DriftItem[] {
  const seen = new Set<string>();
  return items.filter((i) => (seen.has(i.fingerprint) ? false : (seen.add(i.fingerprint), true)));
}

/** Items never raised before: `known` holds the fingerprints already open, flushed or ignored. */
export function unseen(items: readonly DriftItem[], known: ReadonlySet<string>): DriftItem[] {
  return dedupe(items).filter((i) => !known.has(i.fingerprint));
}

export type ResolutionReason = 'doc-fixed' | 'not-detected-again';

export interface Resolved {
  fingerprint: string;
  reason: ResolutionReason;
}

/**
 * Which open items no longer hold, given the current state:
 *   - `docText`: the doc as it is now. An item whose stale text is gone from it (or whose
 *     missing text is now in it) was fixed — by its own remediation, or by a person.
 *   - `redetected` (optional): a fresh detection over the cumulative change for the given
 *     drift `types`. An open item of such a type that the fresh run does not raise again
 *     was undone by a later change (a script renamed back, a variable restored).
 * Problem items resolve only through re-detection (a problem is not a text in the doc).
 */
export function resolvedItems(
  open: readonly DriftItem[],
  state: { docText?: string; redetected?: { types: readonly string[]; items: readonly DriftItem[] } },
): Resolved[] {
  const out: Resolved[] = [];
  const again = state.redetected ? new Set(state.redetected.items.map((i) => i.fingerprint)) : undefined;
  for (const item of open) {
    if (state.docText !== undefined && !isProblem(item) && item.resolution) {
      const present = tokenOccurrences(state.docText, item.resolution.text, /[A-Za-z0-9_]/).length > 0;
      if ((item.resolution.kind === 'absent' && !present) || (item.resolution.kind === 'present' && present)) {
        out.push({ fingerprint: item.fingerprint, reason: 'doc-fixed' });
        continue;
      }
    }
    if (again && state.redetected!.types.includes(item.type) && !again.has(item.fingerprint)) out.push({ fingerprint: item.fingerprint, reason: 'not-detected-again' });
  }
  return out;
}
