// Deciding approval steps, shared by the review and comment use cases: plan the decision
// (approvals/decide.ts), save it by compare-and-set with its audit events in the same
// transaction (store/chains.ts), then count and publish. Refusals are audited and, for
// commands, answered — at most once per person and PR an hour (the limit is stored, so it
// holds across restarts), and no reply of the approval use cases ever @-mentions anyone: a
// spammer's 40 `/approve` comments cannot page the tier's approvers 40 times.
import type { Chain, ChainEvent, DecisionSource } from '../approvals/chain.js';
import { applyDecisions, decidedBySource, decisionsFor, planDecision, type DecisionKind } from '../approvals/decide.js';
import { isBotActor, type Actor } from '../approvals/eligibility.js';
import type { AuditEventInput } from '../governance/audit.js';
import type { DismissedReviews, ReplyLimits } from '../store/approval-inputs.js';
import type { AuditEventStore } from '../store/audit-events.js';
import { transitionChain, type ChainRepository, type StoredChain } from '../store/chains.js';
import type { ChainNotifications } from './notify.js';

/** What the approval use cases need, and nothing else. */
export interface ApprovalDeps {
  chains: ChainRepository;
  now: () => Date;
  /** The app's slug; its bot account `${appSlug}[bot]` never approves. */
  appSlug: string;
  isTeamMember(org: string, slug: string, login: string): Promise<boolean>;
  /** `within`: the audit rows of the transaction of the chain change the event records (AuditLog.append). */
  audit(event: AuditEventInput, within?: AuditEventStore): Promise<unknown>;
  /** A chain changed: release or deny what waited for it and re-publish both checks of its head. */
  publish(chain: Chain, headSha: string): Promise<void>;
  /** A comment on the PR conversation (the use cases pass every body through `noMentions`). */
  reply(repo: string, issueNumber: number, body: string): Promise<void>;
  /** When a person's refused command was last answered on a PR (stored: survives restarts). */
  replyLimits: ReplyLimits;
  /** Reviews that were dismissed: such a review never decides again. */
  dismissedReviews: DismissedReviews;
  /** Chain events and the pending-steps gauge. */
  metrics: { events(events: readonly ChainEvent[]): void; pendingSteps(n: number): void };
  installationId: number | null;
  /** Notifications of chain events (usecases/notify.ts): collected here, planned after the use case. */
  notify?: ChainNotifications;
}

export type ApprovalOutcome =
  | { kind: 'changed'; chains: Chain[]; events: ChainEvent[] }
  | { kind: 'refused'; reason: string; chain?: Chain }
  | { kind: 'ignored'; reason: string }
  | { kind: 'help'; chain?: Chain }
  | { kind: 'recheck' };

/** Where an input came from: the PR, its author, where a refusal is answered, the audit trigger. */
export interface Origin {
  repo: string;
  prNumber: number;
  prAuthor: string;
  /** Where a refusal is answered; undefined: not answered. */
  replyTo?: number;
  trigger: Record<string, unknown>;
}

export async function auditChain(
  deps: ApprovalDeps,
  type: string,
  login: string | undefined,
  origin: Origin,
  chain: Chain | undefined,
  details: Record<string, unknown>,
  at?: string,
  within?: AuditEventStore,
): Promise<void> {
  await deps.audit(
    {
      at: at ?? deps.now().toISOString(),
      installationId: deps.installationId,
      actor: login ? `user:${login}` : 'app',
      type,
      subject: {
        repo: origin.repo,
        prNumber: origin.prNumber,
        ...(chain?.headSha ? { headSha: chain.headSha } : {}),
        ...(chain ? { chainKey: chain.key } : {}),
      },
      details: { ...details, trigger: origin.trigger },
    },
    within,
  );
}

/** Audits each chain event; `within`: the transaction of the change that made them. */
export async function auditEvents(deps: ApprovalDeps, chain: Chain, events: readonly ChainEvent[], origin: Origin, within: AuditEventStore | undefined): Promise<void> {
  for (const e of events) await auditChain(deps, `approval.${e.type}`, 'actor' in e ? e.actor : undefined, origin, chain, { ...e }, e.at, within);
}

/** After a change and its audit (auditEvents): counts its events, tells notifications and resets the pending gauge from the store. */
export async function reportEvents(deps: ApprovalDeps, chain: Chain, events: readonly ChainEvent[]): Promise<void> {
  deps.metrics.events(events);
  deps.notify?.chainEvents(chain, events);
  deps.metrics.pendingSteps(await deps.chains.countPendingSteps());
}

/** A person's refused commands are answered at most once per PR in this window. */
export const REFUSAL_REPLY_WINDOW_MS = 60 * 60_000;

/**
 * `text` with every `@login` and `@org/team` written as a code span: GitHub notifies
 * nobody for it. No `@` followed by a login character is left, whatever the text came
 * from (a tier name typed by the commenter included).
 */
export function noMentions(text: string): string {
  return text.replace(/@([A-Za-z0-9][A-Za-z0-9-]*(?:\[bot\])?(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?)/g, '`$1`');
}

/** Which replies share a limit: answers to refused or unread commands, and `/pj help`. */
export type ReplyBucket = 'refusal' | 'help';

/**
 * Whether the app may answer `actor` on the origin's PR now: never a bot, never where no
 * reply is due, and at most once per person, PR and bucket within the window.
 */
export async function mayAnswer(deps: ApprovalDeps, actor: Actor, origin: Origin, bucket: ReplyBucket): Promise<boolean> {
  if (origin.replyTo === undefined || isBotActor(actor)) return false;
  const key = `reply:${bucket}:${origin.repo.toLowerCase()}#${origin.replyTo}:${actor.login.toLowerCase()}`;
  return deps.replyLimits.take(key, deps.now(), REFUSAL_REPLY_WINDOW_MS);
}

/** A reply on the origin's PR, without mentions. */
export async function answer(deps: ApprovalDeps, origin: Origin, body: string): Promise<void> {
  await deps.reply(origin.repo, origin.replyTo ?? origin.prNumber, noMentions(body));
}

export async function refuse(deps: ApprovalDeps, reason: string, actor: Actor, origin: Origin, chain: Chain | undefined, what: Record<string, unknown>): Promise<ApprovalOutcome> {
  const answered = await mayAnswer(deps, actor, origin, 'refusal');
  await auditChain(deps, 'approval.refused', actor.login, origin, chain, { reason, ...what, ...(origin.replyTo !== undefined ? { answered } : {}) });
  if (answered) {
    const text = reason.startsWith(`@${actor.login} `) ? reason : `@${actor.login} ${reason}`;
    await answer(deps, origin, `${text}. Nothing was changed.`);
  }
  return { kind: 'refused', reason, ...(chain ? { chain } : {}) };
}

export async function ignore(deps: ApprovalDeps, reason: string, actor: Actor | undefined, origin: Origin, chain: Chain | undefined, what: Record<string, unknown> = {}, audited = true): Promise<ApprovalOutcome> {
  if (audited) await auditChain(deps, 'approval.ignored', actor?.login, origin, chain, { reason, ...what });
  return { kind: 'ignored', reason };
}

async function saved(deps: ApprovalDeps, s: StoredChain, events: ChainEvent[]): Promise<void> {
  await reportEvents(deps, s.chain, events);
  await deps.publish(s.chain, s.chain.headSha ?? s.lastHeadSha);
}

/** Approves or rejects with a review or a comment; a redelivered source never decides twice. */
export async function decide(
  deps: ApprovalDeps,
  stored: StoredChain,
  actor: Actor,
  kind: DecisionKind,
  source: DecisionSource,
  origin: Origin,
  opts: { tier?: string; reason?: string } = {},
): Promise<ApprovalOutcome> {
  const already = decidedBySource(stored.chain, source);
  if (already) {
    // A redelivery, or a delivery resumed after the replica that recorded this decision died
    // before publishing it: the decision stands, and the check is published from the chain
    // again (a no-op in the outbox when that update already went out).
    await deps.publish(stored.chain, stored.chain.headSha ?? stored.lastHeadSha);
    return ignore(deps, `this ${source.kind} already decided ${already.tierName}`, actor, origin, stored.chain, { source }, false);
  }
  const decider = { prAuthor: origin.prAuthor, appSlug: deps.appSlug, isTeamMember: deps.isTeamMember };
  const r = await transitionChain(deps.chains, stored, deps.now, async (current, at) => {
    if (decidedBySource(current.chain, source)) return { refusal: `this ${source.kind} already decided a step` };
    const plan = await planDecision(current.chain, actor, kind, opts.tier, decider);
    if ('refusal' in plan) return plan;
    const applied = applyDecisions(current.chain, decisionsFor(plan.steps, kind, actor, source, opts.reason), at);
    return 'refusal' in applied ? applied : { next: applied.chain, result: applied.events };
  }, (events, next, within) => auditEvents(deps, next, events, origin, within));
  if ('refusal' in r) return refuse(deps, r.refusal, actor, origin, r.stored.chain, { decision: kind, source });
  await saved(deps, r.saved, r.result);
  return { kind: 'changed', chains: [r.saved.chain], events: r.result };
}

/** Takes back the approvals matching a source (dismissed review, deleted comment) or a person (`/approve cancel`). */
export async function retract(
  deps: ApprovalDeps,
  chains: readonly StoredChain[],
  actor: Actor,
  match: { source: DecisionSource } | { by: string },
  origin: Origin,
): Promise<{ chains: Chain[]; events: ChainEvent[] } | { refusal: string }> {
  const changed: Chain[] = [];
  const events: ChainEvent[] = [];
  let refusal = `@${actor.login} has no approval on this chain to retract`;
  for (const stored of chains) {
    const r = await transitionChain(deps.chains, stored, deps.now, async (current, at) => {
      const applied = applyDecisions(current.chain, [{ kind: 'retract', actor: actor.login, match }], at);
      return 'refusal' in applied ? applied : { next: applied.chain, result: applied.events };
    }, (result, next, within) => auditEvents(deps, next, result, origin, within));
    if ('refusal' in r) {
      refusal = r.refusal;
      continue;
    }
    await saved(deps, r.saved, r.result);
    changed.push(r.saved.chain);
    events.push(...r.result);
  }
  return changed.length > 0 ? { chains: changed, events } : { refusal };
}
