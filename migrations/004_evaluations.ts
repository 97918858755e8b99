// Frozen once landed (made dialect-aware later, same SQLite schema). The latest
// contracts evaluation of each PR head, so that an approval can re-publish the
// contracts check without re-reading the PR.
import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const { bigId } = columnTypes(db);
  await db.schema
    .createTable('contract_evaluations')
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('head_sha', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('evaluation', 'text', (c) => c.notNull()) // JSON ContractsEvaluation
    .addColumn('approvals_check', 'integer', (c) => c.notNull()) // 1: this PR publishes the approvals check
    .addColumn('gate', 'text', (c) => c.notNull()) // GateMode: how the chain bears on the contracts check
    .addColumn('evaluated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('contract_evaluations_pk', ['repo', 'head_sha'])
    .execute();
  await db.schema.createIndex('contract_evaluations_pr').on('contract_evaluations').columns(['repo', 'pr_number']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contract_evaluations').execute();
}
