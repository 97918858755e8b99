// Publishing what the gate decided: the contracts check and the approvals check of a
// commit (combined over every open PR whose head it is), and replies on the
// conversation, each as an action of the outbox.
import type { Chain } from '../approvals/chain.js';
import { sha256Hex } from '../canonical.js';
import type { ContractsEvaluation } from '../contracts/evaluate.js';
import { approvalState, approvalsVerdict, decideGate, strictest, type GateMode } from '../contracts/gate.js';
import { chainForHead } from '../approvals/decide.js';
import type { ActionProposal, PackOrigin } from '../governance/action.js';
import { buildApprovalsCheck } from '../report/approvals-check.js';
import type { CheckRunPayload } from '../report/check-run.js';
import { buildHeadContractsCheck } from '../report/contracts-check.js';
import type { ChainRepository } from '../store/chains.js';
import type { EvaluationRepository } from '../store/evaluations.js';

/** The outbox as the use cases see it. */
export interface Outbox {
  propose(p: ActionProposal): Promise<unknown>;
  /** Re-judges the actions waiting for a chain (it changed). */
  release(chainKey: string): Promise<unknown>;
  /** Denies the actions waiting for a rejected chain. */
  rejectChain(chainKey: string, reason: string): Promise<unknown>;
}

/** What a check belongs to: a PR head, or a bare commit (a push to the config repo). */
export interface CheckSubject {
  installationId: number;
  repo: string;
  headSha: string;
  prNumber?: number;
}

export const CHECK_EXTERNAL_ID = 'puddlejumper';

/** One check run per (name, head sha): every new payload is a new revision of the same action. */
export async function proposeCheck(outbox: Outbox, s: CheckSubject, check: CheckRunPayload, origin?: PackOrigin): Promise<void> {
  // Our external id marks the run as ours, so a resumed dispatch never adopts another app's check.
  const payload: CheckRunPayload = { ...check, externalId: check.externalId ?? CHECK_EXTERNAL_ID };
  await outbox.propose({
    installationId: s.installationId,
    kind: 'check_run.upsert',
    idempotencyKey: `check:${s.repo}@${payload.headSha}:${payload.name}`,
    subject: { repo: s.repo, headSha: payload.headSha, ...(s.prNumber !== undefined ? { prNumber: s.prNumber } : {}) },
    payload,
    ...(origin ? { origin } : {}),
  });
}

/** A reply on the PR conversation, found again by its marker if dispatch is resumed. */
export async function proposeReply(outbox: Outbox, at: Date, installationId: number, repo: string, issueNumber: number, body: string): Promise<void> {
  const marker = `reply:${repo}#${issueNumber}:${at.toISOString()}:${sha256Hex(body).slice(0, 12)}`;
  await outbox.propose({
    installationId,
    kind: 'comment.upsert',
    idempotencyKey: marker,
    subject: { repo, prNumber: issueNumber },
    payload: { repo, issueNumber, body, marker },
  });
}

/**
 * When every pack behind the check is in test mode, the check carries that pack as its
 * origin, so the outbox itself refuses anything but a neutral check (fail closed).
 */
export function checkOrigin(evaluation: ContractsEvaluation): PackOrigin | undefined {
  if (evaluation.invalidPacks.length > 0 || evaluation.packs.length === 0) return undefined;
  if (!evaluation.packs.every((p) => p.testMode)) return undefined;
  const first = evaluation.packs[0]!;
  return { packId: first.packId, versionHash: first.versionHash, valid: true, testMode: true };
}

export interface PublishDeps {
  outbox: Outbox;
  chains: ChainRepository;
  evaluations: EvaluationRepository;
}

/** One PR's part in a commit's checks: its evaluation, how its chain bears on it, and its chain. */
export interface HeadEntry {
  prNumber: number;
  base?: string;
  evaluation: ContractsEvaluation;
  mode: GateMode;
  withApprovalsCheck: boolean;
  /** The PR's chain for this head; undefined: none stands for it (none required, or a late evaluation). */
  chain: Chain | undefined;
}

/**
 * Both checks of a commit, from every open PR whose head it is: each PR's own evaluation
 * and its own chain as stored now, combined by the gate's `strictest` (a failure on any
 * one is the failure). `only`: publish exactly these entries (a late evaluation of a head
 * the PR has left). `approvalsCheck`: publish the approvals check even when no PR left at
 * the head has one (a PR that had one left it: its check must not stay behind). Returns
 * false when no open PR has this head (nothing published).
 */
export async function publishHead(
  deps: PublishDeps,
  installationId: number,
  repo: string,
  headSha: string,
  opts: { only?: HeadEntry[]; approvalsCheck?: boolean } = {},
): Promise<boolean> {
  const entries = opts.only ?? (await storedEntries(deps, repo, headSha));
  if (entries.length === 0) return false;
  const gates = entries.map((e) => ({ prNumber: e.prNumber, ...(e.base ? { base: e.base } : {}), decision: decideGate(e.evaluation, e, e.chain) }));
  const head = strictest(gates);
  const decisive = entries.find((e) => e.prNumber === head.decisive.prNumber)!;
  const subject = { installationId, repo, headSha, prNumber: decisive.prNumber };
  const rendered = entries.map((e, i) => ({ ...e, decision: gates[i]!.decision }));
  const origins = entries.map((e) => checkOrigin(e.evaluation));
  const origin = origins.every((o) => o !== undefined) ? origins[0] : undefined;
  await proposeCheck(deps.outbox, subject, buildHeadContractsCheck(headSha, rendered, head), origin);
  if (opts.approvalsCheck || entries.some((e) => e.withApprovalsCheck)) {
    const approvals = entries.find((e) => e.prNumber === head.decisiveApprovals.prNumber)!;
    await proposeCheck(deps.outbox, { ...subject, prNumber: approvals.prNumber }, buildApprovalsCheck(approvals.chain, headSha, head.approvals));
  }
  return true;
}

async function storedEntries(deps: PublishDeps, repo: string, headSha: string): Promise<HeadEntry[]> {
  const out: HeadEntry[] = [];
  for (const s of await deps.evaluations.openOnHead(repo, headSha)) {
    // Decisions may have landed since the evaluation: the chain as stored now, never a superseded one.
    const chain = chainForHead(await deps.chains.forPr(repo, s.prNumber), headSha)?.chain;
    out.push({ prNumber: s.prNumber, ...(s.base ? { base: s.base } : {}), evaluation: s.evaluation, mode: s.mode, withApprovalsCheck: s.withApprovalsCheck, chain });
  }
  return out;
}

/**
 * A chain changed: actions that waited for it are released (or denied when it was
 * rejected), and both checks of its head are rebuilt from the stored evaluations of every
 * open PR at that head.
 */
export async function republishChain(deps: PublishDeps, installationId: number, chain: Chain, headSha: string): Promise<void> {
  if (chain.status === 'approved') await deps.outbox.release(chain.key);
  if (chain.status === 'rejected') await deps.outbox.rejectChain(chain.key, `approval chain ${chain.key} was rejected`);
  if (await publishHead(deps, installationId, chain.repo, headSha)) return;
  // Never evaluated here (say, a chain of an older head): the approvals check alone.
  const subject = { installationId, repo: chain.repo, prNumber: chain.prNumber, headSha };
  await proposeCheck(deps.outbox, subject, buildApprovalsCheck(chain, headSha, approvalsVerdict(approvalState(chain), false)));
}
