// On every evaluation: the approval chain the PR needs for its head. A chain stands for
// what was approved — the head (per head when invalidateOnPush is on), the base and the
// findings — and is reused only while all of them and its template are unchanged;
// otherwise it is superseded (audited, and said in the check) and a fresh one starts
// (approvals are not carried over). A new head chain supersedes the PR's older chains.
// Going back to an earlier head starts a fresh chain too, never the superseded one; a late
// evaluation of a head the PR has left changes nothing. Does not publish: the evaluation
// that called it builds both checks from the result.
import type { Severity } from '../packs/schema.js';
import { chainKey, startChain, type Chain } from '../approvals/chain.js';
import { chainIdentity, planEnsure, replacedBecause, type ChainBinding, type ReplaceReason } from '../approvals/decide.js';
import { templateHash, type RequiredChain } from '../approvals/template.js';
import type { PullRequest } from '../change/changeset.js';
import type { StoredChain, SupersedeReason } from '../store/chains.js';
import { auditChain, auditEvents, reportEvents, type ApprovalDeps, type Origin } from './approval-steps.js';

const MAX_ATTEMPTS = 25;

export interface EnsureOptions {
  /** contracts/gate.ts findingsFingerprint of the evaluation ('' when none is given). */
  findings?: string;
  /**
   * Whether `pr.headSha` is the PR's head now (one GET /pulls/N). Asked only when the PR is
   * at a head whose chain a later head superseded; absent, such an evaluation is late.
   */
  isCurrentHead?: () => Promise<boolean>;
}

export interface EnsuredChain {
  /** undefined: no approval is required, or the evaluation is stale. */
  chain: Chain | undefined;
  created: boolean;
  /** A late evaluation of a head the PR has left: nothing changed, no chain answers for it. */
  stale?: boolean;
  /** The chain this one replaced at the same head (or per PR), and why its approvals no longer count. */
  replaced?: { key: string; reason: ReplaceReason; because: string; approvedBy: string[] };
}

/** The base a chain is bound to: the base branch, else the base sha. */
export function bindingFor(pr: PullRequest, findings = ''): ChainBinding {
  return { headSha: pr.headSha, base: pr.baseRef ?? pr.baseSha, findings };
}

export async function ensureChain(
  deps: ApprovalDeps,
  pr: PullRequest,
  severity: Severity,
  required: RequiredChain,
  opts: EnsureOptions = {},
): Promise<EnsuredChain> {
  const { template, options } = required;
  const origin: Origin = { repo: pr.repo, prNumber: pr.number, prAuthor: pr.author.login, trigger: { kind: 'evaluation', headSha: pr.headSha } };
  if (template.groups.every((g) => g.length === 0)) {
    for (const old of await deps.chains.forPr(pr.repo, pr.number)) await supersede(deps, old, 'not_required', origin);
    return { chain: undefined, created: false };
  }
  const key = chainKey(pr.repo, pr.number, options.invalidateOnPush ? pr.headSha : null);
  const identity = chainIdentity(templateHash(template), options);
  const binding = bindingFor(pr, opts.findings);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const existing = await deps.chains.byKey(key);
    const plan = planEnsure(existing, existing ? undefined : await deps.chains.latestByKey(key), identity, binding);
    switch (plan.kind) {
      case 'returning':
        if (!(opts.isCurrentHead && (await opts.isCurrentHead()))) {
          await auditChain(deps, 'approval.stale_evaluation', undefined, origin, undefined, { reason: 'the pull request has left this head; nothing was changed', headSha: pr.headSha });
          return { chain: undefined, created: false, stale: true };
        }
        return create(deps, pr, severity, required, identity, binding, origin);
      case 'create':
        return create(deps, pr, severity, required, identity, binding, origin);
      case 'keep':
        if (plan.touchHead) await deps.chains.touchHead(existing!, pr.headSha, deps.now());
        return { chain: existing!.chain, created: false };
      case 'replace': {
        const because = replacedBecause(plan.reason, existing, binding);
        if (await supersede(deps, existing!, plan.reason, origin, undefined, { because, boundBase: existing!.base, base: binding.base })) {
          const approvedBy = existing!.chain.steps.filter((s) => s.status === 'approved' && s.decidedBy).map((s) => s.decidedBy!);
          return { ...(await create(deps, pr, severity, required, identity, binding, origin)), replaced: { key: existing!.chain.key, reason: plan.reason, because, approvedBy } };
        }
      }
      // Lost a race with another evaluation: look again.
    }
  }
  throw new Error(`approval chain ${key}: too many concurrent changes`);
}

async function supersede(
  deps: ApprovalDeps,
  stored: StoredChain,
  reason: SupersedeReason,
  origin: Origin,
  supersededBy?: string,
  more: Record<string, unknown> = {},
): Promise<boolean> {
  const details = { reason: reason === 'not_required' ? 'no approval required any more' : reason, ...(supersededBy ? { supersededBy } : {}), ...more };
  const retired = await deps.chains.supersede(stored, deps.now(), reason, (chain, within) =>
    auditChain(deps, 'approval.chain_superseded', undefined, origin, chain, details, undefined, within),
  );
  if (!retired) return false;
  deps.notify?.superseded(stored.chain, origin.trigger);
  return true;
}

async function create(
  deps: ApprovalDeps,
  pr: PullRequest,
  severity: Severity,
  required: RequiredChain,
  identity: string,
  binding: ChainBinding,
  origin: Origin,
): Promise<{ chain: Chain; created: boolean }> {
  const now = deps.now();
  const { chain, events } = startChain(pr, severity, required, now);
  const { stored, created } = await deps.chains.insert(chain, { templateHash: identity, headSha: pr.headSha, base: binding.base, findings: binding.findings }, (c, within) => auditEvents(deps, c, events, origin, within));
  if (created) {
    // Older chains of this PR (other heads, or another keying) are history now.
    for (const old of await deps.chains.forPr(pr.repo, pr.number)) {
      if (old.id !== stored.id) await supersede(deps, old, 'newer_head', origin, stored.chain.key);
    }
    await reportEvents(deps, stored.chain, events);
  }
  return { chain: stored.chain, created };
}
