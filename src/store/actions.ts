// The action outbox's rows and compare-and-set transitions (governance/pipeline.ts drives them). Every change is one
// statement, atomic on its own; given the audit of the change (AuditInTransaction), the
// statement and the audit append share one short transaction, so a change is never kept
// without its audit event. No lock outlives these short transactions.
import { sql, type Selectable, type Transaction, type Updateable } from 'kysely';
import { auditEventsWithin, type AuditInTransaction } from './audit-events.js';
import type { Database, Db } from './database.js';
import { ADVISORY_CLAIM_SPACE, isPostgres } from './dialect.js';
import type { ActionsTable } from './tables/governance.js';

export type ActionRow = Selectable<ActionsTable>;

/**
 * An approved revision may go out only in order: no older revision of its key is
 * mid-dispatch, and no newer one has been approved or sent (an older revision waiting for
 * a retry must never overwrite what a newer one said).
 */
const IN_ORDER = sql<boolean>`not exists (select 1 from actions as other where other.idempotency_key = actions.idempotency_key and ((other.revision < actions.revision and other.status = 'dispatching') or (other.revision > actions.revision and other.status in ('approved', 'dispatching', 'dispatched'))))`;

/**
 * Gate updates first: check runs are claimed and dispatched before anything else that is
 * due (replies, notifications), so an approval's check never waits behind a backlog of
 * replies; within a priority, earliest due first, then oldest.
 */
const GATE_KINDS: readonly string[] = ['check_run.upsert'];
const PRIORITY = (table: string) => sql<number>`case when ${sql.ref(`${table}.kind`)} in (${sql.join(GATE_KINDS)}) then 0 else 1 end`;
const priorityOf = (row: ActionRow) => (GATE_KINDS.includes(row.kind) ? 0 : 1);
function byPriority(a: ActionRow, b: ActionRow): number {
  return priorityOf(a) - priorityOf(b) || (a.next_attempt_at ?? '').localeCompare(b.next_attempt_at ?? '') || a.id - b.id;
}

/** A new outbox row, as the outbox proposes it. */
export interface NewAction {
  installationId: number;
  kind: string;
  idempotencyKey: string;
  subject: { repo: string; prNumber?: number; headSha?: string };
  origin?: { packId: string; versionHash?: string };
  awaitChain?: string;
}

export class ActionStore {
  constructor(readonly db: Db) {}

  async get(id: number): Promise<ActionRow | undefined> {
    return this.db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async latestForKey(key: string): Promise<ActionRow | undefined> {
    return this.db
      .selectFrom('actions')
      .selectAll()
      .where('idempotency_key', '=', key)
      .orderBy('revision', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** The newest dispatched revision of the key (below `beforeRevision`, when given). */
  async latestDispatched(key: string, beforeRevision?: number): Promise<ActionRow | undefined> {
    return this.db
      .selectFrom('actions')
      .selectAll()
      .where('idempotency_key', '=', key)
      // No sentinel bound: Postgres types the parameter as the column's 32-bit integer.
      .$if(beforeRevision !== undefined, (q) => q.where('revision', '<', beforeRevision!))
      .where('status', '=', 'dispatched')
      .orderBy('revision', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /**
   * Runs `change` alone, or, given the audit of what it changes, both in one transaction
   * (the audit runs only when something changed).
   */
  private changing<T>(change: (db: Executor) => Promise<T | undefined>, audit: AuditInTransaction<T> | undefined): Promise<T | undefined> {
    if (audit === undefined) return change(this.db);
    return this.db.transaction().execute(async (trx) => auditIn(trx, await change(trx), audit));
  }

  /** Inserts revision `revision` of the key; throws a unique violation when another writer took it. */
  async insert(p: NewAction, revision: number, payloadJson: string, payloadHash: string, now: string, audit?: AuditInTransaction<ActionRow>): Promise<ActionRow> {
    return (await this.changing((db) => insertAction(db, p, revision, payloadJson, payloadHash, now), audit))!;
  }

  /** Older revisions of the key that are still waiting (proposed, or approved and not yet claimed). */
  async waitingBefore(key: string, revision: number): Promise<ActionRow[]> {
    return this.db
      .selectFrom('actions')
      .selectAll()
      .where('idempotency_key', '=', key)
      .where('revision', '<', revision)
      .where('status', 'in', ['proposed', 'approved'])
      .execute();
  }

  /**
   * The compare-and-set: moves `id` from `from` to `to` only if it is still in `from`
   * (and, when given, still leased by `leaseOwner`). Returns the new row, or undefined
   * when the transition lost a race and did nothing.
   */
  async transition(
    id: number,
    from: ActionsTable['status'],
    to: ActionsTable['status'],
    set: Omit<Updateable<ActionsTable>, 'id' | 'status'>,
    now: string,
    leaseOwner?: string,
    audit?: AuditInTransaction<ActionRow>,
  ): Promise<ActionRow | undefined> {
    return this.changing((db) => {
      let q = db
        .updateTable('actions')
        .set({ ...set, status: to, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', from);
      if (leaseOwner !== undefined) q = q.where('lease_owner', '=', leaseOwner);
      return q.returningAll().executeTakeFirst();
    }, audit);
  }

  /** Actions a worker could claim now: approved and due, or dispatching with an expired lease. */
  async due(now: string, limit: number): Promise<ActionRow[]> {
    return this.db
      .selectFrom('actions')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'approved'), eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)])]),
          eb.and([eb('status', '=', 'dispatching'), eb('lease_expires_at', '<=', now)]),
        ]),
      )
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
  }

  /** The earliest future retry time, so runUntilIdle knows how long to wait. */
  async nextWakeUp(): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('actions')
      .select((eb) => eb.fn.min('next_attempt_at').as('at'))
      .where('status', '=', 'approved')
      .executeTakeFirst();
    const lease = await this.db
      .selectFrom('actions')
      .select((eb) => eb.fn.min('lease_expires_at').as('at'))
      .where('status', '=', 'dispatching')
      .executeTakeFirst();
    const times = [row?.at, lease?.at].filter((t): t is string => typeof t === 'string');
    return times.sort()[0];
  }

  /**
   * Claim = compare-and-set approved → dispatching (when due, and no older revision of
   * the same key is mid-dispatch, so updates of one key go out in order), or an expired
   * dispatching lease → a new owner. attempts counts every claim.
   */
  async claim(row: ActionRow, owner: string, now: string, leaseUntil: string, audit?: AuditInTransaction<ActionRow>): Promise<ActionRow | undefined> {
    if (!isPostgres(this.db)) return this.changing((db) => claimOne(db, row, owner, now, leaseUntil), audit);
    // Postgres: the key's claim lock first (skip when another claimer holds it), then the
    // compare-and-set in a statement whose snapshot sees every claim committed before.
    return this.db.transaction().execute(async (trx) => {
      if (!(await tryKeyLocks(trx, [row.idempotency_key])).has(row.idempotency_key)) return undefined;
      return auditIn(trx, await claimOne(trx, row, owner, now, leaseUntil), audit);
    });
  }

  /**
   * Claims up to `limit` approved, due actions: the UPDATE re-checks every condition of
   * each candidate, so several workers calling this at once get disjoint sets.
   * SQLite: one statement (the subquery picks, the UPDATE re-checks), atomic under its
   * write lock. Postgres: one short transaction — the candidates are locked with
   * `FOR UPDATE SKIP LOCKED` (a row another replica is claiming is skipped, never waited
   * for), the claim lock of each candidate's key is tried (a key another replica is
   * claiming is skipped too), then the same UPDATE runs in a statement of its own, whose
   * snapshot sees every claim committed before it got the locks: the in-order rule
   * (IN_ORDER) holds across replicas as it does in SQLite's single writer.
   * Check runs first (PRIORITY), then earliest due, then oldest, on both.
   * `installationId`: claim only that installation's actions (a webhook dispatches its own, never another's).
   * `audit`: the audit of the claimed rows, in the claim's transaction (a claim that cannot be audited claims nothing).
   */
  async claimDue(owner: string, now: string, leaseUntil: string, limit: number, installationId?: number, audit?: AuditInTransaction<ActionRow[]>): Promise<ActionRow[]> {
    if (!isPostgres(this.db)) {
      const claimed = await this.changing(async (db) => {
        const rows = await claimUpdate(db, owner, now, leaseUntil)
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('actions as due')
              .select('due.id')
              .where('due.status', '=', 'approved')
              .where('due.next_attempt_at', '<=', now) // approved rows always carry next_attempt_at
              .$if(installationId !== undefined, (q) => q.where('due.installation_id', '=', installationId!))
              .orderBy(PRIORITY('due'))
              .orderBy('due.next_attempt_at', 'asc') // earliest due first
              .orderBy('due.id', 'asc')
              .limit(limit),
          )
          .returningAll()
          .execute();
        // RETURNING has no order of its own: the caller dispatches in this one.
        return rows.sort(byPriority);
      }, audit);
      return claimed ?? [];
    }
    return this.db.transaction().execute(async (trx) => {
      const candidates = await trx
        .selectFrom('actions')
        .select(['id', 'idempotency_key'])
        .where('status', '=', 'approved')
        .where('next_attempt_at', '<=', now)
        .$if(installationId !== undefined, (q) => q.where('installation_id', '=', installationId!))
        .orderBy(PRIORITY('actions'))
        .orderBy('next_attempt_at', 'asc')
        .orderBy('id', 'asc')
        .limit(limit)
        .forUpdate()
        .skipLocked()
        .execute();
      if (candidates.length === 0) return [];
      const held = await tryKeyLocks(trx, candidates.map((c) => c.idempotency_key));
      const ids = candidates.filter((c) => held.has(c.idempotency_key)).map((c) => c.id);
      if (ids.length === 0) return [];
      const claimed = await claimUpdate(trx, owner, now, leaseUntil).where('id', 'in', ids).returningAll().execute();
      return (await auditIn(trx, claimed.sort(byPriority), audit)) ?? [];
    });
  }

  /** Dispatching actions whose lease expired (their worker died mid-call). */
  async expired(now: string, limit: number, installationId?: number): Promise<ActionRow[]> {
    return this.db
      .selectFrom('actions')
      .selectAll()
      .where('status', '=', 'dispatching')
      .where('lease_expires_at', '<=', now)
      .$if(installationId !== undefined, (q) => q.where('installation_id', '=', installationId!))
      .orderBy(PRIORITY('actions'))
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
  }

  /** Proposed rows without a chain created at or before `before` (left half-judged by a dead proposer). */
  async stuckProposed(before: string, limit: number, installationId?: number): Promise<ActionRow[]> {
    return this.db
      .selectFrom('actions')
      .selectAll()
      .where('status', '=', 'proposed')
      .$if(installationId !== undefined, (q) => q.where('installation_id', '=', installationId!))
      .where('await_chain', 'is', null)
      .where('created_at', '<=', before)
      .orderBy('id', 'asc')
      .limit(limit)
      .execute();
  }

  async awaitingChain(chainKey: string): Promise<ActionRow[]> {
    return this.db
      .selectFrom('actions')
      .selectAll()
      .where('await_chain', '=', chainKey)
      .where('status', '=', 'proposed')
      .orderBy('id', 'asc')
      .execute();
  }

  /** The result of the latest dispatched revision of a key (what a dispatcher stored, e.g. a message id). */
  async resultOf(key: string): Promise<Record<string, unknown> | null> {
    const row = await this.latestDispatched(key);
    return row?.result ? (JSON.parse(row.result) as Record<string, unknown>) : null;
  }
}

type Executor = Db | Transaction<Database>;

/** The audit of `changed` inside `trx`, when something changed and there is an audit to write. */
async function auditIn<T>(trx: Transaction<Database>, changed: T | undefined, audit: AuditInTransaction<T> | undefined): Promise<T | undefined> {
  const nothing = changed === undefined || (Array.isArray(changed) && changed.length === 0);
  if (!nothing && audit !== undefined) await audit(changed, await auditEventsWithin(trx));
  return changed;
}

/** The insert of one outbox row, as proposed. */
function insertAction(db: Executor, p: NewAction, revision: number, payloadJson: string, payloadHash: string, now: string): Promise<ActionRow> {
  return db
    .insertInto('actions')
    .values({
      installation_id: p.installationId,
      kind: p.kind,
      idempotency_key: p.idempotencyKey,
      revision,
      payload_hash: payloadHash,
      repo: p.subject.repo,
      pr_number: p.subject.prNumber ?? null,
      head_sha: p.subject.headSha ?? null,
      payload: payloadJson,
      status: 'proposed',
      attempts: 0,
      next_attempt_at: null,
      lease_owner: null,
      lease_expires_at: null,
      last_error: null,
      reason: null,
      result: null,
      pack_id: p.origin?.packId ?? null,
      pack_version_hash: p.origin?.versionHash ?? null,
      origin: p.origin === undefined ? null : JSON.stringify(p.origin),
      await_chain: p.awaitChain ?? null,
      superseded_by: null,
      created_at: now,
      updated_at: now,
      dispatched_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The claim's compare-and-set of one row (approved and due and in order, or an expired lease). */
async function claimOne(db: Executor, row: ActionRow, owner: string, now: string, leaseUntil: string): Promise<ActionRow | undefined> {
  if (row.status === 'approved') {
    return claimUpdate(db, owner, now, leaseUntil).where('id', '=', row.id).returningAll().executeTakeFirst();
  }
  if (row.status === 'dispatching') {
    return db
      .updateTable('actions')
      .set(claimSet(owner, now, leaseUntil))
      .where('id', '=', row.id)
      .where('status', '=', 'dispatching')
      .where('lease_expires_at', '<=', now)
      .returningAll()
      .executeTakeFirst();
  }
  return undefined;
}

/** Approved → dispatching, for rows still approved, due and in order (the caller adds which ids). */
function claimUpdate(db: Executor, owner: string, now: string, leaseUntil: string) {
  return db
    .updateTable('actions')
    .set(claimSet(owner, now, leaseUntil))
    .where('status', '=', 'approved')
    .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
    .where(IN_ORDER);
}

function claimSet(owner: string, now: string, leaseUntil: string) {
  return {
    status: 'dispatching',
    lease_owner: owner,
    lease_expires_at: leaseUntil,
    attempts: sql<number>`attempts + 1`,
    updated_at: now,
  };
}

/**
 * Postgres: tries the claim lock of each idempotency key, for the rest of the
 * transaction (pg_try_advisory_xact_lock: never waits). Returns the keys it holds.
 */
async function tryKeyLocks(trx: Transaction<Database>, keys: string[]): Promise<Set<string>> {
  const { rows } = await sql<{ key: string; ok: boolean }>`
    select k as key, pg_try_advisory_xact_lock(${ADVISORY_CLAIM_SPACE}, hashtext(k)) as ok
    from unnest(${[...new Set(keys)]}::text[]) as k`.execute(trx);
  return new Set(rows.filter((r) => r.ok).map((r) => r.key));
}
