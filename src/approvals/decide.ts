// The approval decisions, pure: who may decide which step, what a decision does to a
// chain, which chain a review or comment acts on, and whether an evaluation keeps,
// replaces or starts a chain. Time and team membership are passed in; the use cases
// (usecases/*-chain.ts, handle-review.ts, handle-comment.ts) load, save and report.
import type { ApprovalOptions } from '../packs/schema.js';
import {
  activeSteps,
  decideStep,
  sameLogin,
  stepMatchesTier,
  type Chain,
  type ChainEvent,
  type Decision,
  type DecisionSource,
  type Step,
} from './chain.js';
import { actorRefusal, isEligible, type Actor, type EligibilityContext } from './eligibility.js';

export type DecisionKind = 'approve' | 'reject';

/** What deciding needs besides the chain: the PR author, the app, team membership. */
export interface DeciderContext {
  prAuthor: string;
  appSlug: string;
  isTeamMember(org: string, slug: string, login: string): Promise<boolean>;
}

function eligibilityContext(chain: Chain, d: DeciderContext): EligibilityContext {
  return {
    prAuthor: d.prAuthor || chain.prAuthor,
    allowAuthor: chain.options.allowAuthor,
    appSlug: d.appSlug,
    isTeamMember: (org, slug, login) => d.isTeamMember(org, slug, login),
  };
}

const activeNames = (chain: Chain) => activeSteps(chain).map((s) => s.tierName).join(', ');

/** Which active steps an actor approves or rejects (optionally only `tier`), or why not. */
export async function planDecision(
  chain: Chain,
  actor: Actor,
  kind: DecisionKind,
  tier: string | undefined,
  d: DeciderContext,
): Promise<{ steps: Step[] } | { refusal: string }> {
  const state = chainRefusal(chain);
  if (state) return { refusal: state };
  const ectx = eligibilityContext(chain, d);
  const general = actorRefusal(actor, ectx);
  if (general) return { refusal: general };
  if (kind === 'approve' && chain.options.distinctApprovers) {
    const filled = chain.steps.find((s) => s.status === 'approved' && sameLogin(s.decidedBy, actor.login));
    if (filled) return { refusal: `@${actor.login} already approved ${filled.tierName}; this chain needs a different person for each step` };
  }
  const wanted = (s: Step) => tier === undefined || stepMatchesTier(s, tier);
  const candidates = activeSteps(chain).filter(wanted);
  if (candidates.length === 0) return { refusal: noCandidateRefusal(chain, wanted, tier) };
  const eligible: Step[] = [];
  const reasons: string[] = [];
  for (const s of candidates) {
    const e = await isEligible(actor, chain.tiers[s.tierId] ?? { name: s.tierName, users: [], teams: [] }, ectx);
    if (e.eligible) eligible.push(s);
    else reasons.push(e.reason);
  }
  if (eligible.length === 0) {
    // Eligible only for a later step? Say so rather than "not in <active tier>".
    for (const s of chain.steps.filter((x) => x.status === 'waiting' && wanted(x))) {
      const def = chain.tiers[s.tierId];
      if (def && (await isEligible(actor, def, ectx)).eligible) return { refusal: `${s.tierName} is not active yet (waiting for ${activeNames(chain)})` };
    }
    return { refusal: [...new Set(reasons)].join('; ') || `@${actor.login} may not ${kind} this step` };
  }
  // One person fills at most one step with distinctApprovers; a rejection needs one step.
  return { steps: kind === 'reject' || chain.options.distinctApprovers ? [eligible[0]!] : eligible };
}

function chainRefusal(chain: Chain): string | undefined {
  if (chain.steps.length === 0) return 'no approval is required for this pull request';
  if (chain.status === 'rejected') return 'the approval chain was rejected; a rejection is final for this commit';
  if (chain.status === 'approved') return 'the approval chain is already approved';
  return undefined;
}

function noCandidateRefusal(chain: Chain, wanted: (s: Step) => boolean, tier: string | undefined): string {
  const later = chain.steps.find((s) => s.status === 'waiting' && wanted(s));
  if (later) return `${later.tierName} is not active yet (waiting for ${activeNames(chain)})`;
  if (tier !== undefined) {
    const decided = chain.steps.find(wanted);
    return decided ? `${decided.tierName} is already ${decided.status}` : `this chain has no tier "${tier}"`;
  }
  return 'no step is waiting for a decision';
}

export function decisionsFor(steps: Step[], kind: DecisionKind, actor: Actor, source: DecisionSource, reason?: string): Decision[] {
  return steps.map((step): Decision =>
    kind === 'approve'
      ? { kind: 'approve', stepId: step.id, actor: actor.login, source }
      : { kind: 'reject', stepId: step.id, actor: actor.login, source, ...(reason ? { reason } : {}) },
  );
}

/** Applies decisions in order; the first refusal stops (and refuses only when nothing applied). */
export function applyDecisions(chain: Chain, decisions: Decision[], now: Date): { chain: Chain; events: ChainEvent[] } | { refusal: string } {
  let next = chain;
  const events: ChainEvent[] = [];
  for (const d of decisions) {
    const r = decideStep(next, d, now);
    if (r.refusal !== undefined) {
      if (events.length === 0) return { refusal: r.refusal };
      break;
    }
    next = r.chain;
    events.push(...r.events);
  }
  return { chain: next, events };
}

/** The step a review or comment already decided (a redelivery never decides twice). */
export function decidedBySource(chain: Chain, source: DecisionSource): Step | undefined {
  return chain.steps.find((s) => s.source?.kind === source.kind && s.source.id === source.id);
}

/** A chain as the store holds it, as far as choosing one is concerned. */
export interface ChainRecord {
  chain: Chain;
  supersededAt: string | null;
  supersededReason: string | null;
  templateHash: string;
  lastHeadSha: string;
  /** What the chain was bound to when it started (null: a chain from before binding). */
  base: string | null;
  findings: string | null;
}

/**
 * The chain a review acts on: the one of the commit it was given on (`commit_id`) — a
 * per-head chain of that commit, or the per-PR chain last ensured for it — and never a
 * superseded chain: a review of a head the chain no longer stands for decides nothing.
 */
export function reviewTarget<T extends ChainRecord>(all: readonly T[], commitId: string): T | undefined {
  const current = all.filter((c) => c.supersededAt === null);
  return current.find((c) => c.chain.headSha === commitId) ?? current.find((c) => c.chain.headSha === null && c.lastHeadSha === commitId);
}

/**
 * The chain that stands for a head: the current chain of that head (per head,
 * or the per-PR chain last ensured for that head). Never a superseded chain, never the
 * chain of another head. `head` undefined: the head the store last evaluated (the newest
 * current chain's).
 */
export function chainForHead<T extends ChainRecord>(current: readonly T[], head: string | undefined): T | undefined {
  const live = current.filter((c) => c.supersededAt === null);
  const at = head ?? live[0]?.lastHeadSha;
  if (at === undefined) return undefined;
  return live.find((c) => c.chain.headSha === at) ?? live.find((c) => c.chain.headSha === null && c.lastHeadSha === at);
}

/** A decision comment posted before its per-head chain existed never saw this head. */
export function postedBeforeChain(chain: Chain, postedAt: string | undefined): boolean {
  return chain.headSha !== null && postedAt !== undefined && !(Date.parse(postedAt) >= Date.parse(chain.createdAt));
}

/** Identifies what a chain was made for: its template hash and the options that change its meaning. */
export function chainIdentity(templateHash: string, options: ApprovalOptions): string {
  return `${templateHash}:${JSON.stringify([options.invalidateOnPush, options.allowAuthor, options.distinctApprovers, options.changesRequested])}`;
}

/** What an approval is given for: the head, the base it is compared with, and the findings shown. */
export interface ChainBinding {
  headSha: string;
  /** The base branch (or base sha when the branch is unknown). */
  base: string;
  /** contracts/gate.ts findingsFingerprint of the evaluation. */
  findings: string;
}

/** Why a chain is retired in favour of a fresh one. */
export type ReplaceReason = 'template_changed' | 'rejected_new_head' | 'base_changed' | 'findings_changed' | 'unbound';

export type EnsurePlan =
  | { kind: 'create' }
  | { kind: 'keep'; touchHead: boolean }
  | { kind: 'replace'; reason: ReplaceReason }
  /**
   * The head had a chain that a later head superseded: either the PR went back to this head
   * (a force-push back: start a fresh chain, never revive the old one) or this is a late
   * evaluation of a head the PR has left (change nothing). Only the PR's current head says which.
   */
  | { kind: 'returning' };

/**
 * What an evaluation does with the chain stored under its key. A chain stands for what was
 * approved: with a different base or different findings it is replaced (with
 * invalidateOnPush off, only a head change that leaves base and findings identical keeps it).
 */
export function planEnsure(existing: ChainRecord | undefined, latest: ChainRecord | undefined, identity: string, binding: ChainBinding): EnsurePlan {
  if (!existing) return latest?.supersededReason === 'newer_head' && latest.chain.headSha === binding.headSha ? { kind: 'returning' } : { kind: 'create' };
  if (existing.templateHash !== identity) return { kind: 'replace', reason: 'template_changed' };
  if (existing.base === null || existing.findings === null) return { kind: 'replace', reason: 'unbound' };
  if (existing.base !== binding.base) return { kind: 'replace', reason: 'base_changed' };
  if (existing.findings !== binding.findings) return { kind: 'replace', reason: 'findings_changed' };
  const perPr = existing.chain.headSha === null;
  if (perPr && existing.chain.status === 'rejected' && existing.lastHeadSha !== binding.headSha) return { kind: 'replace', reason: 'rejected_new_head' };
  return { kind: 'keep', touchHead: perPr && existing.lastHeadSha !== binding.headSha };
}

/** What a replaced chain's audit event and the check say about why its approvals no longer count. */
export function replacedBecause(reason: ReplaceReason | 'newer_head' | 'not_required', before?: ChainRecord, binding?: ChainBinding): string {
  switch (reason) {
    case 'base_changed':
      return `the base changed${before?.base && binding ? ` (${before.base} → ${binding.base})` : ''}`;
    case 'findings_changed':
      return 'the findings changed';
    case 'template_changed':
      return 'the required approvals changed';
    case 'unbound':
      return 'the chain was made before approvals were bound to base and findings';
    case 'rejected_new_head':
      return 'it was rejected and a new commit was pushed';
    case 'newer_head':
      return 'a newer head of the pull request needs its own approvals';
    case 'not_required':
      return 'no approval is required any more';
  }
}
