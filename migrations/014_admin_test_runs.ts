// Frozen once landed. The control plane's test-run results, in the database so that the page
// the form redirects to works on any replica (a round-robin load balancer sends the
// redirect wherever it likes). A row lives for an hour; writes prune expired rows.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('admin_test_runs')
    .addColumn('id', 'text', (c) => c.primaryKey()) // random, unguessable
    .addColumn('login', 'text', (c) => c.notNull()) // whose run it is: nobody else sees it
    .addColumn('repo', 'text', (c) => c.notNull())
    .addColumn('view', 'text', (c) => c.notNull()) // JSON TestRunView
    .addColumn('expires_at', 'text', (c) => c.notNull()) // ISO
    .execute();
  await db.schema.createIndex('admin_test_runs_expires').on('admin_test_runs').column('expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('admin_test_runs').execute();
}
