// `owner` (ownership): CODEOWNERS changed, and the doc's owners section still names an
// owner (`@user`, `@org/team`, an e-mail) that CODEOWNERS no longer lists anywhere.
// When the change swapped exactly one owner for another on the same pattern lines (and
// consistently so), the name is replaced; otherwise the item is flagged.
// The owners section: `sections` in the config, else the drift type's `sectionTarget`,
// else the first heading that says Owner(s), Ownership, Maintainers or Contacts.
import type { ChangedFile } from '../../change/changeset.js';
import type { DriftItem } from '../item.js';
import type { Range } from '../markdown.js';
import type { OwnerConfig } from '../types.js';
import { item, problem, scope, type Detector, type DetectorInput } from './detector.js';

const DEFAULT_PATHS = ['CODEOWNERS', '.github/CODEOWNERS', 'docs/CODEOWNERS'];
const OWNER = /(?<![\w.@/-])(@[A-Za-z0-9][A-Za-z0-9-]*(?:\/[A-Za-z0-9._-]*[A-Za-z0-9_-])?|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/g;

interface Rule {
  pattern: string;
  owners: string[];
  line: number;
}

export function parseCodeowners(text: string): Rule[] {
  const rules: Rule[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const [pattern, ...owners] = line.split(/\s+/);
    rules.push({ pattern: pattern!, owners: owners.filter((o) => o.startsWith('@') || o.includes('@')), line: i + 1 });
  });
  return rules;
}

const key = (owner: string) => owner.toLowerCase();

export const detectOwner: Detector<OwnerConfig> = async (input) => {
  const paths = input.config.codeownersPath ? [input.config.codeownersPath] : DEFAULT_PATHS;
  const changed = input.files.find((f) => paths.includes(f.path) || (f.previousPath !== undefined && paths.includes(f.previousPath)));
  if (!changed) return [];
  const [baseText, headText] = await Promise.all([input.changes.readBase(changed.previousPath ?? changed.path), input.changes.readHead(changed.path)]);
  const base = parseCodeowners(baseText ?? '');
  const head = parseCodeowners(headText ?? '');
  const { firstRule, gone } = ownersGone(base, head);
  if (gone.length === 0) return [];
  const section = ownersSection(input, changed.path);
  if ('problem' in section) return [section.problem];
  const replacement = replacements(base, head);
  const items: DriftItem[] = [];
  for (const [owner, list] of ownerMentions(input, section.range, gone)) {
    const stale: StaleOwner = { owner, mentions: list, rule: firstRule.get(owner)!, to: replacement.get(owner) ?? undefined };
    items.push(ownerItem(input, changed, stale));
  }
  return items;
};

/** Owners (lower-cased) that base CODEOWNERS lists and head lists nowhere, and the first base rule naming each owner. */
function ownersGone(base: readonly Rule[], head: readonly Rule[]): { firstRule: Map<string, Rule>; gone: string[] } {
  const headOwners = new Set(head.flatMap((r) => r.owners.map(key)));
  const firstRule = new Map<string, Rule>();
  for (const r of base) for (const o of r.owners) if (!firstRule.has(key(o))) firstRule.set(key(o), r);
  return { firstRule, gone: [...firstRule.keys()].filter((o) => !headOwners.has(o)) };
}

/**
 * Replacements: on a pattern present on both sides, one owner out and one in. An owner
 * replaced by different owners on different lines has none (null).
 */
function replacements(base: readonly Rule[], head: readonly Rule[]): Map<string, string | null> {
  const replacement = new Map<string, string | null>();
  const headByPattern = new Map(head.map((r) => [r.pattern, r]));
  for (const b of base) {
    const h = headByPattern.get(b.pattern);
    if (!h) continue;
    const out = b.owners.filter((o) => !h.owners.some((x) => key(x) === key(o)));
    const inn = h.owners.filter((o) => !b.owners.some((x) => key(x) === key(o)));
    for (const o of out) {
      const prior = replacement.get(key(o));
      const next = out.length === 1 && inn.length === 1 ? inn[0]! : null;
      replacement.set(key(o), prior === undefined ? next : prior === next ? prior : null);
    }
  }
  return replacement;
}

/** The owners section: `sections` in the config, else `sectionTarget`, else the first heading that says Owners (or alike). */
function ownersSection(input: DetectorInput<OwnerConfig>, codeowners: string): { range: Range } | { problem: DriftItem } {
  const names = input.config.sections ?? (input.sectionTarget ? [input.sectionTarget] : []);
  if (names.length > 0) return scope('owner', input, names);
  const h = input.doc.headings.find((x) => /\b(owners?|ownership|maintainers?|contacts?)\b/i.test(x.title));
  if (h) return { range: { start: h.start, end: h.sectionEnd } };
  return {
    problem: problem('owner', input, 'problem.section-missing', `${codeowners} changed, and ${input.doc.path} has no owners section (a heading with Owners, Ownership, Maintainers or Contacts; or set sections in the config): owners were not checked`),
  };
}

/** Where the section names each gone owner (prose and fenced blocks), by owner. */
function ownerMentions(input: DetectorInput<OwnerConfig>, range: Range, gone: readonly string[]): Map<string, Range[]> {
  const mentions = new Map<string, Range[]>();
  const nodes = [...input.doc.prose(range), ...input.doc.code(range).filter((c) => c.kind === 'fenced')];
  for (const node of nodes) {
    for (const m of node.raw.matchAll(OWNER)) {
      const k = key(m[1]!);
      if (!gone.includes(k)) continue;
      mentions.set(k, [...(mentions.get(k) ?? []), { start: node.start + m.index, end: node.start + m.index + m[1]!.length }]);
    }
  }
  return mentions;
}

interface StaleOwner {
  owner: string;
  mentions: Range[];
  /** The base CODEOWNERS rule that named the owner first. */
  rule: Rule;
  /** Who took their place, when exactly one owner did. */
  to: string | undefined;
}

/** `owner.replaced` (the mentions edited) when there is a successor, else `owner.gone` (flagged). */
function ownerItem(input: DetectorInput<OwnerConfig>, changed: ChangedFile, { owner, mentions, rule, to }: StaleOwner): DriftItem {
  const shown = input.doc.text.slice(mentions[0]!.start, mentions[0]!.end);
  const evidence = [{ file: changed.previousPath ?? changed.path, line: rule.line, side: 'base' as const }, { file: input.doc.path, line: input.doc.lineOf(mentions[0]!.start), side: 'doc' as const }];
  if (to) {
    return item('owner', input, {
      rule: 'owner.replaced',
      message: `The doc names ${shown} as an owner; ${changed.path} now has ${to} in their place (\`${rule.pattern}\`).`,
      subject: shown,
      identity: { owner, to: key(to) },
      changeClass: 'behavioral',
      confidence: 0.9,
      evidence,
      edits: mentions.map((m) => ({ start: m.start, end: m.end, replacement: to })),
    });
  }
  return item('owner', input, {
    rule: 'owner.gone',
    message: `The doc names ${shown} as an owner; ${changed.path} no longer lists them anywhere.`,
    subject: shown,
    identity: { owner },
    changeClass: 'behavioral',
    confidence: 0.8,
    evidence,
    at: mentions[0]!.start,
  });
}
