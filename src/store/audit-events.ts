// The audit log's rows: every SQL statement of the hash-chained audit log lives here.
// What a row's hash covers and how the chain is verified is governance/audit.ts; this
// file only stores rows as they are given and reads them back in chain (id) order.
import { sql, type Selectable, type Transaction } from 'kysely';
import type { Database, Db } from './database.js';
import { ADVISORY, ADVISORY_APP, isPostgres, isUniqueViolation } from './dialect.js';
import type { AuditEventsTable } from './tables/governance.js';

/** One stored row, column for column (subject and details as their stored JSON text). */
export interface AuditRow {
  /** The row's sequence number in the chain. */
  id: number;
  at: string;
  installationId: number | null;
  actor: string;
  type: string;
  repo: string | null;
  subject: string;
  details: string;
  prevHash: string;
  hash: string;
  /** 1 legacy (before migration 005), 2 plain sha256 over every column, 3 HMAC-SHA256 over every column. */
  hashVersion: number;
}

/** The last row of the chain, as much as an append needs. */
export interface AuditTail {
  id: number;
  hash: string;
  hashVersion: number;
}

export interface AuditFilter {
  /** ISO time: rows at or after it. */
  since?: string;
  repo?: string;
}

export interface AuditEventStore {
  /** The row with the highest id, or undefined for an empty log. */
  tail(): Promise<AuditTail | undefined>;
  /**
   * Inserts the rows exactly as given (ids included), all or none, in one statement.
   * `conflict` when another writer got there first: an id or a `prev_hash` is taken
   * (`prev_hash` is unique, so the chain cannot fork).
   */
  insert(rows: AuditRow[]): Promise<'inserted' | 'conflict'>;
  /** Up to `limit` rows with an id above `afterId`, in id order, optionally filtered. */
  page(afterId: number, limit: number, filter?: AuditFilter): Promise<AuditRow[]>;
  /** One row by id. */
  row(id: number): Promise<AuditRow | undefined>;
  /**
   * Runs `append` holding the database's append lock, with a store bound to that lock's
   * transaction: appends of every replica take turns, so the tail an append reads is the
   * tail it extends and no insert loses the race. Postgres only (pg_advisory_xact_lock);
   * absent on SQLite, where the unique id and prev_hash make a lost race a retry.
   */
  exclusive?<T>(append: (store: AuditEventStore) => Promise<T>): Promise<T>;
}

export { isUniqueViolation } from './dialect.js';

/**
 * Appends the audit events of a state change (an action's transition, a chain's decision)
 * inside that change's own transaction, through `audit` (auditEventsWithin): the events
 * commit or roll back with the change, so a replica killed between the two cannot leave a
 * change without its event, nor an event for a change that never happened. `audit` is
 * undefined where a repository has no transactions (the in-memory chains of tests): the
 * events are then appended on their own, after the change.
 */
export type AuditInTransaction<T> = (changed: T, audit: AuditEventStore | undefined) => Promise<unknown>;

/**
 * The audit rows inside the transaction `trx` of a state change. On Postgres it takes the
 * append lock (the same transaction-level advisory lock as `exclusive`) until that
 * transaction ends, so the tail it reads is the tail it extends. On SQLite the change has
 * already written, so its transaction holds the database's one write lock. A lost race
 * (see LockedAuditEvents) leaves the transaction usable, and the caller reads the tail again.
 */
export async function auditEventsWithin(trx: Transaction<Database>): Promise<AuditEventStore> {
  if (isPostgres(trx)) await appendLock(trx);
  return new LockedAuditEvents(trx);
}

function appendLock(trx: Transaction<Database>) {
  return sql`select pg_advisory_xact_lock(${ADVISORY_APP}, ${ADVISORY.auditAppend})`.execute(trx);
}

/** One store per Db, so the appends of one process through one database share its queue. */
const stores = new WeakMap<Db, AuditEventStore>();

/** The audit rows of a Kysely database, SQLite or Postgres. */
export function sqlAuditEvents(db: Db): AuditEventStore {
  let store = stores.get(db);
  if (!store) {
    store = isPostgres(db) ? new PostgresAuditEvents(db) : new SqlAuditEvents(db);
    stores.set(db, store);
  }
  return store;
}

class SqlAuditEvents implements AuditEventStore {
  constructor(protected readonly db: Db | Transaction<Database>) {}

  async tail(): Promise<AuditTail | undefined> {
    const last = await this.db
      .selectFrom('audit_events')
      .select(['id', 'hash', 'hash_version'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return last ? { id: last.id, hash: last.hash, hashVersion: last.hash_version } : undefined;
  }

  async insert(rows: AuditRow[]): Promise<'inserted' | 'conflict'> {
    if (rows.length === 0) return 'inserted';
    try {
      await this.db
        .insertInto('audit_events')
        .values(
          rows.map((r) => ({
            id: r.id,
            at: r.at,
            installation_id: r.installationId,
            actor: r.actor,
            type: r.type,
            repo: r.repo,
            subject: r.subject,
            details: r.details,
            prev_hash: r.prevHash,
            hash: r.hash,
            hash_version: r.hashVersion,
          })),
        )
        .execute();
      return 'inserted';
    } catch (error) {
      if (isUniqueViolation(error)) return 'conflict';
      throw error;
    }
  }

  async page(afterId: number, limit: number, filter: AuditFilter = {}): Promise<AuditRow[]> {
    let query = this.db.selectFrom('audit_events').selectAll().where('id', '>', afterId);
    if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
    if (filter.repo !== undefined) query = query.where('repo', '=', filter.repo);
    const rows = await query.orderBy('id', 'asc').limit(limit).execute();
    return rows.map(toRow);
  }

  async row(id: number): Promise<AuditRow | undefined> {
    const row = await this.db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toRow(row) : undefined;
  }
}

class PostgresAuditEvents extends SqlAuditEvents {
  constructor(private readonly pool: Db) {
    super(pool);
  }

  /**
   * One transaction: the append lock (a transaction-level advisory lock, released by the
   * commit), then the caller's tail read and insert.
   */
  exclusive<T>(append: (store: AuditEventStore) => Promise<T>): Promise<T> {
    return this.pool.transaction().execute(async (trx) => {
      await appendLock(trx);
      return append(new LockedAuditEvents(trx));
    });
  }
}

/**
 * The store inside a transaction: the append lock's, or a state change's
 * (auditEventsWithin). On Postgres an insert runs under a savepoint: a conflict (only
 * possible against a writer that does not take the lock) rolls back to it, so the
 * transaction stays usable and the caller reads the tail again. SQLite needs none: a
 * failed statement is undone alone, and the transaction goes on.
 */
class LockedAuditEvents extends SqlAuditEvents {
  override async insert(rows: AuditRow[]): Promise<'inserted' | 'conflict'> {
    if (!isPostgres(this.db)) return super.insert(rows);
    await sql`savepoint audit_insert`.execute(this.db);
    const outcome = await super.insert(rows);
    await sql.raw(outcome === 'conflict' ? 'rollback to savepoint audit_insert' : 'release savepoint audit_insert').execute(this.db);
    return outcome;
  }
}

function toRow(row: Selectable<AuditEventsTable>): AuditRow {
  return {
    id: row.id,
    at: row.at,
    installationId: row.installation_id,
    actor: row.actor,
    type: row.type,
    repo: row.repo,
    subject: row.subject,
    details: row.details,
    prevHash: row.prev_hash,
    hash: row.hash,
    hashVersion: row.hash_version,
  };
}
