// On every evaluation: the approval chain the PR needs for its head. Reuses the chain
// stored under the same key (same head, or per PR) when it was made for the same
// template; otherwise supersedes it and starts a fresh one (approvals are not carried
// over). A new head chain supersedes the PR's older chains. Does not publish: the
// evaluation that called it builds both checks from the result.
import type { ApprovalOptions, Severity } from '../packs/schema.js';
import { chainKey, startChain, type Chain } from '../approvals/chain.js';
import { chainIdentity, planEnsure } from '../approvals/decide.js';
import { templateHash, type ChainTemplate } from '../approvals/template.js';
import type { PullRequest } from '../change/changeset.js';
import type { StoredChain } from '../store/chains.js';
import { auditChain, reportEvents, type ApprovalDeps, type Origin } from './approval-steps.js';

const MAX_ATTEMPTS = 25;

/** undefined chain: no approval is required. */
export async function ensureChain(
  deps: ApprovalDeps,
  pr: PullRequest,
  severity: Severity,
  template: ChainTemplate,
  options: ApprovalOptions,
): Promise<{ chain: Chain | undefined; created: boolean }> {
  const origin: Origin = { repo: pr.repo, prNumber: pr.number, prAuthor: pr.author.login, trigger: { kind: 'evaluation', headSha: pr.headSha } };
  if (template.groups.every((g) => g.length === 0)) {
    for (const old of await deps.chains.forPr(pr.repo, pr.number)) await supersede(deps, old, 'not_required', origin);
    return { chain: undefined, created: false };
  }
  const key = chainKey(pr.repo, pr.number, options.invalidateOnPush ? pr.headSha : null);
  const identity = chainIdentity(templateHash(template), options);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const existing = await deps.chains.byKey(key);
    const plan = planEnsure(existing, existing ? undefined : await deps.chains.latestByKey(key), identity, pr.headSha);
    switch (plan.kind) {
      case 'stale':
        return { chain: (await deps.chains.latestByKey(key))!.chain, created: false };
      case 'create':
        return create(deps, pr, severity, template, options, identity, origin);
      case 'keep':
        if (plan.touchHead) await deps.chains.touchHead(existing!, pr.headSha, deps.now());
        return { chain: existing!.chain, created: false };
      case 'replace':
        if (await supersede(deps, existing!, plan.reason, origin)) return create(deps, pr, severity, template, options, identity, origin);
      // Lost a race with another evaluation: look again.
    }
  }
  throw new Error(`approval chain ${key}: too many concurrent changes`);
}

async function supersede(deps: ApprovalDeps, stored: StoredChain, reason: Parameters<ApprovalDeps['chains']['supersede']>[2], origin: Origin, supersededBy?: string): Promise<boolean> {
  if (!(await deps.chains.supersede(stored, deps.now(), reason))) return false;
  await auditChain(deps, 'approval.chain_superseded', undefined, origin, stored.chain, {
    reason: reason === 'not_required' ? 'no approval required any more' : reason,
    ...(supersededBy ? { supersededBy } : {}),
  });
  deps.notify?.superseded(stored.chain, origin.trigger);
  return true;
}

async function create(
  deps: ApprovalDeps,
  pr: PullRequest,
  severity: Severity,
  template: ChainTemplate,
  options: ApprovalOptions,
  identity: string,
  origin: Origin,
): Promise<{ chain: Chain; created: boolean }> {
  const now = deps.now();
  const facts = { repo: pr.repo, prNumber: pr.number, headSha: pr.headSha, severity, prAuthor: pr.author.login, options };
  const { chain, events } = startChain(template, facts, now);
  const { stored, created } = await deps.chains.insert(chain, { templateHash: identity, headSha: pr.headSha });
  if (created) {
    // Older chains of this PR (earlier heads, or another keying) are history now.
    for (const old of await deps.chains.forPr(pr.repo, pr.number)) {
      if (old.id !== stored.id) await supersede(deps, old, 'newer_head', origin, stored.chain.key);
    }
    await reportEvents(deps, stored.chain, events, origin);
  }
  return { chain: stored.chain, created };
}
