// What every detector takes and the helpers they share. A detector is pure: the ChangeSet
// (read through its interface only), the parsed doc, its own config; it returns items.
import type { ChangeSet, ChangedFile } from '../../change/changeset.js';
import { fingerprintOf, makePatch, type ChangeClass, type DocTarget, type DriftItem, type Evidence, type TextEdit } from '../item.js';
import type { MarkdownDoc, Range } from '../markdown.js';
import type { DriftTypeName } from '../types.js';
import type { SpecOpsReader } from './api-reference.js';

export interface DetectorInput<Config> {
  changes: ChangeSet;
  /** The PR's changed files, `ignorePaths` already removed. */
  files: readonly ChangedFile[];
  doc: MarkdownDoc;
  docTarget: DocTarget;
  /** The drift type's `sectionTarget` (a heading), when the pack names one. */
  sectionTarget?: string;
  config: Config;
  /** Reads a spec's operations (api_reference) off the event loop, within a deadline; default in this thread. */
  specOps?: SpecOpsReader;
}

export type Detector<Config = Record<string, unknown>> = (input: DetectorInput<Config>) => Promise<DriftItem[]>;

export interface ItemSpec {
  rule: string;
  message: string;
  subject: string;
  /** What the fingerprint is computed from (default: the subject). */
  identity?: unknown;
  changeClass: ChangeClass;
  confidence: number;
  evidence: Evidence[];
  /** Offset in the doc of the (first) stale text. */
  at?: number;
  edits?: TextEdit[];
  /** Default: the stale text is the doc text at the first edit (or at `at`, the subject's length). */
  resolution?: { kind: 'absent' | 'present'; text: string };
}

export function item(type: DriftTypeName, input: Pick<DetectorInput<unknown>, 'doc' | 'docTarget'>, spec: ItemSpec): DriftItem {
  const { doc, docTarget } = input;
  const edits = spec.edits ?? [];
  const at = spec.at ?? edits[0]?.start;
  return {
    type,
    rule: spec.rule,
    message: spec.message,
    subject: spec.subject,
    docTarget,
    section: at === undefined ? '' : doc.sectionAt(at),
    ...(at !== undefined ? { docLine: doc.lineOf(at) } : {}),
    evidence: spec.evidence,
    fingerprint: fingerprintOf(type, spec.rule, docTarget, spec.identity ?? spec.subject),
    changeClass: spec.changeClass,
    confidence: spec.confidence,
    patch: edits.length > 0 ? makePatch(doc.path, doc.text, edits) : null,
    ...(spec.resolution ? { resolution: spec.resolution } : staleText(doc.text, edits, spec)),
  };
}

function staleText(text: string, edits: readonly TextEdit[], spec: ItemSpec): Pick<DriftItem, 'resolution'> {
  const e = edits.find((x) => x.end > x.start);
  if (e) return { resolution: { kind: 'absent', text: text.slice(e.start, e.end) } };
  if (spec.at !== undefined && text.startsWith(spec.subject, spec.at)) return { resolution: { kind: 'absent', text: spec.subject } };
  return {};
}

/** A `problem.*` item: the detector could not look, and says why. */
export function problem(type: DriftTypeName, input: Pick<DetectorInput<unknown>, 'doc' | 'docTarget'> | { doc?: undefined; docTarget: DocTarget }, rule: string, message: string, line?: number): DriftItem {
  return {
    type,
    rule,
    message,
    subject: rule,
    docTarget: input.docTarget,
    section: '',
    ...(line !== undefined ? { docLine: line } : {}),
    evidence: line !== undefined && input.docTarget.path ? [{ file: input.docTarget.path, line, side: 'doc' }] : [],
    fingerprint: fingerprintOf(type, rule, input.docTarget, message),
    changeClass: 'behavioral',
    confidence: 1,
    patch: null,
  };
}

/**
 * The part of the doc a detector reads: the section named by `sectionTarget` (or by the
 * first of `sections` that exists), else the whole doc. A named section that is not there
 * is a problem item, never a silent pass over the whole doc.
 */
export function scope(type: DriftTypeName, input: DetectorInput<unknown>, names: readonly string[]): { range: Range } | { problem: DriftItem } {
  const wanted = names.filter((n) => n.trim() !== '');
  if (wanted.length === 0) return { range: { start: 0, end: input.doc.text.length } };
  for (const name of wanted) {
    const h = input.doc.section(name);
    if (h) return { range: { start: h.start, end: h.sectionEnd } };
  }
  const have = input.doc.headings.map((h) => `"${h.title}"`).slice(0, 12).join(', ');
  return {
    problem: problem(type, input, 'problem.section-missing', `${input.doc.path} has no section ${wanted.map((n) => `"${n}"`).join(' or ')} (headings: ${have || 'none'}): nothing there was checked`),
  };
}

/** 1-based line of an offset in a plain text (for evidence in code files). */
export function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Every occurrence of `needle` in `hay` as a whole token (the characters around it are not name characters). */
export function tokenOccurrences(hay: string, needle: string, nameChars = /[A-Za-z0-9_.:/-]/): number[] {
  const out: number[] = [];
  if (needle === '') return out;
  for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) {
    const before = hay[i - 1];
    const after = hay[i + needle.length];
    if ((before === undefined || !nameChars.test(before)) && (after === undefined || !nameChars.test(after) || (after === '.' && !nameChars.test(hay[i + needle.length + 1] ?? ' ')))) out.push(i);
  }
  return out;
}
