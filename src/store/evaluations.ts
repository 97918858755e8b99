// The latest contracts evaluation of each PR head: what an approval re-publishes.
import type { Db } from './database.js';
import type { ContractsEvaluation } from '../contracts/evaluate.js';
import type { GateMode } from '../contracts/gate.js';

export interface StoredEvaluation {
  evaluation: ContractsEvaluation;
  withApprovalsCheck: boolean;
  mode: GateMode;
  installationId: number;
  prNumber: number;
}

export interface EvaluationRepository {
  save(installationId: number, prNumber: number, evaluation: ContractsEvaluation, published: { withApprovalsCheck: boolean; mode: GateMode }, now: Date): Promise<void>;
  load(repo: string, headSha: string): Promise<StoredEvaluation | undefined>;
}

export function sqlEvaluationRepository(db: Db): EvaluationRepository {
  return {
    async save(installationId, prNumber, evaluation, published, now) {
      const row = {
        installation_id: installationId,
        repo: evaluation.repo,
        head_sha: evaluation.headSha,
        pr_number: prNumber,
        evaluation: JSON.stringify(evaluation),
        approvals_check: published.withApprovalsCheck ? 1 : 0,
        gate: published.mode,
        evaluated_at: now.toISOString(),
      };
      await db
        .insertInto('contract_evaluations')
        .values(row)
        .onConflict((oc) => oc.columns(['repo', 'head_sha']).doUpdateSet({ ...row }))
        .execute();
    },
    async load(repo, headSha) {
      const row = await db.selectFrom('contract_evaluations').selectAll().where('repo', '=', repo).where('head_sha', '=', headSha).executeTakeFirst();
      if (!row) return undefined;
      return {
        evaluation: JSON.parse(row.evaluation) as ContractsEvaluation,
        withApprovalsCheck: row.approvals_check === 1,
        mode: row.gate as GateMode,
        installationId: row.installation_id,
        prNumber: row.pr_number,
      };
    },
  };
}
