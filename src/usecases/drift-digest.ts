// The digest issue of one source repo and pack ("PuddleJumper: documentation drift"),
// rebuilt from the ledger and upserted in place (issue.upsert, found by its marker); closed
// when nothing is left in it. A ticked checkbox (issues.edited) asks for that item's
// remediation now: the items are flushed at once as if they were in the notify band.
import { docKey, type DocTarget } from '../drift/item.js';
import { score } from '../drift/materiality.js';
import type { ValidPack } from '../packs/types.js';
import { buildDigestIssue, DIGEST_MARKER, newlyTicked, type DigestDoc, type DigestEntry } from '../report/digest-issue.js';
import { driftOrigin, type DriftDeps } from './drift-deps.js';
import { findSecondaryMentions } from './drift-mentions.js';

export function digestMarker(repo: string, packId: string): string {
  return `<!-- ${DIGEST_MARKER} repo=${repo} pack=${packId} -->`;
}

export async function publishDigest(deps: DriftDeps, pack: ValidPack, repo: string): Promise<void> {
  const trackB = pack.pack.trackB!;
  // Proposed even when allowedOutputs leaves out digest_issue: the judge denies it and the audit log says why.
  const items = await deps.store.itemsOfRepo(deps.installationId, repo, pack.pack.id, ['digest', 'ignored']);
  const docs = new Map<string, { docTarget: DocTarget; entries: DigestEntry[]; below: DigestEntry[]; closed: DigestEntry[] }>();
  for (const it of items) {
    const k = docKey(it.item.docTarget);
    let d = docs.get(k);
    if (!d) docs.set(k, (d = { docTarget: it.item.docTarget, entries: [], below: [], closed: [] }));
    const s = score(it.item, it.item.docTarget.class, trackB.materiality);
    const entry: DigestEntry = { ...s, severity: it.severity, sources: it.sources };
    if (it.status === 'ignored') d.closed.push({ ...entry, closedReason: 'pr-closed' });
    else if (s.band === 'below') d.below.push(entry);
    else d.entries.push(entry);
  }
  const withMentions: DigestDoc[] = [];
  for (const d of docs.values()) {
    const open = [...d.entries, ...d.below].map((e) => e.item);
    const { mentions, unreadable } = await findSecondaryMentions(deps, pack, d.docTarget.repo, open);
    withMentions.push({ ...d, ...(mentions.size ? { mentions } : {}), ...(unreadable.length ? { unreadable } : {}) });
  }
  const issue = buildDigestIssue({ repo, packId: pack.pack.id, docs: withMentions });
  await deps.outbox.propose({
    installationId: deps.installationId,
    kind: 'issue.upsert',
    idempotencyKey: `drift-digest:${repo}:${pack.pack.id}`,
    subject: { repo },
    payload: { repo, title: issue.title, body: issue.body, marker: digestMarker(repo, pack.pack.id), ...(issue.empty ? { state: 'closed' } : {}) },
    origin: driftOrigin(pack),
  });
}

/** The digest's ticked boxes: which fingerprints a person asked to remediate now. */
export function tickedInDigest(body: string, previousBody: string | undefined): string[] {
  return newlyTicked(previousBody ?? '', body);
}
