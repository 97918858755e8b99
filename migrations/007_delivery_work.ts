// Frozen once landed. A delivery row carries its work: the payload (so the worker can resume
// a delivery whose process died after the webhook was answered), a lease renewed while the
// work runs, and how many times it was started (a delivery that kills its process every
// time is given up after a few attempts instead of looping).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_deliveries').addColumn('payload', 'text').execute(); // JSON; cleared once finished
  await db.schema.alterTable('webhook_deliveries').addColumn('lease_until', 'text').execute(); // ISO; set while processing
  await db.schema
    .alterTable('webhook_deliveries')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Rows from before this migration were started once; one still processing has no payload
  // to resume: its lease ends at once, so the worker marks it failed and a redelivery runs it.
  await sql`UPDATE webhook_deliveries SET attempts = 1`.execute(db);
  await sql`UPDATE webhook_deliveries SET lease_until = received_at WHERE status = 'processing'`.execute(db);
  await db.schema.createIndex('webhook_deliveries_lease').on('webhook_deliveries').columns(['status', 'lease_until']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_lease').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('attempts').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('lease_until').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('payload').execute();
}
