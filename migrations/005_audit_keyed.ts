// Frozen once landed: add a new numbered migration instead of editing this one (made
// dialect-aware later without changing the SQLite schema it writes: migrations/index.ts).
// The audit log's hash scheme, per row: rows written before this migration keep
// scheme 1 (their hash leaves out id and repo); the app writes 2 (sha256 over every
// column) or 3 (HMAC-SHA256 with PJ_AUDIT_KEY over every column) from now on.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('audit_events')
    .addColumn('hash_version', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_events').dropColumn('hash_version').execute();
}
