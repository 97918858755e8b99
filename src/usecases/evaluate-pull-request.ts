// The use case behind every pull-request trigger: read the PR through a ChangeSet,
// select the packs that govern it, run Track A, keep the approval chain in step with
// the highest severity, and publish both checks through the governance pipeline.
import type { Services } from './services.js';
import type { Octokit } from '../governance/octokit.js';
import { GitHubChangeSet, type PullRequestFacts } from '../change/github.js';
import { touchedPaths } from '../change/changeset.js';
import { selectPacks } from '../packs/select.js';
import type { ValidPack } from '../packs/types.js';
import { evaluateContracts, type ContractsEvaluation } from '../contracts/evaluate.js';
import { buildErroredContractsCheck, buildInProgressContractsCheck } from '../report/contracts-check.js';
import { combineChains, type RequiredChain } from '../approvals/template.js';
import type { Severity } from '../packs/schema.js';
import type { Chain } from '../approvals/chain.js';
import { approvalsFor } from './approvals.js';
import { proposeCheck, publishResults, type GateMode, type PrSubject } from './publish.js';
import { saveEvaluation } from './evaluations.js';

export interface EvaluationOutcome {
  evaluation: ContractsEvaluation;
  chain: Chain | undefined;
}

export async function evaluatePullRequest(
  svc: Services,
  octokit: Octokit,
  installationId: number,
  facts: PullRequestFacts,
): Promise<EvaluationOutcome> {
  const subject: PrSubject = { installationId, repo: `${facts.owner}/${facts.repo}`, prNumber: facts.number, headSha: facts.headSha };
  svc.octokits.remember(installationId, octokit);
  try {
    return await evaluate(svc, octokit, subject, facts);
  } catch (error) {
    // Fail closed: an error that outlived the Octokit retries fails the check, with the
    // reason, instead of leaving it in progress. Rethrown so the delivery is recorded as
    // failed and a redelivery runs it again.
    const reason = error instanceof Error ? error.message : String(error);
    await proposeCheck(svc, subject, buildErroredContractsCheck(facts.headSha, reason));
    await svc.pipeline.dispatchDue(10);
    throw error;
  }
}

async function evaluate(svc: Services, octokit: Octokit, subject: PrSubject, facts: PullRequestFacts): Promise<EvaluationOutcome> {
  const { installationId, repo } = subject;

  const packSet = await svc.packs.load(octokit, installationId, facts.owner);
  const changes = new GitHubChangeSet(octokit, facts);
  // No pack at all: not even the file list is needed to know that none applies.
  const paths = packSet.packs.length > 0 ? touchedPaths(await changes.files()) : [];
  // Past GitHub's 3000-file limit a matching path may be missing from the list: fail
  // closed by selecting on scope alone.
  const selected = selectPacks(packSet, repo, paths, { ignorePaths: changes.truncated === true });
  if (selected.length > 0) {
    await proposeCheck(svc, subject, buildInProgressContractsCheck(facts.headSha));
    await svc.pipeline.dispatchDue(10);
  }

  const evaluation = await evaluateContracts({ changes, packs: selected, now: svc.now() });
  // Test-mode packs never drive approvals; invalid ones already fail the check. Where
  // packs block, only their chains can lift the block: a warn pack's approvers never do.
  const governing = selected.filter((p): p is ValidPack => p.valid && !p.pack.testMode.enabled);
  const blocking = governing.filter((p) => evaluation.packs.some((e) => e.packId === p.pack.id && e.blocks));
  const required = await requiredChains(svc, blocking.length > 0 ? blocking : governing, evaluation.highestSeverity);
  const gate: GateMode = blocking.length === 0 ? 'advisory' : required.length === blocking.length ? 'gate' : 'no_chain';
  const { template, options } = combineChains(required);
  const approvals = await approvalsFor(svc, octokit, installationId);
  const { chain } = await approvals.ensureChain(
    { repo, prNumber: facts.number, headSha: facts.headSha, author: facts.author.login, severity: evaluation.highestSeverity ?? 'info' },
    template,
    options,
  );
  // The approvals check exists on PRs that a pack with approval tiers governs, so branch
  // protection can require it there; elsewhere it would only cost API calls.
  const withApprovalsCheck = governing.some((p) => Object.keys(p.pack.approvalTiers).length > 0);
  await saveEvaluation(svc.db, subject, evaluation, { withApprovalsCheck, gate }, svc.now());
  await svc.policy.writeAuditEvent({
    installationId,
    actor: 'app',
    type: 'evaluation.completed',
    subject: { repo, prNumber: facts.number, headSha: facts.headSha },
    details: {
      packs: evaluation.packs.map((p) => ({ id: p.packId, versionHash: p.versionHash, findings: p.findings.length, blocks: p.blocks, testMode: p.testMode })),
      invalidPacks: evaluation.invalidPacks.map((p) => ({ file: p.file, id: p.id, error: p.errors[0]?.message })),
      highestSeverity: evaluation.highestSeverity ?? null,
      chain: chain ? { key: chain.key, status: chain.status } : null,
      gate,
    },
  });
  await publishResults(svc, subject, evaluation, chain, { withApprovalsCheck, gate });
  return { evaluation, chain };
}

/** The chains the packs require at the PR's highest severity, as the PolicyProvider says (packs requiring none are left out). */
async function requiredChains(svc: Services, packs: ValidPack[], severity: Severity | undefined): Promise<RequiredChain[]> {
  const required: RequiredChain[] = [];
  if (severity === undefined) return required;
  for (const p of packs) {
    const template = await svc.policy.getChainTemplate(undefined, p.pack, severity);
    if (template) required.push({ template, options: p.pack.approvalOptions });
  }
  return required;
}
