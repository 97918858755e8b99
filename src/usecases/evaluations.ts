// The latest contracts evaluation of each PR head: what an approval re-publishes.
import type { Db } from '../store/database.js';
import type { ContractsEvaluation } from '../contracts/evaluate.js';
import type { GateMode, PrSubject } from './publish.js';

export interface StoredEvaluation {
  evaluation: ContractsEvaluation;
  withApprovalsCheck: boolean;
  gate: GateMode;
  installationId: number;
  prNumber: number;
}

export async function saveEvaluation(
  db: Db,
  s: PrSubject,
  evaluation: ContractsEvaluation,
  published: { withApprovalsCheck: boolean; gate: GateMode },
  now: Date,
): Promise<void> {
  const row = {
    installation_id: s.installationId,
    repo: s.repo,
    head_sha: s.headSha,
    pr_number: s.prNumber,
    evaluation: JSON.stringify(evaluation),
    approvals_check: published.withApprovalsCheck ? 1 : 0,
    gate: published.gate,
    evaluated_at: now.toISOString(),
  };
  await db
    .insertInto('contract_evaluations')
    .values(row)
    .onConflict((oc) => oc.columns(['repo', 'head_sha']).doUpdateSet({ ...row }))
    .execute();
}

export async function loadEvaluation(db: Db, repo: string, headSha: string): Promise<StoredEvaluation | undefined> {
  const row = await db
    .selectFrom('contract_evaluations')
    .selectAll()
    .where('repo', '=', repo)
    .where('head_sha', '=', headSha)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    evaluation: JSON.parse(row.evaluation) as ContractsEvaluation,
    withApprovalsCheck: row.approvals_check === 1,
    gate: row.gate as GateMode,
    installationId: row.installation_id,
    prNumber: row.pr_number,
  };
}
