// Publishing what the gate decided: the contracts check and the approvals check of a
// PR head, and replies on the conversation, each as an action of the outbox.
import type { Chain } from '../approvals/chain.js';
import { sha256Hex } from '../canonical.js';
import type { ContractsEvaluation } from '../contracts/evaluate.js';
import { approvalState, approvalsVerdict, decideGate, type GateMode } from '../contracts/gate.js';
import type { ActionProposal, PackOrigin } from '../governance/action.js';
import { buildApprovalsCheck } from '../report/approvals-check.js';
import type { CheckRunPayload } from '../report/check-run.js';
import { buildContractsCheck } from '../report/contracts-check.js';
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
}

/** Both checks of a PR head, from its evaluation and the chain's state as stored now. */
export async function publishChecks(
  deps: PublishDeps,
  s: CheckSubject,
  evaluation: ContractsEvaluation,
  published: { mode: GateMode; withApprovalsCheck: boolean },
  chain: Chain | undefined,
): Promise<void> {
  // Decisions may have landed since the caller read the chain: publish what is stored now,
  // so a slower publisher never puts back an older state of the gate.
  if (chain) chain = (await deps.chains.latestByKey(chain.key))?.chain ?? chain;
  const decision = decideGate(evaluation, published, chain);
  await proposeCheck(deps.outbox, s, buildContractsCheck(evaluation, decision), checkOrigin(evaluation));
  if (published.withApprovalsCheck) await proposeCheck(deps.outbox, s, buildApprovalsCheck(chain, s.headSha, decision.approvals));
}

/**
 * A chain changed: actions that waited for it are released (or denied when it was
 * rejected), and both checks of its head are rebuilt from the stored evaluation.
 */
export async function republishChain(deps: PublishDeps & { evaluations: EvaluationRepository }, installationId: number, chain: Chain, headSha: string): Promise<void> {
  if (chain.status === 'approved') await deps.outbox.release(chain.key);
  if (chain.status === 'rejected') await deps.outbox.rejectChain(chain.key, `approval chain ${chain.key} was rejected`);
  const subject = { installationId, repo: chain.repo, prNumber: chain.prNumber, headSha };
  const stored = await deps.evaluations.load(chain.repo, headSha);
  if (stored) return publishChecks(deps, subject, stored.evaluation, stored, chain);
  // Never evaluated here (say, a chain of an older head): the approvals check alone.
  await proposeCheck(deps.outbox, subject, buildApprovalsCheck(chain, headSha, approvalsVerdict(approvalState(chain), false)));
}
