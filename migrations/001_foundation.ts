// Frozen once landed: add a new numbered migration instead of editing this one (made
// dialect-aware later without changing the SQLite schema it writes: migrations/index.ts).
import type { Kysely } from 'kysely';
import { columnTypes, surrogateKey } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const { bigId } = columnTypes(db);
  await db.schema
    .createTable('installations')
    .addColumn('id', bigId, (c) => c.primaryKey())
    .addColumn('account_login', 'text', (c) => c.notNull())
    .addColumn('account_type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull()) // active | suspended | deleted
    .addColumn('repositories', 'text', (c) => c.notNull().defaultTo('[]')) // JSON array of full names
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('delivery_id', 'text', (c) => c.primaryKey())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('action', 'text')
    .addColumn('installation_id', bigId)
    .addColumn('status', 'text', (c) => c.notNull()) // processing | done | failed
    .addColumn('error', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .execute();
  await db.schema.createIndex('webhook_deliveries_received').on('webhook_deliveries').column('received_at').execute();

  await db.schema
    .createTable('pack_versions')
    .$call(surrogateKey(db))
    .addColumn('installation_id', bigId, (c) => c.notNull())
    .addColumn('pack_id', 'text', (c) => c.notNull())
    .addColumn('version_hash', 'text', (c) => c.notNull())
    .addColumn('source_file', 'text', (c) => c.notNull())
    .addColumn('config_repo_sha', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull()) // canonical JSON of the validated pack
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('pack_versions_unique', ['installation_id', 'pack_id', 'version_hash'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('pack_versions').execute();
  await db.schema.dropTable('webhook_deliveries').execute();
  await db.schema.dropTable('installations').execute();
}
