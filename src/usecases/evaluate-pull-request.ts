// The use case behind every pull-request trigger: read the PR through a ChangeSet,
// evaluate it against the installation's packs and its own base
// (contracts/evaluate-change.ts), keep the approval chain bound to what it approves (head,
// base, findings), record the PR at its head, and publish both checks of that commit —
// combined over every open PR whose head it is (usecases/publish-checks.ts publishHead).
import type { Chain } from '../approvals/chain.js';
import { combineChains, type RequiredChain } from '../approvals/template.js';
import type { ChangeSet, PullRequest } from '../change/changeset.js';
import type { ContractsEvaluation } from '../contracts/evaluate.js';
import { evaluateChange } from '../contracts/evaluate-change.js';
import { findingsFingerprint, type RequiredApproval } from '../contracts/gate.js';
import { maxSeverity } from '../contracts/scoring.js';
import type { Severity } from '../packs/schema.js';
import type { OpenApiEngine } from '../contracts/comparators/types.js';
import type { AuditEventInput } from '../governance/audit.js';
import type { PackSet } from '../packs/types.js';
import { buildErroredContractsCheck, buildInProgressContractsCheck } from '../report/contracts-check.js';
import type { EvaluationRepository } from '../store/evaluations.js';
import type { ApprovalDeps } from './approval-steps.js';
import { bindingFor, ensureChain, type EnsuredChain } from './ensure-chain.js';
import { proposeCheck, publishHead, type HeadEntry, type Outbox, type PublishDeps } from './publish-checks.js';

export interface EvaluateDeps {
  /** The installation's packs (cached by config-repo sha). */
  packs(): Promise<PackSet>;
  changes(pr: PullRequest): ChangeSet;
  approvals: ApprovalDeps;
  outbox: Outbox;
  /** Sends the installation's due actions now: the in-progress check goes out before a long evaluation. */
  dispatchNow(): Promise<unknown>;
  evaluations: EvaluationRepository;
  audit(event: AuditEventInput): Promise<unknown>;
  now: () => Date;
  /**
   * The PR's head now (one GET /pulls/N), asked only when an evaluation is at a head whose
   * chain a later head superseded: a force-push back, or a late delivery. Absent: late.
   */
  currentHead?(pr: PullRequest): Promise<string | undefined>;
  /** PJ_REQUIRE_CONFIG: no readable config repo fails the contracts check. */
  requireConfig?: boolean;
  /** The OpenAPI engine for the PR's (untrusted) specs: off the event loop, with a deadline, in the app. */
  openapi?: OpenApiEngine;
  /**
   * An approval the PR needs beyond its packs' Track A findings: a Track B remediation PR
   * needs its drift pack's tiers at its items' severity (usecases/drift-approval.ts).
   */
  extraApproval?(pr: PullRequest): Promise<ExtraApproval | undefined>;
}

/** A chain required besides the packs' own, at a severity, gating the merge. */
export interface ExtraApproval {
  severity: Severity;
  chain: RequiredChain;
}

/** Track A's requirement with an extra chain: it gates (unless a block no chain can lift stands) and the approvals check is published. */
function withExtra(required: RequiredApproval, extra: ExtraApproval | undefined): RequiredApproval {
  if (!extra) return required;
  return { mode: required.mode === 'no_chain' ? 'no_chain' : 'gate', chains: [...required.chains, extra.chain], withApprovalsCheck: true };
}

export interface EvaluationOutcome {
  evaluation: ContractsEvaluation;
  chain: Chain | undefined;
  /** The evaluation was of a head the PR had already left. */
  stale?: boolean;
}

export interface EvaluateOptions {
  /** `pr` was read just now (GET /pulls/N, or the open-PR list): its head is the PR's head. */
  fresh?: boolean;
}

export async function evaluatePullRequest(deps: EvaluateDeps, pr: PullRequest, opts: EvaluateOptions = {}): Promise<EvaluationOutcome> {
  const subject = { installationId: pr.installationId, repo: pr.repo, prNumber: pr.number, headSha: pr.headSha };
  try {
    return await evaluate(deps, pr, subject, opts);
  } catch (error) {
    // Fail closed: an error that outlived the Octokit retries fails the check, with the
    // reason, instead of leaving it in progress. Rethrown so the delivery is recorded as
    // failed and a redelivery runs it again.
    const reason = error instanceof Error ? error.message : String(error);
    await proposeCheck(deps.outbox, subject, buildErroredContractsCheck(pr.headSha, reason));
    throw error;
  }
}

async function evaluate(deps: EvaluateDeps, pr: PullRequest, subject: Parameters<typeof proposeCheck>[1], opts: EvaluateOptions): Promise<EvaluationOutcome> {
  const { evaluation, required: packsNeed } = await evaluateChange(deps.changes(pr), await deps.packs(), deps.now(), {
    requireConfig: deps.requireConfig === true,
    onSelected: async (selected) => {
      if (selected.length === 0) return;
      await proposeCheck(deps.outbox, subject, buildInProgressContractsCheck(pr.headSha));
      await deps.dispatchNow();
    },
    ...(deps.openapi ? { openapi: deps.openapi } : {}),
  });
  const extra = await deps.extraApproval?.(pr);
  const required = withExtra(packsNeed, extra);
  const severity = maxSeverity([evaluation.highestSeverity ?? 'info', extra?.severity ?? 'info'])!;
  const chainNeeded = combineChains(required.chains);
  const isCurrentHead = currentHeadCheck(deps, pr, opts);
  // Back at a head this PR was evaluated at before, while the store has it elsewhere: a
  // force-push back, or a late delivery. GitHub says which (one request, only then); a late
  // one changes no chain and never moves the PR's head back.
  const late = (await returnsToEarlierHead(deps, pr)) && !(await isCurrentHead());
  if (late) await deps.audit({ installationId: pr.installationId, actor: 'app', type: 'approval.stale_evaluation', subject: { repo: pr.repo, prNumber: pr.number, headSha: pr.headSha }, details: { reason: 'the pull request has left this head; nothing was changed' } });
  const ensured: EnsuredChain = late
    ? { chain: undefined, created: false, stale: true }
    : await ensureChain(deps.approvals, pr, severity, chainNeeded, { findings: findingsFingerprint(evaluation), isCurrentHead });
  const { chain } = ensured;
  if (ensured.replaced) {
    const { because, approvedBy } = ensured.replaced;
    const lost = approvedBy.length > 0 ? ` The approvals of ${approvedBy.map((l) => `@${l}`).join(', ')} were for what was there before and no longer count.` : '';
    evaluation.notes.push(`The approval chain started again: ${because}.${lost}`);
  }
  if (ensured.stale) evaluation.notes.push(`This commit is no longer the head of #${pr.number}: no approval chain answers for it.`);
  const published = { withApprovalsCheck: required.withApprovalsCheck, mode: required.mode, base: bindingFor(pr).base };
  await deps.evaluations.save(pr.installationId, pr.number, evaluation, published, deps.now());
  // A late evaluation never moves the PR's head back.
  const left = ensured.stale ? undefined : await deps.evaluations.moveHead(pr.installationId, pr.repo, pr.number, pr.headSha, deps.now());
  await deps.audit({
    installationId: pr.installationId,
    actor: 'app',
    type: 'evaluation.completed',
    subject: { repo: pr.repo, prNumber: pr.number, headSha: pr.headSha },
    details: {
      packs: evaluation.packs.map((p) => ({ id: p.packId, versionHash: p.versionHash, findings: p.findings.length, blocks: p.blocks, testMode: p.testMode })),
      invalidPacks: evaluation.invalidPacks.map((p) => ({ file: p.file, id: p.id, error: p.errors[0]?.message })),
      highestSeverity: evaluation.highestSeverity ?? null,
      base: published.base,
      chain: chain ? { key: chain.key, status: chain.status } : null,
      ...(ensured.replaced ? { chainReplaced: { key: ensured.replaced.key, reason: ensured.replaced.reason } } : {}),
      ...(ensured.stale ? { stale: true } : {}),
      gate: required.mode,
      ...(evaluation.configMissing ? { configMissing: evaluation.configMissing } : {}),
    },
  });
  const publish = { outbox: deps.outbox, chains: deps.approvals.chains, evaluations: deps.evaluations };
  const own: HeadEntry = { prNumber: pr.number, base: published.base, evaluation, mode: required.mode, withApprovalsCheck: required.withApprovalsCheck, chain };
  // The commit's checks combine every open PR whose head it is; a late evaluation of a
  // head nobody is at any more still completes its own check (without a chain: fail closed).
  if (!(await publishHead(publish, pr.installationId, pr.repo, pr.headSha))) await publishHead(publish, pr.installationId, pr.repo, pr.headSha, { only: [own] });
  // The head this PR left: the other open PRs at it decide its checks now.
  if (left) await leaveHead(publish, pr, left);
  return { evaluation, chain, ...(ensured.stale ? { stale: true } : {}) };
}

/** Whether `pr.headSha` is the PR's head now: asked of GitHub at most once per evaluation (never when `pr` is fresh). */
function currentHeadCheck(deps: EvaluateDeps, pr: PullRequest, opts: EvaluateOptions): () => Promise<boolean> {
  let answer: Promise<boolean> | undefined;
  return () => {
    if (opts.fresh) return Promise.resolve(true);
    answer ??= deps.currentHead ? deps.currentHead(pr).then((head) => head === pr.headSha) : Promise.resolve(false);
    return answer;
  };
}

/** The store has the PR at another head, and this head was evaluated for it before. */
async function returnsToEarlierHead(deps: EvaluateDeps, pr: PullRequest): Promise<boolean> {
  const known = await deps.evaluations.headOf(pr.repo, pr.number);
  if (!known || known.headSha === pr.headSha) return false;
  return (await deps.evaluations.load(pr.repo, pr.number, pr.headSha)) !== undefined;
}

/**
 * A PR was closed (or merged): it no longer has a say in its head's checks, which are
 * re-published for the other open PRs at that head (if any).
 */
export async function closePullRequest(deps: Pick<EvaluateDeps, 'outbox' | 'approvals' | 'evaluations' | 'now'>, pr: PullRequest): Promise<void> {
  const head = await deps.evaluations.close(pr.repo, pr.number, deps.now());
  if (head === undefined) return;
  await leaveHead({ outbox: deps.outbox, chains: deps.approvals.chains, evaluations: deps.evaluations }, pr, head);
}

/** `pr` is no longer at `head`: the open PRs still there decide its checks (nothing when none is). */
async function leaveHead(publish: PublishDeps, pr: PullRequest, head: string): Promise<void> {
  const had = await publish.evaluations.load(pr.repo, pr.number, head);
  await publishHead(publish, pr.installationId, pr.repo, head, { approvalsCheck: had?.withApprovalsCheck === true });
}
