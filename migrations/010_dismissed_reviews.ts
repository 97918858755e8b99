// Frozen once landed: add a new numbered migration instead of editing this one.
// Approval inputs the app must remember beyond a chain:
// - dismissed_reviews: a dismissed review is final, so the same review id re-sent later
//   (a redelivery under a new delivery id) never decides again;
// - reply_limits: when the app last answered a refused command, per person and PR, so
//   refusals are answered at most once an hour, across restarts and replicas.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dismissed_reviews')
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('review_id', 'text', (c) => c.notNull())
    .addColumn('pr_number', 'integer', (c) => c.notNull())
    .addColumn('dismissed_by', 'text', (c) => c.notNull())
    .addColumn('dismissed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('dismissed_reviews_pk', ['repo', 'review_id'])
    .execute();
  await db.schema
    .createTable('reply_limits')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('replied_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reply_limits').execute();
  await db.schema.dropTable('dismissed_reviews').execute();
}
