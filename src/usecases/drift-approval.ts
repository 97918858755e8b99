// The approval a remediation PR needs: the same tiers as Track A. Its items' highest
// severity picks the chain of its drift pack (`requiredFor`, `approvalChains`), so the PR's
// evaluation keeps that chain bound to its head and publishes `PuddleJumper / approvals`
// on it; the tier members were asked as reviewers when the PR was opened. `/approve`,
// `/reject` and reviews on the PR decide it as on any other PR.
// No chain when every item is in the auto band (released without a human step), when the
// PR is not one of ours, or when it is merged or closed.
import { chainTemplateFor } from '../approvals/template.js';
import type { PullRequest } from '../change/changeset.js';
import { maxSeverity } from '../contracts/scoring.js';
import { score } from '../drift/materiality.js';
import { DRIFT_BRANCH_PREFIX, type DriftDeps } from './drift-deps.js';
import type { ExtraApproval } from './evaluate-pull-request.js';

export async function remediationApproval(deps: DriftDeps, pr: PullRequest): Promise<ExtraApproval | undefined> {
  if (!pr.headRef?.startsWith(DRIFT_BRANCH_PREFIX)) return undefined;
  const rem = await deps.store.remediationByBranch(deps.installationId, pr.repo, pr.headRef);
  if (!rem || (rem.status !== 'open' && rem.status !== 'stopped')) return undefined;
  const set = await deps.packs();
  const pack = set.packs.find((p) => p.valid && p.pack.id === rem.packId);
  if (!pack?.valid || !pack.pack.trackB) return undefined;
  const held = await deps.store.items(deps.installationId, rem.packId, rem.docKey, ['remediation']);
  const trackB = pack.pack.trackB;
  if (held.length === 0 || held.every((h) => score(h.item, h.item.docTarget.class, trackB.materiality).band === 'auto')) return undefined;
  const severity = maxSeverity(held.map((h) => h.severity)) ?? 'info';
  const template = chainTemplateFor(pack.pack, severity);
  if (template.groups.length === 0) return undefined;
  return { severity, chain: { template, options: pack.pack.approvalOptions } };
}
