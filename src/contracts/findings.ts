// A finding: one thing a comparator found in a pull request, written for the developer
// who has to act on it, with where it is and which pack version said so.
import type { Comparator, Severity, Enforcement } from '../packs/schema.js';
import type { ValidPack } from '../packs/types.js';
import { failClosedScore, scoreFor, severityFromScore, type Level } from './scoring.js';

export type { Level } from './scoring.js';

export interface Finding {
  /** Comparator type, e.g. `openapi.diff`. */
  comparator: string;
  /** Rule id: the oasdiff id for openapi.diff, `<comparator>` or a sub-rule otherwise. */
  ruleId: string;
  level: Level;
  severity: Severity;
  /** 0-100, see scoring.ts. */
  score: number;
  /** The whole sentence a reader sees, naming the operation where there is one. */
  message: string;
  /** Repo-relative. */
  file?: string;
  line?: number;
  column?: number;
  /** HTTP method (upper case) and path template, for API findings. */
  method?: string;
  path?: string;
  packId: string;
  versionHash: string;
}

/** What a comparator knows about a finding; the rest comes from the pack. */
export interface FindingDraft {
  ruleId: string;
  level: Level;
  message: string;
  file?: string;
  line?: number;
  column?: number;
  method?: string;
  path?: string;
  /** Unreadable input or a crash: scored at least `high`, never a pass. */
  failClosed?: boolean;
}

export const DEFAULT_ENFORCEMENT: Enforcement = { mode: 'warn', blockAt: 'high', criticalThreshold: 90, highThreshold: 70, mediumThreshold: 40 };

/** The severity a comparator runs at: its own in the pack, else the type's default. */
export function comparatorSeverity(comparator: Comparator, fallback: Severity = 'medium'): Severity {
  return comparator.severity ?? fallback;
}

export function makeFinding(pack: ValidPack, comparator: Comparator, draft: FindingDraft, fallbackSeverity: Severity = 'medium'): Finding {
  const enforcement = pack.pack.trackA?.enforcement ?? DEFAULT_ENFORCEMENT;
  const base = comparatorSeverity(comparator, fallbackSeverity);
  const score = draft.failClosed ? failClosedScore(base, enforcement) : scoreFor(base, draft.level);
  const finding: Finding = {
    comparator: comparator.type,
    ruleId: draft.ruleId,
    level: draft.level,
    severity: severityFromScore(score, enforcement),
    score,
    message: draft.message,
    packId: pack.pack.id,
    versionHash: pack.versionHash,
  };
  if (draft.file !== undefined) finding.file = draft.file.replace(/^\.?\/+/, '');
  if (draft.line !== undefined) finding.line = draft.line;
  if (draft.column !== undefined) finding.column = draft.column;
  if (draft.method !== undefined) finding.method = draft.method;
  if (draft.path !== undefined) finding.path = draft.path;
  return finding;
}

/** Highest score first; then by file and line, for a stable report. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    b.score - a.score ||
    (a.file ?? '').localeCompare(b.file ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    a.ruleId.localeCompare(b.ruleId)
  );
}
