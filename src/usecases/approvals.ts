// Approval inputs (reviews and slash commands) and the approval service wired to
// the governance pipeline: replies are comments, a changed chain re-publishes checks.
import type { Services } from './services.js';
import type { Octokit } from '../governance/octokit.js';
import { createApprovalService, type ApprovalService } from '../approvals/service.js';
import { TeamMembership } from '../approvals/team-membership.js';
import type { Chain } from '../approvals/chain.js';
import { buildApprovalsCheck } from '../report/approvals-check.js';
import { loadEvaluation } from './evaluations.js';
import { proposeCheck, proposeReply, publishResults } from './publish.js';

export async function approvalsFor(svc: Services, octokit: Octokit, installationId: number): Promise<ApprovalService> {
  const appSlug = await svc.appSlug();
  return createApprovalService({
    db: svc.db,
    now: svc.now,
    appSlug,
    installationId,
    membership: new TeamMembership(octokit, svc.membership, { installationId }).forEvaluation(),
    audit: (event) => svc.policy.writeAuditEvent(event),
    checkApprover: (actor, tier, ctx) => svc.policy.checkApprover(actor, tier, ctx),
    publish: (chain, headSha) => republish(svc, installationId, chain, headSha),
    reply: (repo, issueNumber, body) => proposeReply(svc, installationId, repo, issueNumber, body),
  });
}

/**
 * A chain changed: actions that waited for it are released (or denied when it was
 * rejected), and both checks of its head are rebuilt from the stored evaluation.
 */
async function republish(svc: Services, installationId: number, chain: Chain, headSha: string): Promise<void> {
  if (chain.status === 'approved') await svc.pipeline.release(chain.key);
  if (chain.status === 'rejected') await svc.pipeline.rejectChain(chain.key, `approval chain ${chain.key} was rejected`);
  const subject = { installationId, repo: chain.repo, prNumber: chain.prNumber, headSha };
  const stored = await loadEvaluation(svc.db, chain.repo, headSha);
  if (stored) {
    await publishResults(svc, subject, stored.evaluation, chain, stored);
    return;
  }
  // Never evaluated here (say, a chain of an older head): the approvals check alone.
  await proposeCheck(svc, subject, buildApprovalsCheck(chain, headSha));
  await svc.pipeline.dispatchDue(10);
}
