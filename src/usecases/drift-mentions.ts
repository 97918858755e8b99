// docTargeting at the edge: reads a pack's secondary docs (github files) and finds in them
// the mentions of each item's subject (drift/mentions.ts), for the remediation PR body and
// the digest. A secondary doc that cannot be read is named with the reason, never dropped
// silently; `primary_only` (or no secondary docs) reads nothing.
import type { DocTarget, DriftItem } from '../drift/item.js';
import { isDocProblem, parseDoc, type MarkdownDoc } from '../drift/markdown.js';
import { secondaryMentions, type ItemMentions } from '../drift/mentions.js';
import type { ValidPack } from '../packs/types.js';
import type { DriftDeps } from './drift-deps.js';

export interface SecondaryFindings {
  mentions: Map<string, ItemMentions>;
  unreadable: string[];
}

/** The secondary docs' mentions of `items`; a doc without a repo lives in `defaultRepo` (the primary doc's repo). */
export async function findSecondaryMentions(
  deps: Pick<DriftDeps, 'docs'>,
  pack: ValidPack,
  defaultRepo: string | undefined,
  items: ReadonlyArray<Pick<DriftItem, 'fingerprint' | 'subject' | 'docTarget'>>,
): Promise<SecondaryFindings> {
  const targeting = pack.pack.trackB?.docTargeting;
  const out: SecondaryFindings = { mentions: new Map(), unreadable: [] };
  if (!targeting || targeting.strategy !== 'primary_first' || targeting.secondaryDocs.length === 0 || items.length === 0) return out;
  const docs: Array<{ target: DocTarget; doc: MarkdownDoc }> = [];
  for (const s of targeting.secondaryDocs) {
    const repo = s.repo ?? defaultRepo;
    if (!repo) {
      out.unreadable.push(`${s.path}: no repo (the primary doc names none)`);
      continue;
    }
    const target: DocTarget = { system: 'github', repo, path: s.path };
    const read = await deps.docs.read(target);
    if ('unavailable' in read) {
      out.unreadable.push(`${repo}/${s.path}: ${read.unavailable}`);
      continue;
    }
    const doc = read.parsed ?? parseDoc(s.path, read.text);
    if (isDocProblem(doc)) out.unreadable.push(`${repo}/${s.path}: ${doc.message}`);
    else docs.push({ target, doc });
  }
  out.mentions = secondaryMentions(items, docs, targeting);
  return out;
}
