// The approval use cases the webhook handlers call. Ports are injected; this file holds
// the sequencing (load, check eligibility, decide, compare-and-set, report) and no
// GitHub or clock of its own.
//
// What the lead wires (per webhook; construction is cheap):
//   const approvals = createApprovalService({
//     db, now: () => new Date(), appSlug,
//     membership: teamMembership.forEvaluation(),       // TeamMembership over context.octokit + a process-wide MembershipCache
//     audit: (e) => policy.writeAuditEvent(e),          // AuditEventInput-shaped
//     publish: (chain, headSha) => …,                   // propose buildApprovalsCheck(chain, headSha) + re-evaluate the contracts gate
//     reply: (repo, n, body) => …,                      // propose a comment
//   });
//   pull_request opened/synchronize/reopened (evaluation): approvals.ensureChain(pr, template, options) -> chain for the checks
//   pull_request_review: approvals.onReview(factsFromReviewPayload(payload))
//   issue_comment:       const f = factsFromCommentPayload(payload); if (f) approvals.onComment(f)  ('recheck' -> re-run evaluation)
//
// Policy decisions:
// - Refused commands get a reply saying why and change nothing; every refusal is audited.
//   Refused REVIEWS are audited but not answered: an approving review is also ordinary
//   code review, and most reviewers are not in any tier. Bots are never answered (loops).
// - Edited comments never approve or reject: audited as `approval.ignored`; the author
//   gets a short reply only when the edit introduced a command.
// - Reviews act on the chain of the commit they were given on (`review.commit_id`); with
//   invalidateOnPush an approval on an old head changes only that old chain.
// - Comments carry no commit: they act on the PR's current chain (the one for
//   `prHeadSha` when the handler knows it). A decision comment (approve/reject) posted
//   before the current per-head chain was created (a delayed or redelivered comment, or
//   one written before the latest push) is refused: its author never saw this head.
// - A new head chain (invalidateOnPush) supersedes the PR's older chains; a changed
//   template (tiers, who may approve, grouping, options) supersedes the chain for the same
//   key and starts a fresh one — approvals are not carried over. A rejected per-PR chain
//   (invalidateOnPush false) is replaced on the next new head: rejection is final per head.
import type { ApprovalOptions, Severity } from '../packs/schema.js';
import type { AuditEventInput } from '../governance/audit.js';
import type { Db } from '../store/database.js';
import {
  activeSteps,
  chainKey,
  decideStep,
  sameLogin,
  startChain,
  stepMatchesTier,
  type Chain,
  type ChainEvent,
  type Decision,
  type DecisionSource,
  type Step,
} from './chain.js';
import {
  ChainConflict,
  chainsForPr,
  chainsWithSource,
  countPendingSteps,
  insertChain,
  loadChainById,
  loadChainByKey,
  loadLatestChainByKey,
  saveTransition,
  supersedeChain,
  templateHash,
  touchHead,
  type StoredChain,
  type SupersedeReason,
} from './chain-repo.js';
import { isDecisionCommand, parseCommand, type Command } from './commands.js';
import { actorRefusal, isBotActor, isEligible, type Actor, type Eligibility, type EligibilityContext, type EligibilityTier } from './eligibility.js';
import type { CommentFacts, ReviewFacts } from './facts.js';
import { recordChainEvents, setPendingSteps } from './metrics.js';
import type { MembershipLookup } from './team-membership.js';
import type { ChainTemplate } from './template.js';
import { buildHelpReply } from '../report/approvals-help.js';

export interface ApprovalPorts {
  db: Db;
  now: () => Date;
  /** Team membership for this evaluation (see TeamMembership.forEvaluation()). */
  membership: MembershipLookup;
  /** Who may decide a step: the PolicyProvider's checkApprover (default: the tier rules of isEligible). */
  checkApprover?: (actor: Actor, tier: EligibilityTier, ctx: EligibilityContext) => Promise<Eligibility>;
  /** The app's slug; its bot account `${appSlug}[bot]` never approves. */
  appSlug: string;
  /** Appends an audit event (the governance AuditLog / PolicyProvider.writeAuditEvent). */
  audit: (event: AuditEventInput) => Promise<unknown>;
  /** Proposes the approvals check run for `headSha` and re-evaluates the contracts gate. */
  publish: (chain: Chain, headSha: string) => Promise<void>;
  /** Proposes a comment on the PR. */
  reply: (repo: string, issueNumber: number, body: string) => Promise<void>;
  installationId?: number;
}

export interface PrFacts {
  repo: string;
  prNumber: number;
  headSha: string;
  author: string;
  /** The PR's highest finding severity (the template was made for it). */
  severity: Severity;
}

export type ApprovalOutcome =
  | { kind: 'changed'; chains: Chain[]; events: ChainEvent[] }
  | { kind: 'refused'; reason: string; chain?: Chain }
  | { kind: 'ignored'; reason: string }
  | { kind: 'help'; chain?: Chain }
  | { kind: 'recheck' };

export interface EnsureResult {
  /** undefined: no approval required. */
  chain: Chain | undefined;
  created: boolean;
  /** The head the chain's check belongs to. */
  headSha: string;
}

const MAX_ATTEMPTS = 25;

interface Ctx {
  repo: string;
  prNumber: number;
  prAuthor: string;
  installationId?: number;
  /** Where a refusal is answered; undefined: not answered. */
  replyTo?: number;
  /** What to record as the origin in audit events. */
  trigger: Record<string, unknown>;
}

export function createApprovalService(ports: ApprovalPorts) {
  const { db } = ports;
  const mayDecide = ports.checkApprover ?? isEligible;

  const auditActor = (login: string | undefined) => (login ? `user:${login}` : 'app');

  async function audit(type: string, actor: string | undefined, ctx: Ctx, chain: Chain | undefined, details: Record<string, unknown>, at?: string) {
    await ports.audit({
      at: at ?? ports.now().toISOString(),
      installationId: ctx.installationId ?? ports.installationId ?? null,
      actor: auditActor(actor),
      type,
      subject: {
        repo: ctx.repo,
        prNumber: ctx.prNumber,
        ...(chain?.headSha ? { headSha: chain.headSha } : {}),
        ...(chain ? { chainKey: chain.key } : {}),
      },
      details: { ...details, trigger: ctx.trigger },
    });
  }

  async function report(stored: StoredChain, events: ChainEvent[], ctx: Ctx) {
    for (const e of events) {
      const actor = 'actor' in e ? e.actor : undefined;
      await audit(`approval.${e.type}`, actor, ctx, stored.chain, { ...e }, e.at);
    }
    recordChainEvents(events);
    setPendingSteps(await countPendingSteps(db));
  }

  async function publish(stored: StoredChain) {
    await ports.publish(stored.chain, stored.chain.headSha ?? stored.lastHeadSha);
  }

  async function refuse(reason: string, actor: Actor, ctx: Ctx, chain: Chain | undefined, what: Record<string, unknown>): Promise<ApprovalOutcome> {
    await audit('approval.refused', actor.login, ctx, chain, { reason, ...what });
    if (ctx.replyTo !== undefined && !isBotActor(actor)) {
      const text = reason.startsWith(`@${actor.login} `) ? reason : `@${actor.login} ${reason}`;
      await ports.reply(ctx.repo, ctx.replyTo, `${text}. Nothing was changed.`);
    }
    return { kind: 'refused', reason, ...(chain ? { chain } : {}) };
  }

  async function ignore(reason: string, actor: Actor | undefined, ctx: Ctx, chain: Chain | undefined, what: Record<string, unknown>, auditIt = true): Promise<ApprovalOutcome> {
    if (auditIt) await audit('approval.ignored', actor?.login, ctx, chain, { reason, ...what });
    return { kind: 'ignored', reason };
  }

  // ---- chains -----------------------------------------------------------------------------

  async function createChain(pr: PrFacts, template: ChainTemplate, options: ApprovalOptions, hash: string, ctx: Ctx): Promise<EnsureResult> {
    const now = ports.now();
    const { chain, events } = startChain(template, { repo: pr.repo, prNumber: pr.prNumber, headSha: pr.headSha, severity: pr.severity, prAuthor: pr.author, options }, now);
    const { stored, created } = await insertChain(db, chain, { templateHash: hash, headSha: pr.headSha });
    if (created) {
      // Older chains of this PR (earlier heads, or another keying) are history now.
      for (const old of await chainsForPr(db, pr.repo, pr.prNumber)) {
        if (old.id !== stored.id && (await supersedeChain(db, old, now, 'newer_head'))) {
          await audit('approval.chain_superseded', undefined, ctx, old.chain, { reason: 'newer_head', supersededBy: stored.chain.key });
        }
      }
      await report(stored, events, ctx);
    }
    return { chain: stored.chain, created, headSha: pr.headSha };
  }

  /**
   * On PR evaluation: the chain the PR needs for its head. Reuses the chain for the same
   * key (same head, or per PR) when its template is unchanged; otherwise starts one.
   * Does not publish: the evaluation that called it builds both checks from the result.
   */
  async function ensureChain(pr: PrFacts, template: ChainTemplate, options: ApprovalOptions): Promise<EnsureResult> {
    const ctx: Ctx = { repo: pr.repo, prNumber: pr.prNumber, prAuthor: pr.author, trigger: { kind: 'evaluation', headSha: pr.headSha } };
    const now = ports.now();
    if (template.groups.every((g) => g.length === 0)) {
      for (const old of await chainsForPr(db, pr.repo, pr.prNumber)) {
        if (await supersedeChain(db, old, now, 'not_required')) {
          await audit('approval.chain_superseded', undefined, ctx, old.chain, { reason: 'no approval required any more' });
        }
      }
      return { chain: undefined, created: false, headSha: pr.headSha };
    }
    const key = chainKey(pr.repo, pr.prNumber, options.invalidateOnPush ? pr.headSha : null);
    const hash = templateHash(template) + ':' + JSON.stringify([options.invalidateOnPush, options.allowAuthor, options.distinctApprovers, options.changesRequested]);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const existing = await loadChainByKey(db, key);
      if (!existing) {
        // A late evaluation of a head that a newer head already replaced: answer with the
        // old chain and never let it displace the newer one.
        const latest = await loadLatestChainByKey(db, key);
        if (latest?.supersededReason === 'newer_head') return { chain: latest.chain, created: false, headSha: pr.headSha };
        return createChain(pr, template, options, hash, ctx);
      }
      let reason: SupersedeReason | undefined;
      if (existing.templateHash !== hash) reason = 'template_changed';
      else if (existing.chain.headSha === null && existing.chain.status === 'rejected' && existing.lastHeadSha !== pr.headSha) {
        reason = 'rejected_new_head';
      }
      if (reason === undefined) {
        if (existing.chain.headSha === null && existing.lastHeadSha !== pr.headSha) await touchHead(db, existing, pr.headSha, now);
        return { chain: existing.chain, created: false, headSha: pr.headSha };
      }
      if (await supersedeChain(db, existing, now, reason)) {
        await audit('approval.chain_superseded', undefined, ctx, existing.chain, { reason });
        return createChain(pr, template, options, hash, ctx);
      }
      // Lost a race with another evaluation: look again.
    }
    throw new Error(`approval chain ${key}: too many concurrent changes`);
  }

  /** The chain a handler should show for a PR (current, newest). */
  async function currentChain(repo: string, prNumber: number, headSha?: string): Promise<StoredChain | undefined> {
    const current = await chainsForPr(db, repo, prNumber);
    if (headSha !== undefined) {
      const exact = current.find((c) => c.chain.headSha === headSha || c.chain.headSha === null);
      if (exact) return exact;
      // The handler knows a newer head than any chain: the evaluation for it has not run
      // yet. The newest chain still answers (an approval there can never satisfy the new head).
    }
    return current[0];
  }

  // ---- decisions --------------------------------------------------------------------------

  /** Applies decisions with compare-and-set, reloading and re-deciding after a lost race. */
  async function transition(
    stored: StoredChain,
    ctx: Ctx,
    decide: (s: StoredChain) => Promise<{ decisions: Decision[] } | { refusal: string }>,
  ): Promise<{ stored: StoredChain; events: ChainEvent[] } | { refusal: string; stored: StoredChain }> {
    let current = stored;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const plan = await decide(current);
      if ('refusal' in plan) return { refusal: plan.refusal, stored: current };
      const now = ports.now();
      let chain = current.chain;
      const events: ChainEvent[] = [];
      for (const d of plan.decisions) {
        const r = decideStep(chain, d, now);
        if (r.refusal !== undefined) {
          if (events.length === 0) return { refusal: r.refusal, stored: current };
          break;
        }
        chain = r.chain;
        events.push(...r.events);
      }
      try {
        const saved = await saveTransition(db, current, chain, now);
        await report(saved, events, ctx);
        await publish(saved);
        return { stored: saved, events };
      } catch (err) {
        if (!(err instanceof ChainConflict)) throw err;
        const reloaded = await loadChainById(db, current.id);
        if (!reloaded) throw err;
        if (reloaded.supersededAt !== null && current.supersededAt === null) {
          return { refusal: 'the approval chain was replaced while deciding (the required approvals changed); please act again', stored: reloaded };
        }
        current = reloaded;
      }
    }
    throw new Error(`approval chain ${stored.chain.key}: too many concurrent changes`);
  }

  function eligibilityCtx(chain: Chain, prAuthor: string) {
    return {
      prAuthor: prAuthor || chain.prAuthor,
      allowAuthor: chain.options.allowAuthor,
      appSlug: ports.appSlug,
      isTeamMember: (org: string, slug: string, login: string) => ports.membership.isTeamMember(org, slug, login),
    };
  }

  /** Decides which active steps an actor approves or rejects, or why not. */
  async function plan(
    chain: Chain,
    actor: Actor,
    prAuthor: string,
    kind: 'approve' | 'reject',
    tier: string | undefined,
  ): Promise<{ steps: Step[] } | { refusal: string }> {
    const verb = kind === 'approve' ? 'approve' : 'reject';
    if (chain.steps.length === 0) return { refusal: 'no approval is required for this pull request' };
    if (chain.status === 'rejected') return { refusal: 'the approval chain was rejected; a rejection is final for this commit' };
    if (chain.status === 'approved') return { refusal: 'the approval chain is already approved' };
    const ectx = eligibilityCtx(chain, prAuthor);
    const general = actorRefusal(actor, ectx);
    if (general) return { refusal: general };
    if (kind === 'approve' && chain.options.distinctApprovers) {
      const filled = chain.steps.find((s) => s.status === 'approved' && sameLogin(s.decidedBy, actor.login));
      if (filled) return { refusal: `@${actor.login} already approved ${filled.tierName}; this chain needs a different person for each step` };
    }
    const wanted = (s: Step) => tier === undefined || stepMatchesTier(s, tier);
    const candidates = activeSteps(chain).filter(wanted);
    if (candidates.length === 0) {
      const later = chain.steps.find((s) => s.status === 'waiting' && wanted(s));
      if (later) {
        const blocking = activeSteps(chain).map((s) => s.tierName).join(', ');
        return { refusal: `${later.tierName} is not active yet (waiting for ${blocking})` };
      }
      if (tier !== undefined) {
        const decided = chain.steps.find((s) => wanted(s));
        return { refusal: decided ? `${decided.tierName} is already ${decided.status}` : `this chain has no tier "${tier}"` };
      }
      return { refusal: 'no step is waiting for a decision' };
    }
    const eligible: Step[] = [];
    const reasons: string[] = [];
    for (const s of candidates) {
      const tierDef = chain.tiers[s.tierId] ?? { name: s.tierName, users: [], teams: [] };
      const e = await mayDecide(actor, tierDef, ectx);
      if (e.eligible) eligible.push(s);
      else reasons.push(e.reason);
    }
    if (eligible.length === 0) {
      // Eligible only for a later step? Say so rather than "not in <active tier>".
      for (const s of chain.steps.filter((x) => x.status === 'waiting' && wanted(x))) {
        const tierDef = chain.tiers[s.tierId];
        if (tierDef && (await mayDecide(actor, tierDef, ectx)).eligible) {
          const blocking = activeSteps(chain).map((x) => x.tierName).join(', ');
          return { refusal: `${s.tierName} is not active yet (waiting for ${blocking})` };
        }
      }
      return { refusal: [...new Set(reasons)].join('; ') || `@${actor.login} may not ${verb} this step` };
    }
    // One person fills at most one step with distinctApprovers; a rejection needs one step.
    return { steps: kind === 'reject' || chain.options.distinctApprovers ? [eligible[0]!] : eligible };
  }

  async function decide(
    stored: StoredChain,
    actor: Actor,
    kind: 'approve' | 'reject',
    source: DecisionSource,
    ctx: Ctx,
    opts: { tier?: string; reason?: string },
  ): Promise<ApprovalOutcome> {
    // A redelivered review or comment never decides twice (matters without distinctApprovers).
    const already = stored.chain.steps.find((s) => s.source?.kind === source.kind && s.source.id === source.id);
    if (already) return ignore(`this ${source.kind} already decided ${already.tierName}`, actor, ctx, stored.chain, { source }, false);
    const result = await transition(stored, ctx, async (s) => {
      if (s.chain.steps.some((x) => x.source?.kind === source.kind && x.source.id === source.id)) {
        return { refusal: `this ${source.kind} already decided a step` };
      }
      const p = await plan(s.chain, actor, ctx.prAuthor, kind, opts.tier);
      if ('refusal' in p) return p;
      return {
        decisions: p.steps.map((step): Decision =>
          kind === 'approve'
            ? { kind: 'approve', stepId: step.id, actor: actor.login, source }
            : { kind: 'reject', stepId: step.id, actor: actor.login, source, ...(opts.reason ? { reason: opts.reason } : {}) },
        ),
      };
    });
    if ('refusal' in result) return refuse(result.refusal, actor, ctx, result.stored.chain, { decision: kind, source });
    return { kind: 'changed', chains: [result.stored.chain], events: result.events };
  }

  async function retract(
    chains: StoredChain[],
    actor: Actor,
    match: { source: DecisionSource } | { by: string },
    ctx: Ctx,
  ): Promise<{ chains: Chain[]; events: ChainEvent[] } | { refusal: string }> {
    const changed: Chain[] = [];
    const events: ChainEvent[] = [];
    let refusal = `@${actor.login} has no approval on this chain to retract`;
    for (const stored of chains) {
      const r = await transition(stored, ctx, async () => ({ decisions: [{ kind: 'retract', actor: actor.login, match }] }));
      if ('refusal' in r) {
        refusal = r.refusal;
        continue;
      }
      changed.push(r.stored.chain);
      events.push(...r.events);
    }
    return changed.length > 0 ? { chains: changed, events } : { refusal };
  }

  // ---- reviews ----------------------------------------------------------------------------

  async function onReview(f: ReviewFacts): Promise<ApprovalOutcome> {
    const source: DecisionSource = { kind: 'review', id: f.review.id };
    const ctx: Ctx = {
      repo: f.repo,
      prNumber: f.prNumber,
      prAuthor: f.prAuthor,
      ...(f.installationId !== undefined ? { installationId: f.installationId } : {}),
      trigger: { kind: 'review', action: f.action, reviewId: f.review.id, state: f.review.state, commitId: f.review.commitId },
    };
    if (f.action === 'dismissed') {
      const chains = await chainsWithSource(db, f.repo, f.prNumber, source);
      if (chains.length === 0) return ignore('the dismissed review gave no approval', f.sender, ctx, undefined, {}, false);
      const r = await retract(chains, f.sender, { source }, ctx);
      return 'refusal' in r ? ignore(r.refusal, f.sender, ctx, undefined, {}) : { kind: 'changed', ...r };
    }
    if (f.action === 'edited') return ignore('an edited review changes no decision', f.sender, ctx, undefined, {}, false);

    const state = f.review.state;
    if (state !== 'approved' && state !== 'changes_requested') return ignore(`a ${state} review decides nothing`, f.review.user, ctx, undefined, {}, false);

    // The chain of the commit the review was given on.
    const all = await chainsForPr(db, f.repo, f.prNumber, { includeSuperseded: true });
    const target =
      all.find((c) => c.supersededAt === null && c.chain.headSha === null) ?? all.find((c) => c.chain.headSha === f.review.commitId);
    if (!target) {
      return ignore(`no approval chain for commit ${f.review.commitId.slice(0, 7)}`, f.review.user, ctx, undefined, { state });
    }
    if (state === 'changes_requested') {
      if (target.chain.options.changesRequested === 'ignore') {
        return ignore('changes requested: this chain ignores them (changesRequested: ignore)', f.review.user, ctx, target.chain, {});
      }
      return decide(target, f.review.user, 'reject', source, ctx, f.review.body ? { reason: f.review.body.slice(0, 500) } : {});
    }
    return decide(target, f.review.user, 'approve', source, ctx, {});
  }

  // ---- comments ---------------------------------------------------------------------------

  async function onComment(f: CommentFacts): Promise<ApprovalOutcome> {
    const source: DecisionSource = { kind: 'comment', id: f.comment.id };
    const actor = f.comment.user;
    const ctx: Ctx = {
      repo: f.repo,
      prNumber: f.prNumber,
      prAuthor: f.prAuthor,
      ...(f.installationId !== undefined ? { installationId: f.installationId } : {}),
      trigger: { kind: 'comment', action: f.action, commentId: f.comment.id },
    };
    if (f.action === 'deleted') {
      const chains = await chainsWithSource(db, f.repo, f.prNumber, source);
      if (chains.length === 0) return ignore('the deleted comment gave no approval', f.sender, ctx, undefined, {}, false);
      const r = await retract(chains, f.sender, { source }, ctx);
      return 'refusal' in r ? ignore(r.refusal, f.sender, ctx, undefined, {}) : { kind: 'changed', ...r };
    }
    // The app's own comments (help replies) are never commands.
    if (sameLogin(actor.login, `${ports.appSlug}[bot]`) || sameLogin(actor.login, ports.appSlug)) {
      return ignore('the app\'s own comment', actor, ctx, undefined, {}, false);
    }
    const command = parseCommand(f.comment.body);
    if (!command) return ignore('no command', actor, ctx, undefined, {}, false);

    if (f.action === 'edited') {
      const before = parseCommand(f.previousBody);
      const introduced = isDecisionCommand(command) && JSON.stringify(before) !== JSON.stringify(command);
      await audit('approval.ignored', actor.login, ctx, undefined, { reason: 'edited comments never approve or reject', command });
      if (introduced && !isBotActor(actor)) {
        await ports.reply(f.repo, f.prNumber, `@${actor.login} edited comments are not read: post the command in a new comment.`);
      }
      return { kind: 'ignored', reason: 'edited comments never approve or reject' };
    }

    const replyCtx: Ctx = { ...ctx, replyTo: f.prNumber };
    const stored = await currentChain(f.repo, f.prNumber, f.prHeadSha);
    return runCommand(command, stored, actor, source, replyCtx, f.comment.createdAt);
  }

  async function runCommand(
    command: Command,
    stored: StoredChain | undefined,
    actor: Actor,
    source: DecisionSource,
    ctx: Ctx,
    /** When the comment was posted (GitHub's created_at). */
    postedAt: string | undefined,
  ): Promise<ApprovalOutcome> {
    const what = { command };
    switch (command.kind) {
      case 'help':
      case 'unknown': {
        if (!isBotActor(actor)) {
          await ports.reply(ctx.repo, ctx.prNumber, buildHelpReply(stored?.chain, command.kind === 'unknown' ? { unknownCommand: command.text } : {}));
        }
        return { kind: 'help', ...(stored ? { chain: stored.chain } : {}) };
      }
      case 'recheck':
        await audit('approval.recheck_requested', actor.login, ctx, stored?.chain, what);
        return { kind: 'recheck' };
      case 'approve':
      case 'reject': {
        if (!stored || stored.chain.steps.length === 0) return refuse('no approval is required for this pull request', actor, ctx, stored?.chain, what);
        if (stored.chain.headSha !== null && postedAt !== undefined && !(Date.parse(postedAt) >= Date.parse(stored.chain.createdAt))) {
          return refuse(`posted before the latest push; comment again to ${command.kind} this commit`, actor, ctx, stored.chain, {
            ...what,
            source,
            commentCreatedAt: postedAt,
            chainCreatedAt: stored.chain.createdAt,
          });
        }
        return decide(stored, actor, command.kind, source, ctx, {
          ...(command.kind === 'approve' && command.tier ? { tier: command.tier } : {}),
          ...(command.kind === 'reject' && command.reason ? { reason: command.reason } : {}),
        });
      }
      case 'approve_cancel': {
        if (!stored) return refuse(`@${actor.login} has no approval on this chain to retract`, actor, ctx, undefined, what);
        const r = await retract([stored], actor, { by: actor.login }, ctx);
        if ('refusal' in r) return refuse(r.refusal, actor, ctx, stored.chain, what);
        return { kind: 'changed', ...r };
      }
    }
  }

  /** For the lead's ChainGate: is the current chain with this key approved? */
  async function isApproved(key: string): Promise<boolean> {
    return (await loadChainByKey(db, key))?.chain.status === 'approved';
  }

  return { ensureChain, onReview, onComment, currentChain, isApproved };
}

export type ApprovalService = ReturnType<typeof createApprovalService>;

/** The governance pipeline's ChainGate, backed by the approval store: `isApproved(chainKey)`. */
export function approvalsChainGate(db: Db): { isApproved(chainKey: string): Promise<boolean> } {
  return { isApproved: async (key) => (await loadChainByKey(db, key))?.chain.status === 'approved' };
}
