// The digest issue: one per repo and pack, titled "PuddleJumper: documentation drift",
// upserted in place (found by its hidden marker). Grouped by doc; every item has a
// checkbox that, once ticked, asks for its remediation now (`parseDigestChecks` and
// `newlyTicked` read the boxes back from an `issues.edited` body). A section lists the
// items below the digest threshold, and one the items that were ignored or stopped. Pure.
import { docKey, type DocTarget } from '../drift/item.js';
import type { SourceRef } from '../drift/accumulation.js';
import type { ScoredItem } from '../drift/materiality.js';
import type { ItemMentions } from '../drift/mentions.js';
import { docLabel } from './drift-check.js';
import { mentionText } from './remediation-pr.js';

export const DIGEST_TITLE = 'PuddleJumper: documentation drift';
export const DIGEST_MARKER = 'puddlejumper:drift-digest';
export const ISSUE_BODY_LIMIT = 65_536;

export interface DigestEntry extends ScoredItem {
  sources: SourceRef[];
  /** Shown in the "ignored or stopped" section: why. */
  closedReason?: 'ignored' | 'pr-closed' | 'stopped';
}

export interface DigestDoc {
  docTarget: DocTarget;
  /** Items in the digest band (and anything routed here, e.g. after a stopped PR). */
  entries: readonly DigestEntry[];
  /** Items between `ignore` and `digestOnly`. */
  below: readonly DigestEntry[];
  /** Items ignored (remediation PR closed unmerged) or whose PR stopped being updated. */
  closed: readonly DigestEntry[];
  /** docTargeting primary_first: per fingerprint, the secondary docs that mention the item's subject. */
  mentions?: ReadonlyMap<string, ItemMentions>;
  /** Secondary docs that could not be read, with why. */
  unreadable?: readonly string[];
}

export interface DigestIssue {
  title: string;
  body: string;
  /** True when nothing is left: the issue should be closed. */
  empty: boolean;
}

function inline(s: string): string {
  return s.replace(/\r?\n/g, ' ');
}

function sourceLabel(s: SourceRef): string {
  return s.number !== undefined ? `${s.repo}#${s.number}` : `${s.repo}@${s.sha.slice(0, 7)}`;
}

function checkbox(e: DigestEntry, ticked: boolean, mentions?: ReadonlyMap<string, ItemMentions>): string {
  const where = e.item.docLine ? ` (line ${e.item.docLine})` : '';
  const src = e.sources.length ? ` — from ${e.sources.map(sourceLabel).join(', ')}` : '';
  const also = mentionText(mentions?.get(e.item.fingerprint));
  return `- [${ticked ? 'x' : ' '}] <!-- pj-item:${e.item.fingerprint} --> **${inline(e.item.subject)}**${where}: ${inline(e.item.message)} _(${e.severity}, ${e.score.toFixed(3)}${e.item.patch ? ', patch ready' : ', needs a person'})_${src}${also ? `\n  - Also mentioned in: ${also}` : ''}`;
}

export function buildDigestIssue(input: { repo: string; packId: string; docs: readonly DigestDoc[]; ticked?: ReadonlySet<string> }): DigestIssue {
  const ticked = input.ticked ?? new Set<string>();
  const docs = [...input.docs].sort((a, b) => (docKey(a.docTarget) < docKey(b.docTarget) ? -1 : 1));
  const open = docs.reduce((n, d) => n + d.entries.length + d.below.length, 0);
  const closed = docs.reduce((n, d) => n + d.closed.length, 0);
  const lines = [
    `<!-- ${DIGEST_MARKER} repo=${input.repo} pack=${input.packId} -->`,
    `Documentation that merged changes in \`${input.repo}\` made stale, below the threshold for a remediation PR (pack \`${input.packId}\`).`,
    '',
    '**Tick a box to ask for that item\'s remediation now.**',
  ];
  for (const d of docs) {
    if (d.entries.length + d.below.length === 0) continue;
    lines.push('', `### \`${docLabel(d.docTarget)}\``, '');
    for (const e of d.entries) lines.push(checkbox(e, ticked.has(e.item.fingerprint), d.mentions));
    if (d.unreadable?.length) lines.push('', `Secondary docs not checked for mentions: ${d.unreadable.map(inline).join('; ')}`, '');
    if (d.below.length) {
      lines.push('', `<details><summary>${d.below.length} below the digest threshold</summary>`, '');
      for (const e of d.below) lines.push(checkbox(e, ticked.has(e.item.fingerprint), d.mentions));
      lines.push('', '</details>');
    }
  }
  if (closed > 0) {
    lines.push('', '### Ignored or stopped', '');
    for (const d of docs) {
      for (const e of d.closed) {
        const why = e.closedReason === 'pr-closed' ? 'remediation PR closed without merging' : e.closedReason === 'stopped' ? 'its remediation PR was edited by a person; PuddleJumper stopped updating it' : 'ignored';
        lines.push(`- \`${docLabel(d.docTarget)}\` **${inline(e.item.subject)}**: ${inline(e.item.message)} — ${why}`);
      }
    }
  }
  if (open === 0 && closed === 0) lines.push('', 'Nothing left: every item is resolved.');
  let body = lines.join('\n');
  if (body.length > ISSUE_BODY_LIMIT) body = `${body.slice(0, ISSUE_BODY_LIMIT - 40)}\n\n… (digest truncated)`;
  return { title: DIGEST_TITLE, body, empty: open === 0 };
}

/** Fingerprint -> ticked, from a digest body (as a person edited it). */
export function parseDigestChecks(body: string | null | undefined): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const line of (body ?? '').split('\n')) {
    const m = /^\s*[-*]\s+\[([ xX])\]\s+<!--\s*pj-item:([0-9a-f]+)\s*-->/.exec(line);
    if (m) out.set(m[2]!, m[1] !== ' ');
  }
  return out;
}

/** Fingerprints ticked in `after` that were not ticked in `before` (an `issues.edited` event). */
export function newlyTicked(before: string | null | undefined, after: string | null | undefined): string[] {
  const was = parseDigestChecks(before);
  return [...parseDigestChecks(after)].filter(([fp, on]) => on && was.get(fp) !== true).map(([fp]) => fp);
}

/** Is this issue body a digest for (repo, pack)? */
export function isDigestFor(body: string | null | undefined, repo: string, packId: string): boolean {
  return (body ?? '').includes(`<!-- ${DIGEST_MARKER} repo=${repo} pack=${packId} -->`);
}
