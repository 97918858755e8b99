// Frozen once landed: add a new numbered migration instead of editing this one.
// Indexes for the control plane's Drift page (src/store/admin-drift.ts): the digest's
// newest items per source repo and pack, and a remediation's items by its branch.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('drift_items_digest').on('drift_items').columns(['installation_id', 'status', 'source_repo', 'pack_id', 'updated_at']).execute();
  await db.schema.createIndex('drift_items_branch').on('drift_items').columns(['installation_id', 'branch']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('drift_items_branch').execute();
  await db.schema.dropIndex('drift_items_digest').execute();
}
