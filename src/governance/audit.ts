// The tamper-evident audit log: append-only rows, each hashed over its canonical
// content and the previous row's hash. Editing, deleting or reordering a row breaks
// the chain at that row, and `verify()` names it.
import type { Db } from '../store/database.js';
import type { AuditEventsTable } from '../store/tables/governance.js';
import type { Selectable } from 'kysely';
import { canonicalJson, sha256Hex } from '../canonical.js';

export interface AuditSubject {
  repo?: string;
  prNumber?: number;
  headSha?: string;
  actionId?: number;
  idempotencyKey?: string;
  [key: string]: unknown;
}

export interface AuditEventInput {
  /** ISO time; defaults to the log's clock. */
  at?: string;
  installationId?: number | null;
  /** Who did it: `app`, `pack:<id>`, `user:<login>`, `worker:<id>`… */
  actor: string;
  /** e.g. `action.proposed`, `action.denied`, `action.dispatched`, `evaluation`, `decision`. */
  type: string;
  subject?: AuditSubject;
  details?: Record<string, unknown>;
}

export interface AuditEvent {
  id: number;
  at: string;
  installationId: number | null;
  actor: string;
  type: string;
  repo: string | null;
  subject: AuditSubject;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type VerifyResult =
  | { ok: true; count: number }
  | {
      ok: false;
      brokenAt: number;
      at: string;
      type: string;
      /** Which hash is wrong: the row's own `hash` (its content changed) or its `prev_hash` (a row before it was removed, inserted or re-hashed). */
      field: 'hash' | 'prev_hash';
      reason: string;
      count: number;
    };

export const GENESIS_HASH = '';

/** The exact bytes that are hashed for one event (id and hashes excluded). */
export function eventHashInput(e: {
  at: string;
  installationId: number | null;
  actor: string;
  type: string;
  subject: unknown;
  details: unknown;
}): string {
  return canonicalJson({
    at: e.at,
    installationId: e.installationId,
    actor: e.actor,
    type: e.type,
    subject: e.subject,
    details: e.details,
  });
}

export function computeHash(prevHash: string, event: Parameters<typeof eventHashInput>[0]): string {
  return sha256Hex(prevHash + eventHashInput(event));
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}

/** Appends through one Db instance queue up here, so they do not race each other for the tail. */
const tails = new WeakMap<object, Promise<unknown>>();
/** The last hash this process appended through a Db: a good guess for the tail (a stale guess just conflicts). */
const lastHashes = new WeakMap<object, string>();

export class AuditLog {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    options: { now?: () => Date } = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Appends one event at the end of the chain. Appends are serialised by the database,
   * not by a lock held across awaits: `prev_hash` is UNIQUE, so of two writers that read
   * the same last row only one insert succeeds; the other re-reads the tail and retries.
   * This holds across connections and processes (and on Postgres), and never keeps a
   * SQLite write transaction open while other connections of the same process wait on it.
   * Within one process, appends through the same Db are queued first (no wasted retries).
   */
  append(input: AuditEventInput): Promise<AuditEvent> {
    return this.appendMany([input]).then((events) => events[0] as AuditEvent);
  }

  /** Appends several events as consecutive links, in one INSERT (one commit). */
  appendMany(inputs: AuditEventInput[]): Promise<AuditEvent[]> {
    const previous = tails.get(this.db) ?? Promise.resolve();
    const next = previous.then(
      () => this.appendNow(inputs),
      () => this.appendNow(inputs),
    );
    tails.set(this.db, next.catch(() => undefined));
    return next;
  }

  private async appendNow(inputs: AuditEventInput[]): Promise<AuditEvent[]> {
    if (inputs.length === 0) return [];
    const prepared = inputs.map((input) => {
      const subjectJson = canonicalJson(input.subject ?? {});
      const detailsJson = canonicalJson(input.details ?? {});
      const at = input.at ?? this.now().toISOString();
      const installationId = input.installationId ?? null;
      // Equal to eventHashInput(...) of the stored row: the parts are canonical already, the keys in sorted order.
      const hashInput = `{"actor":${JSON.stringify(input.actor)},"at":${JSON.stringify(at)},"details":${detailsJson},"installationId":${installationId === null ? 'null' : JSON.stringify(installationId)},"subject":${subjectJson},"type":${JSON.stringify(input.type)}}`;
      const subject = JSON.parse(subjectJson) as AuditSubject;
      return { input, at, installationId, subjectJson, detailsJson, hashInput, subject, repo: typeof subject.repo === 'string' ? subject.repo : null };
    });
    for (let attempt = 0; ; attempt++) {
      let prevHash = attempt === 0 ? lastHashes.get(this.db) : undefined;
      if (prevHash === undefined) {
        const last = await this.db.selectFrom('audit_events').select(['hash']).orderBy('id', 'desc').limit(1).executeTakeFirst();
        prevHash = last?.hash ?? GENESIS_HASH;
      }
      let prev: string = prevHash;
      const rows = prepared.map((p) => {
        const hash = sha256Hex(prev + p.hashInput);
        const row = {
          at: p.at,
          installation_id: p.installationId,
          actor: p.input.actor,
          type: p.input.type,
          repo: p.repo,
          subject: p.subjectJson,
          details: p.detailsJson,
          prev_hash: prev,
          hash,
        };
        prev = hash;
        return row;
      });
      try {
        const ids = await this.db.insertInto('audit_events').values(rows).returning('id').execute();
        lastHashes.set(this.db, prev);
        return rows.map((row, i) => ({
          id: ids[i]?.id ?? 0,
          at: row.at,
          installationId: row.installation_id,
          actor: row.actor,
          type: row.type,
          repo: row.repo,
          subject: prepared[i]!.subject,
          details: JSON.parse(row.details) as Record<string, unknown>,
          prevHash: row.prev_hash,
          hash: row.hash,
        }));
      } catch (error) {
        lastHashes.delete(this.db);
        if (!isUniqueViolation(error) || attempt >= 1000) throw error;
        // Another writer appended first: read the new tail and try again.
      }
    }
  }

  /** Walks the whole chain in id order; names the first row whose hashes do not hold. */
  async verify(): Promise<VerifyResult> {
    let expectedPrev = GENESIS_HASH;
    let count = 0;
    let afterId = 0;
    let previousId: number | null = null;
    for (;;) {
      const rows = await this.db
        .selectFrom('audit_events')
        .selectAll()
        .where('id', '>', afterId)
        .orderBy('id', 'asc')
        .limit(1000)
        .execute();
      if (rows.length === 0) return { ok: true, count };
      for (const row of rows) {
        if (row.prev_hash !== expectedPrev) {
          return {
            ok: false,
            brokenAt: row.id,
            at: row.at,
            type: row.type,
            field: 'prev_hash',
            reason:
              previousId === null
                ? 'prev_hash of the first row is not the genesis value (rows before it were removed?)'
                : `prev_hash does not equal the hash of row ${previousId} (a row was removed, inserted or re-hashed)`,
            count,
          };
        }
        let recomputed: string | undefined;
        try {
          recomputed = computeHash(row.prev_hash, {
            at: row.at,
            installationId: row.installation_id,
            actor: row.actor,
            type: row.type,
            subject: JSON.parse(row.subject),
            details: JSON.parse(row.details),
          });
        } catch {
          recomputed = undefined;
        }
        if (recomputed !== row.hash) {
          return {
            ok: false,
            brokenAt: row.id,
            at: row.at,
            type: row.type,
            field: 'hash',
            reason: 'hash does not match the row content (the row was edited)',
            count,
          };
        }
        expectedPrev = row.hash;
        previousId = row.id;
        afterId = row.id;
        count++;
      }
    }
  }

  /** Events in id order, optionally since an ISO time and for one repo. */
  async *export(filter: { since?: string; repo?: string } = {}): AsyncGenerator<AuditEvent> {
    let afterId = 0;
    for (;;) {
      let query = this.db.selectFrom('audit_events').selectAll().where('id', '>', afterId);
      if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
      if (filter.repo !== undefined) query = query.where('repo', '=', filter.repo);
      const rows = await query.orderBy('id', 'asc').limit(1000).execute();
      if (rows.length === 0) return;
      for (const row of rows) {
        yield toAuditEvent(row);
        afterId = row.id;
      }
    }
  }
}

export function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    installationId: row.installation_id,
    actor: row.actor,
    type: row.type,
    repo: row.repo,
    subject: JSON.parse(row.subject) as AuditSubject,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
