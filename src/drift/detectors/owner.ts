// `owner` (ownership): CODEOWNERS changed, and the doc's owners section still names an
// owner (`@user`, `@org/team`, an e-mail) that CODEOWNERS no longer lists anywhere.
// When the change swapped exactly one owner for another on the same pattern lines (and
// consistently so), the name is replaced; otherwise the item is flagged.
// The owners section: `sections` in the config, else the drift type's `sectionTarget`,
// else the first heading that says Owner(s), Ownership, Maintainers or Contacts.
import type { DriftItem } from '../item.js';
import type { OwnerConfig } from '../types.js';
import { item, problem, scope, type Detector } from './detector.js';

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
  const headOwners = new Set(head.flatMap((r) => r.owners.map(key)));
  const baseOwners = new Map<string, Rule>();
  for (const r of base) for (const o of r.owners) if (!baseOwners.has(key(o))) baseOwners.set(key(o), r);
  const gone = [...baseOwners.keys()].filter((o) => !headOwners.has(o));
  if (gone.length === 0) return [];

  // Replacements: on a pattern present on both sides, one owner out and one in.
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

  const names = input.config.sections ?? (input.sectionTarget ? [input.sectionTarget] : []);
  let range: { start: number; end: number };
  if (names.length > 0) {
    const where = scope('owner', input, names);
    if ('problem' in where) return [where.problem];
    range = where.range;
  } else {
    const h = input.doc.headings.find((x) => /\b(owners?|ownership|maintainers?|contacts?)\b/i.test(x.title));
    if (!h) return [problem('owner', input, 'problem.section-missing', `${changed.path} changed, and ${input.doc.path} has no owners section (a heading with Owners, Ownership, Maintainers or Contacts; or set sections in the config): owners were not checked`)];
    range = { start: h.start, end: h.sectionEnd };
  }

  const mentions = new Map<string, Array<{ start: number; end: number }>>();
  const nodes = [...input.doc.prose(range), ...input.doc.code(range).filter((c) => c.kind === 'fenced')];
  for (const node of nodes) {
    for (const m of node.raw.matchAll(OWNER)) {
      const k = key(m[1]!);
      if (!gone.includes(k)) continue;
      mentions.set(k, [...(mentions.get(k) ?? []), { start: node.start + m.index, end: node.start + m.index + m[1]!.length }]);
    }
  }
  const items: DriftItem[] = [];
  for (const [owner, list] of mentions) {
    const rule = baseOwners.get(owner)!;
    const to = replacement.get(owner) ?? undefined;
    const shown = input.doc.text.slice(list[0]!.start, list[0]!.end);
    const evidence = [{ file: changed.previousPath ?? changed.path, line: rule.line, side: 'base' as const }, { file: input.doc.path, line: input.doc.lineOf(list[0]!.start), side: 'doc' as const }];
    items.push(
      to
        ? item('owner', input, {
            rule: 'owner.replaced',
            message: `The doc names ${shown} as an owner; ${changed.path} now has ${to} in their place (\`${rule.pattern}\`).`,
            subject: shown,
            identity: { owner, to: key(to) },
            changeClass: 'behavioral',
            confidence: 0.9,
            evidence,
            edits: list.map((m) => ({ start: m.start, end: m.end, replacement: to })),
          })
        : item('owner', input, {
            rule: 'owner.gone',
            message: `The doc names ${shown} as an owner; ${changed.path} no longer lists them anywhere.`,
            subject: shown,
            identity: { owner },
            changeClass: 'behavioral',
            confidence: 0.8,
            evidence,
            at: list[0]!.start,
          }),
    );
  }
  return items;
};
