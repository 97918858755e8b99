// Frozen once landed (made dialect-aware later without changing the SQLite schema it
// writes: migrations/index.ts). Track B's persisted state:
//  - drift_windows: the accumulation window of each (installation, pack, doc) — the pure
//    state machine's WindowState as JSON, its due time for the sweep, and a version for
//    compare-and-set (two deliveries adding to one window never lose an item);
//  - drift_items: the ledger of every item ever raised for a doc, by fingerprint, with
//    where it went (pending, in a remediation, in the digest, ignored, dropped, resolved):
//    the de-duplication record ("never raised twice") and what the digest is built from;
//  - drift_remediations: one row per remediation PR (or page proposal) lifetime, for the
//    per-installation limits and for finding the PR of a branch again;
//  - drift_signals: merged changes already processed (a redelivered merge changes nothing).
import type { Kysely } from 'kysely';
import { columnTypes, surrogateKey } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const { bigId } = columnTypes(db);
  await db.schema
    .createTable('drift_windows')
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('pack_id', 'text', (c) => c.notNull())
    .addColumn('doc_key', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('drift_windows_pk', ['installation_id', 'pack_id', 'doc_key'])
    .execute();
  await db.schema.createIndex('drift_windows_due').on('drift_windows').column('due_at').execute();

  await db.schema
    .createTable('drift_items')
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('pack_id', 'text', (c) => c.notNull())
    .addColumn('doc_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('source_repo', 'text', (c) => c.notNull())
    .addColumn('entry', 'text', (c) => c.notNull())
    .addColumn('branch', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('drift_items_pk', ['installation_id', 'pack_id', 'doc_key', 'fingerprint'])
    .execute();
  await db.schema.createIndex('drift_items_repo').on('drift_items').columns(['installation_id', 'source_repo', 'status']).execute();

  await db.schema
    .createTable('drift_remediations')
    .$call(surrogateKey(db))
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('pack_id', 'text', (c) => c.notNull())
    .addColumn('doc_key', 'text', (c) => c.notNull())
    .addColumn('system', 'text', (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('branch', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer')
    .addColumn('reason', 'text')
    .addColumn('opened_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('drift_remediations_doc').on('drift_remediations').columns(['installation_id', 'doc_key', 'status']).execute();
  await db.schema.createIndex('drift_remediations_branch').on('drift_remediations').columns(['installation_id', 'repo', 'branch']).execute();

  await db.schema
    .createTable('drift_signals')
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('sha', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('drift_signals_pk', ['installation_id', 'repo', 'sha'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('drift_signals').execute();
  await db.schema.dropTable('drift_remediations').execute();
  await db.schema.dropTable('drift_items').execute();
  await db.schema.dropTable('drift_windows').execute();
}
