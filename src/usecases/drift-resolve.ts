// A remediation PR whose items were resolved by other means (a person fixed the doc on its
// default branch): the resolved items leave it. Renovate's way: the one PR of the doc's
// branch is rebuilt in place with what is left; when nothing is left it is closed, with a
// comment that says why (never "ignored": nobody rejected the items, they are done).
// Checked when the doc repo's default branch moves (a push there) and whenever a signal
// for the doc's pack reads the doc. Only remediations PuddleJumper still updates (status
// open): a PR a person took over (stopped) is theirs.
import { docKey, type DocPatch, type DocTarget } from '../drift/item.js';
import { rebasePatch } from '../drift/rebase.js';
import { resolvedItems } from '../drift/noise.js';
import { score } from '../drift/materiality.js';
import type { ValidPack } from '../packs/types.js';
import { buildRemediationPr } from '../report/remediation-pr.js';
import type { Remediation } from '../store/drift.js';
import { driftOrigin, type DriftDeps } from './drift-deps.js';
import { flushDrift } from './drift-flush.js';

export type RecheckOutcome = 'unchanged' | 'updated' | 'closed';

/**
 * Every open remediation whose doc lives in `repo` (its default branch moved from `before`:
 * the doc there is what the PR's patches were computed on, so they are carried onto the new text).
 */
export async function onDocRepoChanged(deps: DriftDeps, repo: string, before?: string): Promise<RecheckOutcome[]> {
  const out: RecheckOutcome[] = [];
  for (const rem of await deps.store.openRemediations(deps.installationId, repo)) out.push(await recheckRemediation(deps, rem, undefined, before));
  return out;
}

/** The open remediation of one (pack, doc), if any, against the doc text a signal just read. */
export async function recheckDoc(deps: DriftDeps, docTarget: DocTarget, docText: string): Promise<RecheckOutcome> {
  const rem = await deps.store.activeRemediation(deps.installationId, docKey(docTarget));
  return rem?.status === 'open' ? recheckRemediation(deps, rem, docText) : 'unchanged';
}

async function recheckRemediation(deps: DriftDeps, rem: Remediation, docText?: string, before?: string): Promise<RecheckOutcome> {
  const held = await deps.store.items(deps.installationId, rem.packId, rem.docKey, ['remediation']);
  if (held.length === 0) return 'unchanged';
  const set = await deps.packs();
  const pack = set.packs.find((p): p is ValidPack => p.valid && p.pack.id === rem.packId && p.pack.trackB !== undefined);
  if (!pack) return 'unchanged';
  const docTarget = held[0]!.item.docTarget;
  let text = docText;
  if (text === undefined) {
    const doc = await deps.docs.read(docTarget);
    if ('unavailable' in doc) return 'unchanged';
    text = doc.text;
  }
  const resolved = new Set(resolvedItems(held.map((h) => h.item), { docText: text }).map((r) => r.fingerprint));
  if (resolved.size === 0) return 'unchanged';
  const now = deps.now();
  const fps = [...resolved].sort();
  await deps.store.setStatus(deps.installationId, rem.packId, rem.docKey, fps, 'resolved', now);
  const left = held.filter((h) => !resolved.has(h.item.fingerprint));
  const subject = { repo: rem.repo, ...(rem.prNumber !== null ? { prNumber: rem.prNumber } : {}) };
  await deps.audit({ installationId: deps.installationId, actor: `pack:${pack.pack.id}`, type: 'drift.remediation_items_resolved', subject, details: { branch: rem.branch, doc: rem.docKey, fingerprints: fps, left: left.length } });
  if (left.length > 0) {
    // Rebuilt in place with what is left, its patches carried onto the doc as it is now.
    const old = before && deps.docs.readAt ? await deps.docs.readAt(docTarget, before) : undefined;
    const rebase = (p: DocPatch | null) => (p && old && !('unavailable' in old) ? (rebasePatch(docTarget.path ?? docTarget.id ?? 'doc', old.text, text!, p) ?? p) : p);
    const items = left.map((h) => ({ item: { ...h.item, patch: rebase(h.item.patch) }, severity: h.severity, sources: h.sources, addedAt: h.updatedAt }));
    await flushDrift(deps, { pack, docTarget, idempotencyKey: `drift-resolved:${rem.id}:${fps.join(',')}`, reason: 'resolved', items, forceRemediation: true });
    return 'updated';
  }
  // Marked first: the `closed` event of our own close must not read as "ignore these items".
  await deps.store.updateRemediation(rem.id, { status: 'resolved', reason: 'every item was resolved elsewhere' }, now);
  await closeResolved(deps, pack, rem, held);
  return 'closed';
}

async function closeResolved(deps: DriftDeps, pack: ValidPack, rem: Remediation, held: Awaited<ReturnType<DriftDeps['store']['items']>>): Promise<void> {
  const docTarget = held[0]!.item.docTarget;
  const materiality = pack.pack.trackB!.materiality;
  const pr = buildRemediationPr({
    packId: pack.pack.id,
    packName: pack.pack.name,
    docKey: rem.docKey,
    docTarget,
    entries: held.map((h) => ({ ...score(h.item, docTarget.class, materiality), severity: h.severity, sources: h.sources })),
  });
  const list = held.map((h) => `- \`${h.item.rule}\` ${h.item.subject}`).join('\n');
  const note = `Closed by PuddleJumper: ${held.length === 1 ? 'its only item was' : `all ${held.length} items were`} resolved elsewhere — the doc on the default branch no longer says what ${held.length === 1 ? 'it fixes' : 'they fix'}. Nothing is ignored: new drift opens a new pull request.`;
  const origin = driftOrigin(pack);
  const key = `drift-resolved:${rem.repo}:${rem.branch}:${rem.id}`;
  await deps.outbox.propose({
    installationId: deps.installationId,
    kind: 'pull_request.upsert',
    idempotencyKey: key,
    subject: { repo: rem.repo },
    payload: { repo: rem.repo, base: '-', branch: rem.branch, title: pr.title, body: `> **${note}**\n\n${pr.body}`, marker: `drift-remediation:${rem.docKey}`, files: [], commitMessage: '-', bodyOnly: true, close: true, closeComment: `${note}\n\n${list}` },
    origin,
  });
}
