// The approval chain: a pure state machine. No clock (`now` is passed in), no I/O.
//
// Rules:
// - Steps of group 0 start active; all steps of the next group activate together when
//   every step of the current group is approved. The chain is approved when every
//   group is.
// - A rejection is terminal: the chain is rejected, every undecided step is skipped,
//   and nothing changes it any more (a new head sha starts a new chain).
// - distinctApprovers: one person fills at most one step of the chain.
// - Retraction (review dismissed, approving comment deleted, `/approve cancel`): the
//   retracted step goes back to active, and EVERY LATER GROUP goes back to waiting with
//   its approvals cleared (each cleared approval is a `step_retracted` event with
//   `cascade: true`). A later approval was given on the premise that the earlier tiers
//   had signed off; with that premise gone it must be given again. Other steps of the
//   retracted step's own group keep their approvals. An approved chain goes back to
//   pending. Rejections cannot be retracted.
import type { ApprovalOptions, Severity } from '../packs/schema.js';
import type { RequiredChain } from './template.js';
import type { PullRequest } from '../change/changeset.js';

export type StepStatus = 'waiting' | 'active' | 'approved' | 'rejected' | 'skipped';
export type ChainStatus = 'pending' | 'approved' | 'rejected';

export interface DecisionSource {
  /** `admin`: decided on the control plane's Approvals page (src/admin/). */
  kind: 'review' | 'comment' | 'admin';
  id: string;
}

export interface Step {
  /** Unique in the chain: `${group}.${tierId}`. */
  id: string;
  group: number;
  tierId: string;
  tierName: string;
  status: StepStatus;
  activatedAt?: string;
  decidedBy?: string;
  decidedAt?: string;
  source?: DecisionSource;
  reason?: string;
}

/** Who may decide a step: frozen into the chain when it starts. */
export interface TierDef {
  name: string;
  users: string[];
  teams: string[];
  packIds: string[];
}

export interface Chain {
  /** `owner/repo#pr@sha`, or `owner/repo#pr` for a per-PR chain (invalidateOnPush false). */
  key: string;
  repo: string;
  prNumber: number;
  /** null when the chain is per PR. */
  headSha: string | null;
  severity: Severity;
  status: ChainStatus;
  steps: Step[];
  tiers: Record<string, TierDef>;
  options: ApprovalOptions;
  prAuthor: string;
  createdAt: string;
}

/** What a chain needs of the pull request it gates: a slice of the one PullRequest shape. */
export type ChainSubject = Pick<PullRequest, 'repo' | 'number' | 'headSha'> & { author: Pick<PullRequest['author'], 'login'> };

export type Decision =
  | { kind: 'approve'; stepId: string; actor: string; source: DecisionSource }
  | { kind: 'reject'; stepId: string; actor: string; source: DecisionSource; reason?: string }
  /** Retract the approvals given by a source (dismissed review, deleted comment) or by a person (`/approve cancel`). */
  | { kind: 'retract'; actor: string; match: { source: DecisionSource } | { by: string }; reason?: string };

export type ChainEvent =
  | { type: 'chain_started'; chainKey: string; steps: number; at: string }
  | { type: 'group_activated'; chainKey: string; group: number; stepIds: string[]; at: string }
  | {
      type: 'step_approved';
      chainKey: string;
      stepId: string;
      tierId: string;
      tierName: string;
      actor: string;
      source: DecisionSource;
      /** Seconds the step was active before it was decided. */
      waitedSeconds?: number;
      at: string;
    }
  | {
      type: 'step_rejected';
      chainKey: string;
      stepId: string;
      tierId: string;
      tierName: string;
      actor: string;
      source: DecisionSource;
      reason?: string;
      waitedSeconds?: number;
      at: string;
    }
  | {
      type: 'step_retracted';
      chainKey: string;
      stepId: string;
      tierId: string;
      tierName: string;
      actor: string;
      previousBy?: string;
      /** True when cleared because an earlier group's approval was retracted. */
      cascade: boolean;
      at: string;
    }
  | { type: 'chain_approved'; chainKey: string; at: string }
  | { type: 'chain_rejected'; chainKey: string; stepId: string; actor: string; reason?: string; at: string };

export interface DecideResult {
  chain: Chain;
  events: ChainEvent[];
  /** Set when the decision changed nothing, with the reason. */
  refusal?: string;
}

export function chainKey(repo: string, prNumber: number, headSha: string | null): string {
  return headSha === null ? `${repo}#${prNumber}` : `${repo}#${prNumber}@${headSha}`;
}

export const sameLogin = (a: string | undefined, b: string | undefined): boolean =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Starts the required chain for a PR at a severity. An empty template gives an approved chain without steps. */
export function startChain(pr: ChainSubject, severity: Severity, required: RequiredChain, now: Date): { chain: Chain; events: ChainEvent[] } {
  const { template, options } = required;
  const at = now.toISOString();
  const headSha = options.invalidateOnPush ? pr.headSha : null;
  const key = chainKey(pr.repo, pr.number, headSha);
  const tiers: Record<string, TierDef> = {};
  const steps: Step[] = [];
  template.groups.forEach((group, g) => {
    for (const t of group) {
      tiers[t.tierId] = { name: t.tier.name, users: [...t.tier.users], teams: [...t.tier.teams], packIds: [...t.packIds] };
      steps.push({
        id: `${g}.${t.tierId}`,
        group: g,
        tierId: t.tierId,
        tierName: t.tier.name,
        status: g === 0 ? 'active' : 'waiting',
        ...(g === 0 ? { activatedAt: at } : {}),
      });
    }
  });
  const chain: Chain = {
    key,
    repo: pr.repo,
    prNumber: pr.number,
    headSha,
    severity,
    status: steps.length === 0 ? 'approved' : 'pending',
    steps,
    tiers,
    options: { ...options },
    prAuthor: pr.author.login,
    createdAt: at,
  };
  const events: ChainEvent[] = [{ type: 'chain_started', chainKey: key, steps: steps.length, at }];
  if (steps.length > 0) {
    events.push({ type: 'group_activated', chainKey: key, group: 0, stepIds: steps.filter((s) => s.group === 0).map((s) => s.id), at });
  }
  return { chain, events };
}

function waited(step: Step, now: Date): number | undefined {
  if (step.activatedAt === undefined) return undefined;
  return Math.max(0, (now.getTime() - Date.parse(step.activatedAt)) / 1000);
}

function groupCount(chain: Chain): number {
  return chain.steps.reduce((n, s) => Math.max(n, s.group + 1), 0);
}

/** Applies one decision. Never throws for a refused decision: it returns `refusal` and no events. */
export function decideStep(chain: Chain, decision: Decision, now: Date): DecideResult {
  const refuse = (refusal: string): DecideResult => ({ chain, events: [], refusal });
  if (chain.status === 'rejected') return refuse('the approval chain was rejected; a rejection is final for this commit');
  // Each transition works on copies of the steps.
  const steps = chain.steps.map((s) => ({ ...s }));
  if (decision.kind === 'retract') return retract(chain, steps, decision, now.toISOString()) ?? refuse(`@${decision.actor} has no approval on this chain to retract`);

  const step = steps.find((s) => s.id === decision.stepId);
  if (!step) return refuse(`the chain has no step ${decision.stepId}`);
  if (chain.status === 'approved') return refuse('the approval chain is already approved');
  if (step.status === 'waiting') {
    const active = steps.filter((s) => s.status === 'active').map((s) => s.tierName);
    return refuse(`${step.tierName} is not active yet (waiting for ${active.join(', ') || 'an earlier step'})`);
  }
  if (step.status !== 'active') return refuse(`${step.tierName} is already ${step.status}${step.decidedBy ? ` by @${step.decidedBy}` : ''}`);
  if (decision.kind === 'reject') return reject(chain, steps, step, decision, now);
  if (chain.options.distinctApprovers) {
    const filled = steps.find((s) => s.status === 'approved' && sameLogin(s.decidedBy, decision.actor));
    if (filled) return refuse(`@${decision.actor} already approved ${filled.tierName}; this chain needs a different person for each step`);
  }
  return approve(chain, steps, step, decision, now);
}

type Retraction = Extract<Decision, { kind: 'retract' }>;

/** Re-opens the matching approvals of the earliest group they are in, and sends every later group back to waiting; undefined when none matches. */
function retract(chain: Chain, steps: Step[], decision: Retraction, at: string): DecideResult | undefined {
  const matches = (s: Step) =>
    s.status === 'approved' &&
    ('source' in decision.match
      ? s.source?.kind === decision.match.source.kind && s.source.id === decision.match.source.id
      : sameLogin(s.decidedBy, decision.match.by));
  const retracted = steps.filter(matches);
  if (retracted.length === 0) return undefined;
  const events: ChainEvent[] = [];
  const fromGroup = Math.min(...retracted.map((s) => s.group));
  const event = (s: Step, previousBy: string | undefined, cascade: boolean): ChainEvent =>
    ({ type: 'step_retracted', chainKey: chain.key, stepId: s.id, tierId: s.tierId, tierName: s.tierName, actor: decision.actor, ...(previousBy ? { previousBy } : {}), cascade, at });
  for (const s of steps) {
    const wasApproved = s.status === 'approved';
    const previousBy = s.decidedBy;
    if (retracted.includes(s) && s.group === fromGroup) {
      clearDecision(s);
      s.status = 'active';
      s.activatedAt = at;
      events.push(event(s, previousBy, false));
    } else if (s.group > fromGroup) {
      clearDecision(s);
      s.status = 'waiting';
      delete s.activatedAt;
      if (wasApproved) events.push(event(s, previousBy, !retracted.includes(s)));
    }
  }
  return { chain: { ...chain, steps, status: 'pending' }, events };
}

type Approval = Extract<Decision, { kind: 'approve' }>;

/** Who decided a step, when, and through which review or comment. */
function markDecided(step: Step, status: 'approved' | 'rejected', decision: { actor: string; source: DecisionSource }, at: string): void {
  step.status = status;
  step.decidedBy = decision.actor;
  step.decidedAt = at;
  step.source = { ...decision.source };
}

/** Approves an active step; a finished group activates the next one, the last one approves the chain. */
function approve(chain: Chain, steps: Step[], step: Step, decision: Approval, now: Date): DecideResult {
  const at = now.toISOString();
  const w = waited(step, now);
  markDecided(step, 'approved', decision, at);
  const events: ChainEvent[] = [
    { type: 'step_approved', chainKey: chain.key, stepId: step.id, tierId: step.tierId, tierName: step.tierName, actor: decision.actor, source: { ...decision.source }, ...(w !== undefined ? { waitedSeconds: w } : {}), at },
  ];
  let status: ChainStatus = 'pending';
  const groupDone = steps.filter((s) => s.group === step.group).every((s) => s.status === 'approved' || s.status === 'skipped');
  if (groupDone) {
    const next = step.group + 1;
    if (next >= groupCount(chain)) {
      status = 'approved';
      events.push({ type: 'chain_approved', chainKey: chain.key, at });
    } else {
      const activated = steps.filter((s) => s.group === next && s.status === 'waiting');
      for (const s of activated) {
        s.status = 'active';
        s.activatedAt = at;
      }
      events.push({ type: 'group_activated', chainKey: chain.key, group: next, stepIds: activated.map((s) => s.id), at });
    }
  }
  return { chain: { ...chain, steps, status }, events };
}

type Rejection = Extract<Decision, { kind: 'reject' }>;

/** Rejects an active step: every open step is skipped and the chain is rejected, for good. */
function reject(chain: Chain, steps: Step[], step: Step, decision: Rejection, now: Date): DecideResult {
  const at = now.toISOString();
  const w = waited(step, now);
  markDecided(step, 'rejected', decision, at);
  if (decision.reason) step.reason = decision.reason;
  for (const s of steps) if (s.status === 'waiting' || s.status === 'active') s.status = 'skipped';
  const reason = decision.reason ? { reason: decision.reason } : {};
  const events: ChainEvent[] = [
    { type: 'step_rejected', chainKey: chain.key, stepId: step.id, tierId: step.tierId, tierName: step.tierName, actor: decision.actor, source: { ...decision.source }, ...reason, ...(w !== undefined ? { waitedSeconds: w } : {}), at },
    { type: 'chain_rejected', chainKey: chain.key, stepId: step.id, actor: decision.actor, ...reason, at },
  ];
  return { chain: { ...chain, steps, status: 'rejected' }, events };
}

function clearDecision(s: Step): void {
  delete s.decidedBy;
  delete s.decidedAt;
  delete s.source;
  delete s.reason;
}

/** Steps a person may still act on now. */
export function activeSteps(chain: Chain): Step[] {
  return chain.status === 'pending' ? chain.steps.filter((s) => s.status === 'active') : [];
}

/** `/approve tier2`: matches a step by tier id (also `tier2@pack` after a merge) or tier name, case-insensitively. */
export function stepMatchesTier(step: Step, wanted: string): boolean {
  const w = wanted.toLowerCase();
  const id = step.tierId.toLowerCase();
  return id === w || id.startsWith(`${w}@`) || step.tierName.toLowerCase() === w;
}
