// Which database a Kysely instance talks to, and what the two report differently.
import { PostgresAdapter, sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';

export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * True for a unique (or primary key) violation, on either database: better-sqlite3's
 * SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY, Postgres's SQLSTATE 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/**
 * The first key of every two-key advisory lock the app takes on Postgres
 * (pg_advisory_lock(APP, what)), so its locks never collide with another application's.
 * 0x506a = "Pj".
 */
export const ADVISORY_APP = 0x506a;
/** Second keys: what the lock serialises. */
export const ADVISORY = { migrations: 1, auditAppend: 2 } as const;
/** Per-key outbox claims use (ADVISORY_CLAIM_SPACE, hashtext(idempotency_key)). */
export const ADVISORY_CLAIM_SPACE = 0x506b;
/** The head a pull request was last evaluated at: moved under (ADVISORY_PR_HEAD_SPACE, hashtext(repo#pr)). */
export const ADVISORY_PR_HEAD_SPACE = 0x506c;

/**
 * Serialises a read-then-write on one key across replicas: on Postgres an advisory lock
 * on (space, hashtext(key)) held until the transaction ends (a second writer of the same
 * key waits for the first to commit, then reads what it wrote); on SQLite nothing, as its
 * one writer already takes transactions in turn.
 */
export async function lockKeyForTransaction(trx: Transaction<any>, space: number, key: string): Promise<void> {
  if (!isPostgres(trx)) return;
  await sql`select pg_advisory_xact_lock(${space}, hashtext(${key}))`.execute(trx);
}

/**
 * A top-level field of a column holding JSON text, as text (null when absent): SQLite's
 * json_extract, Postgres's `->>` on the text cast to jsonb. `key` is a plain identifier.
 */
export function jsonTextField(db: Kysely<any>, column: string, key: string): RawBuilder<string | null> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`jsonTextField: not a plain key: ${key}`);
  return isPostgres(db) ? sql<string | null>`(${sql.ref(column)}::jsonb ->> ${key})` : sql<string | null>`json_extract(${sql.ref(column)}, ${`$.${key}`})`;
}
