// Which database a Kysely instance talks to, and what the two report differently.
import { PostgresAdapter, type Kysely } from 'kysely';

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
