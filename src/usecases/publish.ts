// Publishing what an evaluation decided: the contracts check (gated by the approval
// chain in block mode) and the approvals check, as actions of the governance pipeline.
import type { Services } from './services.js';
import type { ContractsEvaluation } from '../contracts/evaluate.js';
import type { CheckRunPayload } from '../report/check-run.js';
import { buildContractsCheck } from '../report/contracts-check.js';
import { buildApprovalsCheck, gateState } from '../report/approvals-check.js';
import type { Chain } from '../approvals/chain.js';
import { loadLatestChainByKey } from '../approvals/chain-repo.js';
import type { PackOrigin } from '../governance/action.js';
import { sha256Hex } from '../canonical.js';

export interface PrSubject {
  installationId: number;
  repo: string;
  prNumber: number;
  headSha: string;
}

/** What a check belongs to: a PR head, or a bare commit (a push to the config repo). */
export type CheckSubject = Omit<PrSubject, 'prNumber'> & { prNumber?: number };

export const CHECK_EXTERNAL_ID = 'puddlejumper';

/** One check run per (name, head sha): every new payload is a new revision of the same action. */
export async function proposeCheck(svc: Services, s: CheckSubject, check: CheckRunPayload, origin?: PackOrigin): Promise<void> {
  // Our external id marks the run as ours, so a resumed dispatch never adopts another app's check.
  const payload: CheckRunPayload = { ...check, externalId: check.externalId ?? CHECK_EXTERNAL_ID };
  await svc.pipeline.propose({
    installationId: s.installationId,
    kind: 'check_run.upsert',
    idempotencyKey: `check:${s.repo}@${payload.headSha}:${payload.name}`,
    subject: { repo: s.repo, headSha: payload.headSha, ...(s.prNumber !== undefined ? { prNumber: s.prNumber } : {}) },
    payload,
    ...(origin ? { origin } : {}),
  });
}

/** A reply on the PR conversation, found again by its marker if dispatch is resumed. */
export async function proposeReply(svc: Services, installationId: number, repo: string, issueNumber: number, body: string): Promise<void> {
  const marker = `reply:${repo}#${issueNumber}:${svc.now().toISOString()}:${sha256Hex(body).slice(0, 12)}`;
  await svc.pipeline.propose({
    installationId,
    kind: 'comment.upsert',
    idempotencyKey: marker,
    subject: { repo, prNumber: issueNumber },
    payload: { repo, issueNumber, body, marker },
  });
  await svc.pipeline.dispatchDue(10);
}

/**
 * How the approval chain bears on the contracts check:
 * - `gate`: packs block and each of them requires a chain: the chain's approval lifts the block;
 * - `no_chain`: a blocking pack requires no chain at this severity: nothing can lift it;
 * - `advisory`: no pack blocks (warn mode): the chain is shown and never holds the merge back.
 */
export type GateMode = 'gate' | 'no_chain' | 'advisory';

export function contractsCheckFor(evaluation: ContractsEvaluation, chain: Chain | undefined, gateMode: GateMode): CheckRunPayload {
  const gate = gateMode === 'gate' && chain ? gateState(chain) : undefined;
  return buildContractsCheck(evaluation, evaluation.headSha, gate);
}

/**
 * When every pack behind the check is in test mode, the check carries that pack as its
 * origin, so the pipeline itself refuses anything but a neutral check (fail closed).
 */
export function checkOrigin(evaluation: ContractsEvaluation): PackOrigin | undefined {
  if (evaluation.invalidPacks.length > 0 || evaluation.packs.length === 0) return undefined;
  if (!evaluation.packs.every((p) => p.testMode)) return undefined;
  const first = evaluation.packs[0]!;
  return { packId: first.packId, versionHash: first.versionHash, valid: true, testMode: true };
}

export async function publishResults(
  svc: Services,
  s: PrSubject,
  evaluation: ContractsEvaluation,
  chain: Chain | undefined,
  published: { withApprovalsCheck: boolean; gate: GateMode },
): Promise<void> {
  // Decisions may have landed since the caller read the chain: publish what is stored now,
  // so a slower publisher never puts back an older state of the gate.
  if (chain) chain = (await loadLatestChainByKey(svc.db, chain.key))?.chain ?? chain;
  await proposeCheck(svc, s, contractsCheckFor(evaluation, chain, published.gate), checkOrigin(evaluation));
  if (published.withApprovalsCheck) {
    await proposeCheck(svc, s, buildApprovalsCheck(chain, s.headSha, { advisory: published.gate === 'advisory' }));
  }
  await svc.pipeline.dispatchDue(50);
}
