// The latest contracts evaluation of each pull request at each head, and the head each
// PR was last evaluated at: what an approval re-publishes, and which PRs a commit's
// checks combine (a commit can be the head of several open PRs).
import type { Db } from './database.js';
import { ADVISORY_PR_HEAD_SPACE, lockKeyForTransaction } from './dialect.js';
import type { ContractsEvaluation } from '../contracts/evaluate.js';
import type { GateMode } from '../contracts/gate.js';

export interface StoredEvaluation {
  evaluation: ContractsEvaluation;
  withApprovalsCheck: boolean;
  mode: GateMode;
  installationId: number;
  prNumber: number;
  /** The base it was evaluated against (absent for evaluations from before migration 006). */
  base?: string;
}

export interface Published {
  withApprovalsCheck: boolean;
  mode: GateMode;
  /** The base the PR was evaluated against (its base branch). */
  base: string;
}

export interface EvaluationRepository {
  /** The evaluation of one PR at one head (replacing an earlier one of the same PR and head). */
  save(installationId: number, prNumber: number, evaluation: ContractsEvaluation, published: Published, now: Date): Promise<void>;
  load(repo: string, prNumber: number, headSha: string): Promise<StoredEvaluation | undefined>;
  /** The stored evaluations of every open PR whose head `headSha` is now, by PR number. */
  openOnHead(repo: string, headSha: string): Promise<StoredEvaluation[]>;
  /** Records the PR's head (open); returns the head it had before, if another. */
  moveHead(installationId: number, repo: string, prNumber: number, headSha: string, now: Date): Promise<string | undefined>;
  /** The head the PR was last evaluated at. */
  headOf(repo: string, prNumber: number): Promise<{ headSha: string; open: boolean } | undefined>;
  /** The PR was closed (or merged): its head no longer counts; returns that head. */
  close(repo: string, prNumber: number, now: Date): Promise<string | undefined>;
}

type Row = { evaluation: string; approvals_check: number; gate: string; installation_id: number; pr_number: number; base: string | null };

function toStored(row: Row): StoredEvaluation {
  return {
    evaluation: JSON.parse(row.evaluation) as ContractsEvaluation,
    withApprovalsCheck: row.approvals_check === 1,
    mode: row.gate as GateMode,
    installationId: row.installation_id,
    prNumber: row.pr_number,
    ...(row.base !== null ? { base: row.base } : {}),
  };
}

export function sqlEvaluationRepository(db: Db): EvaluationRepository {
  return {
    async save(installationId, prNumber, evaluation, published, now) {
      const row = {
        installation_id: installationId,
        repo: evaluation.repo,
        head_sha: evaluation.headSha,
        pr_number: prNumber,
        base: published.base,
        evaluation: JSON.stringify(evaluation),
        approvals_check: published.withApprovalsCheck ? 1 : 0,
        gate: published.mode,
        evaluated_at: now.toISOString(),
      };
      await db
        .insertInto('contract_evaluations')
        .values(row)
        .onConflict((oc) => oc.columns(['repo', 'pr_number', 'head_sha']).doUpdateSet({ ...row }))
        .execute();
    },
    async load(repo, prNumber, headSha) {
      const row = await db
        .selectFrom('contract_evaluations')
        .selectAll()
        .where('repo', '=', repo)
        .where('pr_number', '=', prNumber)
        .where('head_sha', '=', headSha)
        .executeTakeFirst();
      return row ? toStored(row) : undefined;
    },
    async openOnHead(repo, headSha) {
      const rows = await db
        .selectFrom('contract_evaluations as e')
        .innerJoin('pull_request_heads as h', (j) => j.onRef('h.repo', '=', 'e.repo').onRef('h.pr_number', '=', 'e.pr_number').onRef('h.head_sha', '=', 'e.head_sha'))
        .select(['e.evaluation', 'e.approvals_check', 'e.gate', 'e.installation_id', 'e.pr_number', 'e.base'])
        .where('e.repo', '=', repo)
        .where('e.head_sha', '=', headSha)
        .where('h.open', '=', 1)
        .orderBy('e.pr_number')
        .execute();
      return rows.map(toStored);
    },
    async moveHead(installationId, repo, prNumber, headSha, now) {
      return db.transaction().execute(async (trx) => {
        // Two deliveries of one PR moving its head at once: the second sees the first's head.
        await lockKeyForTransaction(trx, ADVISORY_PR_HEAD_SPACE, `${repo}#${prNumber}`);
        const before = await trx.selectFrom('pull_request_heads').select(['head_sha', 'open']).where('repo', '=', repo).where('pr_number', '=', prNumber).executeTakeFirst();
        const row = { repo, pr_number: prNumber, installation_id: installationId, head_sha: headSha, open: 1, updated_at: now.toISOString() };
        await trx
          .insertInto('pull_request_heads')
          .values(row)
          .onConflict((oc) => oc.columns(['repo', 'pr_number']).doUpdateSet({ installation_id: installationId, head_sha: headSha, open: 1, updated_at: row.updated_at }))
          .execute();
        return before && before.head_sha !== headSha ? before.head_sha : undefined;
      });
    },
    async headOf(repo, prNumber) {
      const row = await db.selectFrom('pull_request_heads').select(['head_sha', 'open']).where('repo', '=', repo).where('pr_number', '=', prNumber).executeTakeFirst();
      return row ? { headSha: row.head_sha, open: row.open === 1 } : undefined;
    },
    async close(repo, prNumber, now) {
      // One statement: a head moved by another delivery meanwhile is the one closed and returned.
      const row = await db
        .updateTable('pull_request_heads')
        .set({ open: 0, updated_at: now.toISOString() })
        .where('repo', '=', repo)
        .where('pr_number', '=', prNumber)
        .where('open', '=', 1)
        .returning('head_sha')
        .executeTakeFirst();
      return row?.head_sha;
    },
  };
}
