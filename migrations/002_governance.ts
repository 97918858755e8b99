// Frozen once landed: add a new numbered migration instead of editing this one (made
// dialect-aware later without changing the SQLite schema it writes: migrations/index.ts).
// The governance outbox (actions), the hash-chained audit log and the check-run id cache.
import type { Kysely } from 'kysely';
import { columnTypes, surrogateKey } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const { bigId } = columnTypes(db);
  await db.schema
    .createTable('actions')
    .$call(surrogateKey(db))
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('payload_hash', 'text', (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer')
    .addColumn('head_sha', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text')
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('reason', 'text')
    .addColumn('result', 'text')
    .addColumn('pack_id', 'text')
    .addColumn('pack_version_hash', 'text')
    .addColumn('origin', 'text')
    .addColumn('await_chain', 'text')
    .addColumn('superseded_by', bigId)
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('dispatched_at', 'text')
    .addUniqueConstraint('actions_key_revision', ['idempotency_key', 'revision'])
    .execute();
  await db.schema.createIndex('actions_due').on('actions').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('actions_await_chain').on('actions').column('await_chain').execute();

  await db.schema
    .createTable('audit_events')
    .$call(surrogateKey(db))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('installation_id', bigId)
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('repo', 'text')
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull().unique())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();

  await db.schema
    .createTable('check_runs')
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('head_sha', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('check_run_id', bigId, (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('check_runs_pk', ['installation_id', 'repo', 'head_sha', 'name'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('check_runs').execute();
  await db.schema.dropTable('audit_events').execute();
  await db.schema.dropTable('actions').execute();
}
