// What people do to a remediation PR, and to the digest:
//  - a commit by a person on its branch: PuddleJumper stops updating the PR (its body says
//    "edited — PuddleJumper stopped updating it"); new items for the doc go to the digest;
//  - closed without merging: its items are ignored (never proposed again), said in a
//    comment on the PR and listed in the digest's "ignored or stopped" section;
//  - merged: its items are done;
//  - a ticked digest checkbox: that item's remediation is requested now.
import { docKey } from '../drift/item.js';
import { score } from '../drift/materiality.js';
import type { ValidPack } from '../packs/types.js';
import { buildRemediationPr } from '../report/remediation-pr.js';
import { isDigestFor } from '../report/digest-issue.js';
import { docTargetOf, driftOrigin, type DriftDeps } from './drift-deps.js';
import { flushDrift } from './drift-flush.js';
import { publishDigest, tickedInDigest } from './drift-digest.js';
import { findSecondaryMentions } from './drift-mentions.js';

export interface RemediationEvent {
  repo: string;
  branch: string;
  number: number;
  sender: { login: string; type: string };
}

async function packOf(deps: DriftDeps, packId: string): Promise<ValidPack | undefined> {
  const set = await deps.packs();
  const p = set.packs.find((x) => x.valid && x.pack.id === packId);
  return p?.valid ? p : undefined;
}

/** A push to a remediation branch by someone other than a bot: stop updating that PR. */
export async function onRemediationPushed(deps: DriftDeps, e: RemediationEvent): Promise<boolean> {
  if (e.sender.type === 'Bot') return false;
  const rem = await deps.store.remediationByBranch(deps.installationId, e.repo, e.branch);
  if (!rem || rem.status !== 'open') return false;
  const now = deps.now();
  await deps.store.updateRemediation(rem.id, { status: 'stopped', prNumber: e.number, reason: `commit by @${e.sender.login}` }, now);
  await deps.audit({ installationId: deps.installationId, actor: `user:${e.sender.login}`, type: 'drift.remediation_stopped', subject: { repo: e.repo, prNumber: e.number }, details: { branch: e.branch, doc: rem.docKey } });
  const pack = await packOf(deps, rem.packId);
  if (!pack) return true;
  const target = docTargetOf(pack.pack);
  const held = await deps.store.items(deps.installationId, rem.packId, rem.docKey, ['remediation']);
  if (!target || held.length === 0) return true;
  const docTarget = held[0]!.item.docTarget;
  // The body keeps listing the secondary docs' mentions (a person now finishes the work).
  const secondary = await findSecondaryMentions(deps, pack, docTarget.repo, held.map((h) => h.item));
  const pr = buildRemediationPr({
    packId: pack.pack.id,
    packName: pack.pack.name,
    docKey: rem.docKey,
    docTarget,
    entries: held.map((h) => ({ ...score(h.item, docTarget.class, pack.pack.trackB!.materiality), severity: h.severity, sources: h.sources })),
    stoppedAt: now.toISOString(),
    mentions: secondary.mentions,
    unreadable: secondary.unreadable,
  });
  await deps.outbox.propose({
    installationId: deps.installationId,
    kind: 'pull_request.upsert',
    idempotencyKey: `drift-stopped:${e.repo}:${e.branch}:${rem.id}`,
    subject: { repo: e.repo, prNumber: e.number },
    payload: { repo: e.repo, base: '-', branch: e.branch, title: pr.title, body: pr.body, marker: `drift-remediation:${rem.docKey}`, files: [], commitMessage: '-', bodyOnly: true },
    origin: driftOrigin(pack),
  });
  return true;
}

/** A remediation PR closed: merged (its items are done) or not (they are ignored, said in a comment). */
export async function onRemediationClosed(deps: DriftDeps, e: RemediationEvent & { merged: boolean }): Promise<boolean> {
  const rem = await deps.store.remediationByBranch(deps.installationId, e.repo, e.branch);
  if (!rem || (rem.status !== 'open' && rem.status !== 'stopped')) return false;
  const now = deps.now();
  const held = await deps.store.items(deps.installationId, rem.packId, rem.docKey, ['remediation']);
  const fps = held.map((h) => h.item.fingerprint);
  await deps.store.setStatus(deps.installationId, rem.packId, rem.docKey, fps, e.merged ? 'merged' : 'ignored', now);
  await deps.store.updateRemediation(rem.id, { status: e.merged ? 'merged' : 'closed', prNumber: e.number, reason: e.merged ? 'merged' : `closed without merging by @${e.sender.login}` }, now);
  await deps.audit({
    installationId: deps.installationId,
    actor: `user:${e.sender.login}`,
    type: e.merged ? 'drift.remediation_merged' : 'drift.remediation_ignored',
    subject: { repo: e.repo, prNumber: e.number },
    details: { branch: e.branch, doc: rem.docKey, fingerprints: fps },
  });
  if (e.merged) return true;
  const pack = await packOf(deps, rem.packId);
  if (!pack) return true;
  const list = held.map((h) => `- \`${h.item.rule}\` ${h.item.subject}`).join('\n');
  await deps.outbox.propose({
    installationId: deps.installationId,
    kind: 'remediation_pr.comment',
    idempotencyKey: `drift-ignored:${e.repo}#${e.number}`,
    subject: { repo: e.repo, prNumber: e.number },
    payload: {
      repo: e.repo,
      issueNumber: e.number,
      marker: `drift-ignored:${e.repo}#${e.number}`,
      body: `Closed without merging: PuddleJumper will **ignore** these ${held.length} item${held.length === 1 ? '' : 's'} and not propose them again (this pull request is not reopened). They are listed in the digest issue under "Ignored or stopped".\n\n${list}`,
    },
    origin: driftOrigin(pack),
  });
  for (const repo of new Set(held.map((h) => h.sourceRepo))) await publishDigest(deps, pack, repo);
  return true;
}

/** issues.edited on a digest issue: each newly ticked item is remediated now. */
export async function onDigestEdited(deps: DriftDeps, e: { repo: string; number: number; body: string; previousBody: string | undefined; sender: { login: string; type: string } }): Promise<number> {
  if (e.sender.type === 'Bot') return 0;
  const ticked = tickedInDigest(e.body, e.previousBody);
  if (ticked.length === 0) return 0;
  const items = (await deps.store.itemsByFingerprint(deps.installationId, ticked)).filter((i) => i.status === 'digest' && i.sourceRepo === e.repo && isDigestFor(e.body, e.repo, i.packId));
  let n = 0;
  const groups = new Map<string, typeof items>();
  for (const i of items) groups.set(`${i.packId}\0${i.docKey}`, [...(groups.get(`${i.packId}\0${i.docKey}`) ?? []), i]);
  for (const group of groups.values()) {
    const pack = await packOf(deps, group[0]!.packId);
    if (!pack) continue;
    const docTarget = group[0]!.item.docTarget;
    const key = `drift-ticked:${e.repo}#${e.number}:${docKey(docTarget)}:${group.map((g) => g.item.fingerprint).sort().join(',')}`;
    await deps.audit({ installationId: deps.installationId, actor: `user:${e.sender.login}`, type: 'drift.remediation_requested', subject: { repo: e.repo, prNumber: e.number }, details: { fingerprints: group.map((g) => g.item.fingerprint) } });
    await flushDrift(deps, { pack, docTarget, idempotencyKey: key, reason: 'requested', items: group.map((g) => ({ item: g.item, severity: g.severity, sources: g.sources, addedAt: g.updatedAt })), forceRemediation: true });
    n += group.length;
    await publishDigest(deps, pack, e.repo);
  }
  return n;
}
