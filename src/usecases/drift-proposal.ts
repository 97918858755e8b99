// A Confluence update in the notify band waits for the same tiers as Track A. The flush
// proposes the page update with `awaitChain` and a proposal issue in the source repo; once
// GitHub has given that issue its number (the outbox's `dispatched` hook), the chain of the
// drift pack's tiers at the items' severity is started on it, under the key the update
// waits for. `/approve` (and `/reject`) on the issue decide it with the approval use cases;
// an approved chain releases the update (the outbox re-judges it) and the issue is closed
// saying so; a rejected one denies it.
import { startChain, type Chain } from '../approvals/chain.js';
import { chainTemplateFor } from '../approvals/template.js';
import type { CommentFacts } from '../approvals/facts.js';
import type { ActionRecord } from '../governance/action.js';
import type { AuditEventInput } from '../governance/audit.js';
import type { Severity } from '../packs/schema.js';
import type { PackSet } from '../packs/types.js';
import type { AuditEventStore } from '../store/audit-events.js';
import type { ChainRepository } from '../store/chains.js';
import type { ApprovalDeps, ApprovalOutcome } from './approval-steps.js';
import { handleComment } from './handle-comment.js';
import type { Outbox } from './publish-checks.js';

/** What the proposal issue's action carries (IssuePayload.proposal). */
export interface ProposalMeta {
  chainKey: string;
  severity: Severity;
}

export interface ProposalDeps {
  chains: ChainRepository;
  packs(installationId: number, owner: string): Promise<PackSet>;
  now: () => Date;
  /** `within`: the audit rows of the chain insert's transaction (AuditLog.append). */
  audit(event: AuditEventInput, within?: AuditEventStore): Promise<unknown>;
}

export const PROPOSAL_KEY_PREFIX = 'drift-proposal:';

/** The proposal issue was written: its chain starts (once; a later revision changes nothing). */
export async function onProposalIssueDispatched(deps: ProposalDeps, action: ActionRecord): Promise<boolean> {
  if (action.kind !== 'issue.upsert' || !action.idempotencyKey.startsWith(PROPOSAL_KEY_PREFIX) || action.packId === null) return false;
  const p = action.payload as { repo: string; proposal?: ProposalMeta };
  const issueNumber = action.result?.issueNumber;
  if (!p.proposal || typeof issueNumber !== 'number') return false;
  if (await deps.chains.byKey(p.proposal.chainKey)) return false;
  const set = await deps.packs(action.installationId, p.repo.slice(0, p.repo.indexOf('/')));
  const pack = set.packs.find((x) => x.valid && x.pack.id === action.packId);
  if (!pack?.valid) return false;
  const template = chainTemplateFor(pack.pack, p.proposal.severity);
  // One chain per proposal, whatever the pack's invalidateOnPush (an issue has no commits).
  const options = { ...pack.pack.approvalOptions, invalidateOnPush: false };
  const { chain } = startChain({ repo: p.repo, number: issueNumber, headSha: '', author: { login: 'puddlejumper[bot]' } }, p.proposal.severity, { template, options }, deps.now());
  const started = { installationId: action.installationId, actor: `pack:${pack.pack.id}`, type: 'drift.proposal_chain_started', subject: { repo: p.repo, prNumber: issueNumber, chainKey: p.proposal.chainKey }, details: { severity: p.proposal.severity } };
  const { created } = await deps.chains.insert({ ...chain, key: p.proposal.chainKey }, { templateHash: `drift-proposal:${pack.versionHash}`, headSha: '', base: '', findings: '' }, (_, within) => deps.audit(started, within));
  return created;
}

/** A comment on an issue: when it is a proposal issue with a chain, the approval use case decides it. */
export async function onProposalComment(deps: ApprovalDeps, f: CommentFacts): Promise<ApprovalOutcome | undefined> {
  const chains = await deps.chains.forPr(f.repo, f.prNumber);
  if (!chains.some((c) => c.chain.key.startsWith(PROPOSAL_KEY_PREFIX))) return undefined;
  return handleComment(deps, f);
}

/**
 * A proposal's chain changed: approved releases the update (the outbox re-judges it) and
 * closes the issue saying so; rejected denies the update and closes the issue.
 */
export async function proposalDecided(outbox: Outbox, installationId: number, chain: Chain): Promise<void> {
  if (chain.status !== 'approved' && chain.status !== 'rejected') return;
  const who = chain.steps.filter((s) => s.decidedBy).map((s) => `@${s.decidedBy} (${s.tierName})`).join(', ');
  if (chain.status === 'approved') await outbox.release(chain.key);
  else await outbox.rejectChain(chain.key, `approval chain ${chain.key} was rejected`);
  const body = chain.status === 'approved' ? `Approved by ${who}: the Confluence update is released.` : `Rejected by ${who}: the Confluence update will not be written.`;
  await outbox.propose({
    installationId,
    kind: 'issue.upsert',
    idempotencyKey: `${PROPOSAL_KEY_PREFIX}decided:${chain.key}`,
    subject: { repo: chain.repo, prNumber: chain.prNumber },
    payload: { repo: chain.repo, title: `PuddleJumper: Confluence update ${chain.status}`, body, marker: chain.key, state: 'closed' },
  });
}
