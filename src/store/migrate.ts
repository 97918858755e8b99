import { Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely';
import { migrations } from '../../migrations/index.js';
import { ADVISORY, ADVISORY_APP, isPostgres } from './dialect.js';

/**
 * Brings the schema up to date; throws with the failing migration's name.
 *
 * On Postgres the whole run holds a session advisory lock (pg_advisory_lock) on one
 * connection, so replicas starting together (or `pj migrate-db` during a deploy) take
 * turns: the first applies the pending migrations, the others wait, then find nothing
 * to do. Kysely also runs them in one transaction there (transactional DDL), so a failed
 * migration leaves the schema as it was. On SQLite the run is one `BEGIN IMMEDIATE`
 * transaction: a second process opening the same file waits for the write lock
 * (busy_timeout), then finds nothing to do, and a failed migration is rolled back too.
 */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  if (!isPostgres(db)) {
    return db.connection().execute(async (conn) => {
      await sql`begin immediate`.execute(conn);
      try {
        const applied = await runMigrations(conn);
        await sql`commit`.execute(conn);
        return applied;
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    });
  }
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${ADVISORY_APP}, ${ADVISORY.migrations})`.execute(conn);
    try {
      return await runMigrations(conn);
    } finally {
      await sql`select pg_advisory_unlock(${ADVISORY_APP}, ${ADVISORY.migrations})`.execute(conn);
    }
  });
}

async function runMigrations(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result: MigrationResultSet = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    const reason = result.error instanceof Error ? result.error.message : String(result.error);
    throw new Error(`migration ${failed} failed: ${reason}`);
  }
  return (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
