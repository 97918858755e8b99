// docTargeting's secondary docs: where else an item's subject (a script, a variable,
// `DELETE /pets/{id}`, an owner) is mentioned. `primary_first` patches the primary doc and
// lists these mentions beside the patch, at most `maxDocsPerDrift` docs per item (the
// primary counts as one); `primary_only` lists none. Pure: the docs are read at the edge.
// Mentions are searched in the Markdown tree's text and code nodes (their source text),
// never with a regular expression over the whole file; skip regions do not count.
import { docKey, type DocTarget, type DriftItem } from './item.js';
import type { MarkdownDoc } from './markdown.js';

/** At most this many lines are listed per doc; `total` says how many there were. */
export const MAX_MENTION_LINES = 10;

export interface DocMention {
  target: DocTarget;
  /** 1-based lines that mention the subject (at most MAX_MENTION_LINES). */
  lines: number[];
  /** Lines that mention it in all. */
  total: number;
}

export interface ItemMentions {
  docs: DocMention[];
  /** Docs that mention the subject too but were left out by maxDocsPerDrift. */
  omitted: number;
}

export type DocStrategy = 'primary_first' | 'primary_only' | 'all';

const WORD = /[A-Za-z0-9_]/;

/** Does the token go on with `c`? A word character does; so do `-`, `:` and `.` when a word character follows (`deploy:prod:eu`, not `deploy:prod.`). */
function continues(c: string | undefined, next: string | undefined): boolean {
  if (c === undefined) return false;
  return WORD.test(c) || ('-:.'.includes(c) && next !== undefined && WORD.test(next));
}

/** 1-based lines of `doc` that mention `subject` (as a whole token: `deploy:prod` is not in `deploy:prod:eu` nor `PAYMENTS_DB` in `PAYMENTS_DB_URL`). */
export function findMentions(doc: MarkdownDoc, subject: string): number[] {
  const needle = subject.trim();
  if (needle === '') return [];
  const wordStart = WORD.test(needle[0]!);
  const wordEnd = WORD.test(needle[needle.length - 1]!);
  const lines = new Set<number>();
  for (const { start, end } of doc.spans(['text', 'inlineCode', 'code'])) {
    if (doc.isSkipped(start)) continue;
    const raw = doc.text.slice(start, end);
    for (let i = raw.indexOf(needle); i !== -1; i = raw.indexOf(needle, i + 1)) {
      if (wordStart && continues(raw[i - 1], raw[i - 2])) continue;
      if (wordEnd && continues(raw[i + needle.length], raw[i + needle.length + 1])) continue;
      lines.add(doc.lineOf(start + i));
    }
  }
  return [...lines].sort((a, b) => a - b);
}

/**
 * Per item (by fingerprint), the secondary docs that mention its subject, in the pack's
 * order, capped so that at most `maxDocsPerDrift` docs count per item (the primary doc
 * included). Items mentioned nowhere else are absent; `primary_only` gives an empty map.
 * A secondary doc that is the item's own doc is not listed.
 */
export function secondaryMentions(
  items: ReadonlyArray<Pick<DriftItem, 'fingerprint' | 'subject' | 'docTarget'>>,
  docs: ReadonlyArray<{ target: DocTarget; doc: MarkdownDoc }>,
  targeting: { strategy: DocStrategy; maxDocsPerDrift: number },
): Map<string, ItemMentions> {
  const out = new Map<string, ItemMentions>();
  if (targeting.strategy === 'primary_only') return out;
  const room = Math.max(0, targeting.maxDocsPerDrift - 1);
  for (const item of items) {
    const own = docKey(item.docTarget);
    const found: DocMention[] = [];
    for (const d of docs) {
      if (docKey(d.target) === own) continue;
      const lines = findMentions(d.doc, item.subject);
      if (lines.length) found.push({ target: d.target, lines: lines.slice(0, MAX_MENTION_LINES), total: lines.length });
    }
    if (found.length) out.set(item.fingerprint, { docs: found.slice(0, room), omitted: Math.max(0, found.length - room) });
  }
  return out;
}
