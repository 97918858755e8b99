// The use case behind every pull-request trigger: read the PR through a ChangeSet,
// evaluate it against the installation's packs (contracts/evaluate-change.ts), keep the
// approval chain in step with the highest severity, and publish both checks.
import type { Chain } from '../approvals/chain.js';
import { combineChains } from '../approvals/template.js';
import type { ChangeSet, PullRequest } from '../change/changeset.js';
import type { ContractsEvaluation } from '../contracts/evaluate.js';
import { evaluateChange } from '../contracts/evaluate-change.js';
import type { OpenApiEngine } from '../contracts/comparators/types.js';
import type { AuditEventInput } from '../governance/audit.js';
import type { PackSet } from '../packs/types.js';
import { buildErroredContractsCheck, buildInProgressContractsCheck } from '../report/contracts-check.js';
import type { EvaluationRepository } from '../store/evaluations.js';
import type { ApprovalDeps } from './approval-steps.js';
import { ensureChain } from './ensure-chain.js';
import { proposeCheck, publishChecks, type Outbox } from './publish-checks.js';

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
  /** The OpenAPI engine for the PR's (untrusted) specs: off the event loop, with a deadline, in the app. */
  openapi?: OpenApiEngine;
}

export interface EvaluationOutcome {
  evaluation: ContractsEvaluation;
  chain: Chain | undefined;
}

export async function evaluatePullRequest(deps: EvaluateDeps, pr: PullRequest): Promise<EvaluationOutcome> {
  const subject = { installationId: pr.installationId, repo: pr.repo, prNumber: pr.number, headSha: pr.headSha };
  try {
    return await evaluate(deps, pr, subject);
  } catch (error) {
    // Fail closed: an error that outlived the Octokit retries fails the check, with the
    // reason, instead of leaving it in progress. Rethrown so the delivery is recorded as
    // failed and a redelivery runs it again.
    const reason = error instanceof Error ? error.message : String(error);
    await proposeCheck(deps.outbox, subject, buildErroredContractsCheck(pr.headSha, reason));
    throw error;
  }
}

async function evaluate(deps: EvaluateDeps, pr: PullRequest, subject: Parameters<typeof proposeCheck>[1]): Promise<EvaluationOutcome> {
  const { evaluation, required } = await evaluateChange(deps.changes(pr), await deps.packs(), deps.now(), {
    onSelected: async (selected) => {
      if (selected.length === 0) return;
      await proposeCheck(deps.outbox, subject, buildInProgressContractsCheck(pr.headSha));
      await deps.dispatchNow();
    },
    ...(deps.openapi ? { openapi: deps.openapi } : {}),
  });
  const { template, options } = combineChains(required.chains);
  const { chain } = await ensureChain(deps.approvals, pr, evaluation.highestSeverity ?? 'info', template, options);
  const published = { withApprovalsCheck: required.withApprovalsCheck, mode: required.mode };
  await deps.evaluations.save(pr.installationId, pr.number, evaluation, published, deps.now());
  await deps.audit({
    installationId: pr.installationId,
    actor: 'app',
    type: 'evaluation.completed',
    subject: { repo: pr.repo, prNumber: pr.number, headSha: pr.headSha },
    details: {
      packs: evaluation.packs.map((p) => ({ id: p.packId, versionHash: p.versionHash, findings: p.findings.length, blocks: p.blocks, testMode: p.testMode })),
      invalidPacks: evaluation.invalidPacks.map((p) => ({ file: p.file, id: p.id, error: p.errors[0]?.message })),
      highestSeverity: evaluation.highestSeverity ?? null,
      chain: chain ? { key: chain.key, status: chain.status } : null,
      gate: required.mode,
    },
  });
  await publishChecks({ outbox: deps.outbox, chains: deps.approvals.chains }, subject, evaluation, published, chain);
  return { evaluation, chain };
}
