// Frozen once landed: add a new numbered migration instead of editing this one (made
// dialect-aware later without changing the SQLite schema it writes: migrations/index.ts).
// Approval chains and their steps. Every step transition is a compare-and-set on
// `approval_steps.version`, every chain change one on `approval_chains.version`.
import { sql, type Kysely } from 'kysely';
import { columnTypes, surrogateKey } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const { bigId } = columnTypes(db);
  await db.schema
    .createTable('approval_chains')
    .$call(surrogateKey(db))
    // `owner/repo#pr@sha`, or `owner/repo#pr` for a per-PR chain; unique among current chains.
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('head_sha', 'text') // null: per PR (invalidateOnPush false)
    .addColumn('last_head_sha', 'text', (c) => c.notNull()) // the head it was last ensured for
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // pending | approved | rejected
    .addColumn('pr_author', 'text', (c) => c.notNull())
    .addColumn('tiers', 'text', (c) => c.notNull()) // JSON: tier id -> { name, users, teams, packIds }
    .addColumn('options', 'text', (c) => c.notNull()) // JSON: the merged ApprovalOptions
    .addColumn('template_hash', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('superseded_at', 'text') // set when a changed template or a new head replaced it
    .addColumn('superseded_reason', 'text') // newer_head | template_changed | rejected_new_head | not_required
    .execute();
  await db.schema
    .createIndex('approval_chains_current_key')
    .on('approval_chains')
    .column('key')
    .unique()
    .where(sql.ref('superseded_at'), 'is', null)
    .execute();
  await db.schema.createIndex('approval_chains_pr').on('approval_chains').columns(['repo', 'pr_number']).execute();

  await db.schema
    .createTable('approval_steps')
    .$call(surrogateKey(db))
    .addColumn('chain_id', bigId, (c) => c.notNull().references('approval_chains.id').onDelete('cascade'))
    .addColumn('step_key', 'text', (c) => c.notNull()) // `${group}.${tierId}`
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('group_index', 'integer', (c) => c.notNull())
    .addColumn('tier_id', 'text', (c) => c.notNull())
    .addColumn('tier_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // waiting | active | approved | rejected | skipped
    .addColumn('activated_at', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('source_kind', 'text') // review | comment
    .addColumn('source_id', 'text')
    .addColumn('reason', 'text')
    .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
    .addUniqueConstraint('approval_steps_chain_step', ['chain_id', 'step_key'])
    .execute();
  await db.schema.createIndex('approval_steps_source').on('approval_steps').columns(['source_kind', 'source_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('approval_steps').execute();
  await db.schema.dropTable('approval_chains').execute();
}
