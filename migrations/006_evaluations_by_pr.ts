// Frozen once landed: add a new numbered migration instead of editing this one (made
// dialect-aware later without changing the SQLite schema it writes: migrations/index.ts).
// The gate is settled per pull request, not per commit (issue 9):
// - contract_evaluations is keyed by (repo, pr_number, head_sha): two open PRs with one
//   head (`feature → main`, `feature → tmp`) each keep their own evaluation, against their
//   own base (`base`: the base branch it was evaluated against);
// - pull_request_heads: the head each PR was last evaluated at and whether it is open, so
//   the checks of a commit combine every open PR whose head it is;
// - approval_chains.bound_base / findings_fingerprint: what a chain was approved for; a
//   change of either retires it (null for chains made before this migration).
import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const { bigId } = columnTypes(db);
  await db.schema
    .createTable('contract_evaluations_by_pr')
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('head_sha', 'text', (c) => c.notNull())
    .addColumn('base', 'text') // the base branch (or sha) it was evaluated against; null before this migration
    .addColumn('evaluation', 'text', (c) => c.notNull()) // JSON ContractsEvaluation
    .addColumn('approvals_check', 'integer', (c) => c.notNull())
    .addColumn('gate', 'text', (c) => c.notNull())
    .addColumn('evaluated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contract_evaluations_by_pr_pk', ['repo', 'pr_number', 'head_sha'])
    .execute();
  const columns = ['installation_id', 'repo', 'pr_number', 'head_sha', 'evaluation', 'approvals_check', 'gate', 'evaluated_at'] as const;
  await db
    .insertInto('contract_evaluations_by_pr')
    .columns([...columns])
    .expression(db.selectFrom('contract_evaluations').select([...columns]))
    .execute();
  await db.schema.dropTable('contract_evaluations').execute();
  await db.schema.alterTable('contract_evaluations_by_pr').renameTo('contract_evaluations').execute();
  await db.schema.createIndex('contract_evaluations_head').on('contract_evaluations').columns(['repo', 'head_sha']).execute();

  await db.schema
    .createTable('pull_request_heads')
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('head_sha', 'text', (c) => c.notNull())
    .addColumn('open', 'integer', (c) => c.notNull()) // 1 open, 0 closed
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pull_request_heads_pk', ['repo', 'pr_number'])
    .execute();
  await db.schema.createIndex('pull_request_heads_head').on('pull_request_heads').columns(['repo', 'head_sha']).execute();
  // Each PR's newest stored evaluation is its head (the only row of its PR before this migration, per head).
  const rows = await db
    .selectFrom('contract_evaluations as e')
    .select(['e.repo', 'e.pr_number', 'e.installation_id', 'e.head_sha', 'e.evaluated_at'])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('contract_evaluations as n')
            .select(sql`1`.as('one'))
            .whereRef('n.repo', '=', 'e.repo')
            .whereRef('n.pr_number', '=', 'e.pr_number')
            .where((eb) => eb.or([eb('n.evaluated_at', '>', eb.ref('e.evaluated_at')), eb.and([eb('n.evaluated_at', '=', eb.ref('e.evaluated_at')), eb('n.head_sha', '>', eb.ref('e.head_sha'))])])),
        ),
      ),
    )
    .execute();
  for (const r of rows) {
    await db
      .insertInto('pull_request_heads')
      .values({ repo: r.repo, pr_number: r.pr_number, installation_id: r.installation_id, head_sha: r.head_sha, open: 1, updated_at: r.evaluated_at })
      .execute();
  }

  await db.schema.alterTable('approval_chains').addColumn('bound_base', 'text').execute();
  await db.schema.alterTable('approval_chains').addColumn('findings_fingerprint', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const { bigId } = columnTypes(db);
  await db.schema.alterTable('approval_chains').dropColumn('findings_fingerprint').execute();
  await db.schema.alterTable('approval_chains').dropColumn('bound_base').execute();
  await db.schema.dropTable('pull_request_heads').execute();
  // Back to one row per (repo, head_sha): the newest evaluation of each head is kept.
  await db.schema
    .createTable('contract_evaluations_by_head')
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('head_sha', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('evaluation', 'text', (c) => c.notNull())
    .addColumn('approvals_check', 'integer', (c) => c.notNull())
    .addColumn('gate', 'text', (c) => c.notNull())
    .addColumn('evaluated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contract_evaluations_pk', ['repo', 'head_sha'])
    .execute();
  const all = await db.selectFrom('contract_evaluations').selectAll().orderBy('evaluated_at', 'desc').execute();
  const seen = new Set<string>();
  for (const r of all) {
    const key = `${r.repo}\0${r.head_sha}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const { base: _base, ...row } = r;
    await db.insertInto('contract_evaluations_by_head').values(row).execute();
  }
  await db.schema.dropTable('contract_evaluations').execute();
  await db.schema.alterTable('contract_evaluations_by_head').renameTo('contract_evaluations').execute();
  await db.schema.createIndex('contract_evaluations_pr').on('contract_evaluations').columns(['repo', 'pr_number']).execute();
}
