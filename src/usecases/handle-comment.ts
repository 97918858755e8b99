// A comment on a pull request: `/approve`, `/approve <tier>`, `/approve cancel`,
// `/reject <reason>`, `/pj help`, `/pj recheck`, read from the comment's visible text
// (approvals/commands.ts). Refused commands get a reply saying why (at most once per
// person and PR an hour, mentioning nobody) and change nothing. Edited comments never
// approve or reject (the author is told when the edit introduced a command), but an edit
// that makes an approving comment no longer say that `/approve` retracts its approval, as
// deleting it does.
// Comments carry no commit: a decision acts on the PR's current chain, and one posted
// before the current per-head chain existed is refused (its author never saw this head).
import { sameLogin, stepMatchesTier, type DecisionSource, type Step } from '../approvals/chain.js';
import { isDecisionCommand, parseCommand, type Command } from '../approvals/commands.js';
import { chainForHead, postedBeforeChain } from '../approvals/decide.js';
import type { Actor } from '../approvals/eligibility.js';
import type { CommentFacts } from '../approvals/facts.js';
import { buildHelpReply } from '../report/approvals-help.js';
import type { StoredChain } from '../store/chains.js';
import { answer, auditChain, decide, ignore, mayAnswer, refuse, retract, type ApprovalDeps, type ApprovalOutcome, type Origin } from './approval-steps.js';

export async function handleComment(deps: ApprovalDeps, f: CommentFacts): Promise<ApprovalOutcome> {
  const source: DecisionSource = { kind: 'comment', id: f.comment.id };
  const actor = f.comment.user;
  const origin: Origin = { repo: f.repo, prNumber: f.prNumber, prAuthor: f.prAuthor, trigger: { kind: 'comment', action: f.action, commentId: f.comment.id } };
  if (f.action === 'deleted') {
    const chains = await deps.chains.withSource(f.repo, f.prNumber, source);
    if (chains.length === 0) return ignore(deps, 'the deleted comment gave no approval', f.sender, origin, undefined, {}, false);
    const r = await retract(deps, chains, f.sender, { source }, origin);
    return 'refusal' in r ? ignore(deps, r.refusal, f.sender, origin, undefined) : { kind: 'changed', ...r };
  }
  // The app's own comments (help replies) are never commands.
  if (sameLogin(actor.login, `${deps.appSlug}[bot]`) || sameLogin(actor.login, deps.appSlug)) return ignore(deps, "the app's own comment", actor, origin, undefined, {}, false);
  const command = parseCommand(f.comment.body);
  if (f.action === 'edited') return handleEdit(deps, f, command, source, origin);
  if (!command) return ignore(deps, 'no command', actor, origin, undefined, {}, false);
  const stored = await currentChain(deps, f.repo, f.prNumber, f.prHeadSha);
  return runCommand(deps, command, stored, actor, source, { ...origin, replyTo: f.prNumber }, f.comment.createdAt);
}

/** An approval stands while its comment still says that `/approve` (a tier it names must still be the step's). */
function stillApproves(command: Command | undefined, step: Step): boolean {
  return command?.kind === 'approve' && (command.tier === undefined || stepMatchesTier(step, command.tier));
}

/**
 * An edited comment never decides. What it approved is retracted when the visible text no
 * longer says that `/approve`; a rejection stays (a rejection is final for its commit).
 */
async function handleEdit(deps: ApprovalDeps, f: CommentFacts, command: Command | undefined, source: DecisionSource, origin: Origin): Promise<ApprovalOutcome> {
  const actor = f.comment.user;
  const approvedHere = (c: StoredChain) =>
    c.chain.steps.some((s) => s.status === 'approved' && s.source?.kind === source.kind && s.source.id === source.id && !stillApproves(command, s));
  const withdrawn = (await deps.chains.withSource(f.repo, f.prNumber, source)).filter(approvedHere);
  let outcome: ApprovalOutcome = { kind: 'ignored', reason: 'edited comments never approve or reject' };
  if (withdrawn.length > 0) {
    const r = await retract(deps, withdrawn, f.sender, { source }, origin);
    if ('refusal' in r) await ignore(deps, r.refusal, f.sender, origin, undefined, { command: command ?? null });
    else outcome = { kind: 'changed', ...r };
  }
  if (!command) return outcome;
  await auditChain(deps, 'approval.ignored', actor.login, origin, undefined, { reason: 'edited comments never approve or reject', command });
  const introduced = isDecisionCommand(command) && JSON.stringify(parseCommand(f.previousBody)) !== JSON.stringify(command);
  const replyOrigin = { ...origin, replyTo: f.prNumber };
  if (introduced && (await mayAnswer(deps, actor, replyOrigin, 'refusal'))) {
    await answer(deps, replyOrigin, `\`${actor.login}\`: edited comments are not read; post the command in a new comment.`);
  }
  return outcome;
}

/**
 * The chain a comment acts on: the current chain of the PR's head when it was posted — the
 * head the payload names, else the last head the store evaluated (the newest current
 * chain's). Never a superseded chain, never the chain of another head: an approval given
 * while the head was A is never recorded on B's chain.
 */
async function currentChain(deps: ApprovalDeps, repo: string, prNumber: number, headSha?: string): Promise<StoredChain | undefined> {
  return chainForHead(await deps.chains.forPr(repo, prNumber), headSha);
}

async function runCommand(
  deps: ApprovalDeps,
  command: Command,
  stored: StoredChain | undefined,
  actor: Actor,
  source: DecisionSource,
  origin: Origin,
  postedAt: string | undefined,
): Promise<ApprovalOutcome> {
  const what = { command };
  switch (command.kind) {
    case 'help':
    case 'unknown':
      // An unknown command is a refused one: it shares the refusals' limit; `/pj help` has its own.
      if (await mayAnswer(deps, actor, origin, command.kind === 'unknown' ? 'refusal' : 'help')) {
        await answer(deps, origin, buildHelpReply(stored?.chain, command.kind === 'unknown' ? { unknownCommand: command.text } : {}));
      }
      return { kind: 'help', ...(stored ? { chain: stored.chain } : {}) };
    case 'recheck':
      await auditChain(deps, 'approval.recheck_requested', actor.login, origin, stored?.chain, what);
      return { kind: 'recheck' };
    case 'approve':
    case 'reject': {
      if (!stored || stored.chain.steps.length === 0) return refuse(deps, 'no approval is required for this pull request', actor, origin, stored?.chain, what);
      if (postedBeforeChain(stored.chain, postedAt)) {
        return refuse(deps, `posted before the latest push; comment again to ${command.kind} this commit`, actor, origin, stored.chain, {
          ...what,
          source,
          commentCreatedAt: postedAt,
          chainCreatedAt: stored.chain.createdAt,
        });
      }
      const opts = command.kind === 'approve' ? (command.tier ? { tier: command.tier } : {}) : command.reason ? { reason: command.reason } : {};
      return decide(deps, stored, actor, command.kind, source, origin, opts);
    }
    case 'approve_cancel': {
      if (!stored) return refuse(deps, `@${actor.login} has no approval on this chain to retract`, actor, origin, undefined, what);
      const r = await retract(deps, [stored], actor, { by: actor.login }, origin);
      return 'refusal' in r ? refuse(deps, r.refusal, actor, origin, stored.chain, what) : { kind: 'changed', ...r };
    }
  }
}
