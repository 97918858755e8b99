// A pull request review: an approving review approves, "changes requested" rejects (or
// is ignored, per the chain's options), a dismissed review retracts what it gave. A
// review acts on the chain of the commit it was given on (`review.commit_id`); refused
// reviews are audited but not answered — an approving review is also ordinary code
// review, and most reviewers are in no tier.
// A dismissal is final: it is remembered (store/approval-inputs.ts), so the same review
// re-sent later (a redelivery under a new delivery id) never decides again.
import type { DecisionSource } from '../approvals/chain.js';
import { reviewTarget } from '../approvals/decide.js';
import type { ReviewFacts } from '../approvals/facts.js';
import { decide, ignore, retract, type ApprovalDeps, type ApprovalOutcome, type Origin } from './approval-steps.js';

export async function handleReview(deps: ApprovalDeps, f: ReviewFacts): Promise<ApprovalOutcome> {
  const source: DecisionSource = { kind: 'review', id: f.review.id };
  const origin: Origin = {
    repo: f.repo,
    prNumber: f.prNumber,
    prAuthor: f.prAuthor,
    trigger: { kind: 'review', action: f.action, reviewId: f.review.id, state: f.review.state, commitId: f.review.commitId },
  };
  if (f.action === 'dismissed') {
    // Remembered before anything is retracted: a submission racing this dismissal either
    // decides before the retraction reads the chain, or sees the dismissal afterwards.
    await deps.dismissedReviews.record({ repo: f.repo, prNumber: f.prNumber, reviewId: f.review.id, dismissedBy: f.sender.login, at: deps.now() });
    const chains = await deps.chains.withSource(f.repo, f.prNumber, source);
    if (chains.length === 0) return ignore(deps, 'the dismissed review gave no approval', f.sender, origin, undefined, {}, false);
    const r = await retract(deps, chains, f.sender, { source }, origin);
    return 'refusal' in r ? ignore(deps, r.refusal, f.sender, origin, undefined) : { kind: 'changed', ...r };
  }
  if (f.action === 'edited') return ignore(deps, 'an edited review changes no decision', f.sender, origin, undefined, {}, false);

  const state = f.review.state;
  if (state !== 'approved' && state !== 'changes_requested') return ignore(deps, `a ${state} review decides nothing`, f.review.user, origin, undefined, {}, false);
  const dismissed = 'this review was dismissed; a dismissed review never decides again';
  if (await deps.dismissedReviews.isDismissed(f.repo, f.review.id)) return ignore(deps, dismissed, f.review.user, origin, undefined, { state });
  const target = reviewTarget(await deps.chains.forPr(f.repo, f.prNumber, { includeSuperseded: true }), f.review.commitId);
  if (!target) return ignore(deps, `no approval chain for commit ${f.review.commitId.slice(0, 7)}`, f.review.user, origin, undefined, { state });
  if (state === 'approved') {
    const out = await decide(deps, target, f.review.user, 'approve', source, origin);
    // Dismissed while this approval was being decided: take it back.
    if (out.kind === 'changed' && (await deps.dismissedReviews.isDismissed(f.repo, f.review.id))) {
      const r = await retract(deps, await deps.chains.withSource(f.repo, f.prNumber, source), f.sender, { source }, origin);
      return 'refusal' in r ? out : { kind: 'changed', chains: r.chains, events: [...out.events, ...r.events] };
    }
    return out;
  }
  if (target.chain.options.changesRequested === 'ignore') {
    return ignore(deps, 'changes requested: this chain ignores them (changesRequested: ignore)', f.review.user, origin, target.chain);
  }
  return decide(deps, target, f.review.user, 'reject', source, origin, f.review.body ? { reason: f.review.body.slice(0, 500) } : {});
}
