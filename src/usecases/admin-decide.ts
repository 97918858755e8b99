// Approve or reject a chain step from the control plane (src/admin/): the same use case as
// `/approve` and `/reject` (approval-steps.ts `decide`) — the same eligibility, the same
// compare-and-set, the same publishing — with the signed-in GitHub login as the actor and
// `admin` as the source, audited like any decision (trigger `{ kind: 'admin' }`).
import { randomUUID } from 'node:crypto';
import type { DecisionSource } from '../approvals/chain.js';
import type { DecisionKind } from '../approvals/decide.js';
import type { ChainRepository } from '../store/chains.js';
import { decide, refuse, type ApprovalDeps, type ApprovalOutcome, type Origin } from './approval-steps.js';

export interface AdminDecision {
  chainId: number;
  /** The step the page showed (`${group}.${tierId}`): the decision applies to that step's tier only. */
  stepId: string;
  kind: DecisionKind;
  login: string;
  reason?: string;
}

export async function adminDecide(deps: ApprovalDeps & { chains: ChainRepository }, d: AdminDecision): Promise<ApprovalOutcome> {
  const stored = await deps.chains.byId(d.chainId);
  if (!stored) return { kind: 'ignored', reason: `no approval chain ${d.chainId}` };
  const chain = stored.chain;
  const actor = { login: d.login, type: 'User' };
  const source: DecisionSource = { kind: 'admin', id: `${d.login}:${randomUUID()}` };
  const origin: Origin = { repo: chain.repo, prNumber: chain.prNumber, prAuthor: chain.prAuthor, trigger: { kind: 'admin', stepId: d.stepId } };
  const step = chain.steps.find((s) => s.id === d.stepId);
  if (!step) return refuse(deps, `this chain has no step ${d.stepId}`, actor, origin, chain, { decision: d.kind, source });
  if (stored.supersededAt !== null) return refuse(deps, 'this chain was replaced (a newer commit or changed packs); decide on the current one', actor, origin, chain, { decision: d.kind, source });
  if (step.status !== 'active') return refuse(deps, `${step.tierName} is ${step.status}, not waiting for a decision`, actor, origin, chain, { decision: d.kind, source });
  return decide(deps, stored, actor, d.kind, source, origin, { tier: step.tierId, ...(d.reason ? { reason: d.reason } : {}) });
}
