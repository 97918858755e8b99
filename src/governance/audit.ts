// The tamper-evident audit log: append-only rows, each hashed over every column and the
// previous row's hash. The rows are kept by an AuditEventStore (store/audit-events.ts);
// this file decides what is hashed and walks the chain.
//
// Hash schemes, recorded per row in `hash_version` (it never decreases along the chain):
//   1 legacy — rows written before migration 005: sha256(prev_hash + canonical JSON of
//     {at, installationId, actor, type, subject, details}); id and repo are outside it
//     (repo is checked against subject.repo instead).
//   2 plain  — sha256 of the canonical JSON of every column, the version and prev_hash.
//   3 keyed  — HMAC-SHA256 of the same bytes with PJ_AUDIT_KEY (never stored): without the
//     key nobody can write a row that verifies, so rows cannot be forged, edited and
//     re-hashed, or appended.
// Neither scheme can see rows removed from the end: that takes an anchor kept outside the
// database — the head exported as a metric and logged every N rows, checked with
// `verify({ expectHead })` (`pj audit verify --expect-head SEQ:HASH`).
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import { canonicalJson, sha256Hex } from '../canonical.js';
import type { AuditEventStore, AuditFilter, AuditRow, AuditTail } from '../store/audit-events.js';

export { isUniqueViolation } from '../store/audit-events.js';

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
  hashVersion: number;
}

/** A point of the chain: the row with this id has this hash. */
export interface AuditHead {
  sequence: number;
  hash: string;
}

export type VerifyFailure =
  /** The row's own hash does not match its content. */
  | 'hash'
  /** prev_hash is not the hash of the row before (a row was removed, inserted or re-hashed). */
  | 'prev_hash'
  /** A row of scheme 2 or 3 whose id is not the previous id + 1. */
  | 'sequence'
  /** An unknown scheme, or a lower scheme after a higher one (a downgrade). */
  | 'hash_version'
  /** The repo column is not the subject's repo. */
  | 'repo'
  /** A keyed row, and no key (or PJ_AUDIT_KEY is set and the last row is not keyed). */
  | 'key'
  /** The chain does not reach an expected head, or has another hash there. */
  | 'head';

export type VerifyResult =
  | {
      ok: true;
      count: number;
      /** The last row: record it outside the database to detect truncation later. */
      head?: AuditHead;
      /** Rows per hash scheme. */
      schemes: { legacy: number; plain: number; keyed: number };
    }
  | {
      ok: false;
      brokenAt: number;
      /** Time and type of the row named by brokenAt, when it exists. */
      at?: string;
      type?: string;
      field: VerifyFailure;
      reason: string;
      count: number;
    };

export const GENESIS_HASH = '';
export const HASH_LEGACY = 1;
export const HASH_PLAIN = 2;
export const HASH_KEYED = 3;
export const DEFAULT_CHECKPOINT_EVERY = 1000;

/** Scheme 1: the exact bytes that were hashed for one event (id, repo and hashes excluded). */
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

/** Scheme 1: sha256(prev_hash + eventHashInput). */
export function computeHash(prevHash: string, event: Parameters<typeof eventHashInput>[0]): string {
  return sha256Hex(prevHash + eventHashInput(event));
}

/** Schemes 2 and 3: the exact bytes hashed for one row — every column, the scheme and the link. */
export function rowHashInput(row: Omit<AuditRow, 'hash'>): string {
  return canonicalJson({
    v: row.hashVersion,
    id: row.id,
    at: row.at,
    installationId: row.installationId,
    actor: row.actor,
    type: row.type,
    repo: row.repo,
    subject: row.subject,
    details: row.details,
    prevHash: row.prevHash,
  });
}

/** `SEQ:HASH` as printed by `pj audit verify`, logged at checkpoints and exported as a metric. */
export function parseHead(text: string): AuditHead | undefined {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(text.trim());
  if (!m) return undefined;
  const sequence = Number(m[1]);
  return Number.isSafeInteger(sequence) && sequence > 0 ? { sequence, hash: m[2] as string } : undefined;
}

export function formatHead(head: AuditHead): string {
  return `${head.sequence}:${head.hash}`;
}

export interface AuditLogLog {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
}

export interface AuditLogOptions {
  now?: () => Date;
  /** PJ_AUDIT_KEY: rows are written with scheme 3 (HMAC-SHA256) and keyed rows can be verified. */
  key?: string;
  /** Log the head every this many rows (the row ids that are multiples of it). */
  checkpointEvery?: number;
  log?: AuditLogLog;
}

/** Appends through one store queue up here, so they do not race each other for the tail. */
const queues = new WeakMap<object, Promise<unknown>>();
/** The last row this process appended through a store: a good guess for the tail (a stale guess just conflicts). */
const lastTails = new WeakMap<object, AuditTail>();

export class AuditLog {
  private readonly now: () => Date;
  /** HMAC with the key, or undefined; the key itself is kept only inside this closure's KeyObject. */
  private readonly mac: ((text: string) => string) | undefined;
  private readonly checkpointEvery: number;
  private readonly log: AuditLogLog | undefined;
  private downgradeWarned = false;

  constructor(
    private readonly store: AuditEventStore,
    options: AuditLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.mac = options.key ? hmacWith(createSecretKey(Buffer.from(options.key, 'utf8'))) : undefined;
    this.checkpointEvery = Math.max(1, Math.floor(options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY));
    this.log = options.log;
  }

  /** True when rows are written keyed (scheme 3). */
  get keyed(): boolean {
    return this.mac !== undefined;
  }

  /**
   * Appends one event at the end of the chain. Appends are serialised by the database,
   * not by a lock of this process: the id and `prev_hash` are unique, so of two writers
   * that read the same last row only one insert succeeds; the other re-reads the tail and
   * retries. This holds across connections and processes. On Postgres the store also
   * offers an append lock (`exclusive`: a short transaction holding
   * pg_advisory_xact_lock), so replicas take turns instead of retrying. Within one
   * process, appends through the same store are queued first.
   *
   * `within`: the audit rows of a state change's transaction (store/audit-events.ts
   * auditEventsWithin): the event is inserted there, and commits or rolls back with the
   * change. Such an append skips the queue (the transaction already holds the connection
   * the queue's appends would wait for) and never updates the tail guess (the transaction
   * may still roll back).
   */
  append(input: AuditEventInput, within?: AuditEventStore): Promise<AuditEvent> {
    return this.appendMany([input], within).then((events) => events[0] as AuditEvent);
  }

  /** Appends several events as consecutive links, in one INSERT (one commit); `within` as for append. */
  appendMany(inputs: AuditEventInput[], within?: AuditEventStore): Promise<AuditEvent[]> {
    if (within !== undefined) return this.appendNow(inputs, within);
    const previous = queues.get(this.store) ?? Promise.resolve();
    const next = previous.then(
      () => this.appendNow(inputs),
      () => this.appendNow(inputs),
    );
    queues.set(this.store, next.catch(() => undefined));
    return next;
  }

  private async appendNow(inputs: AuditEventInput[], locked?: AuditEventStore): Promise<AuditEvent[]> {
    if (inputs.length === 0) return [];
    // Postgres: appends of every replica take turns under the store's append lock; inside
    // it the tail read is the tail extended, and the loop below runs once.
    if (locked === undefined && this.store.exclusive) return this.store.exclusive((store) => this.appendNow(inputs, store));
    const store = locked ?? this.store;
    const version = this.mac ? HASH_KEYED : HASH_PLAIN;
    const prepared = inputs.map((input) => {
      const subject = canonicalJson(input.subject ?? {});
      const parsed = JSON.parse(subject) as AuditSubject;
      return {
        at: input.at ?? this.now().toISOString(),
        installationId: input.installationId ?? null,
        actor: input.actor,
        type: input.type,
        repo: repoOf(parsed),
        subject,
        details: canonicalJson(input.details ?? {}),
      };
    });
    for (let attempt = 0; ; attempt++) {
      const tail = (attempt === 0 && locked === undefined ? lastTails.get(this.store) : undefined) ?? (await store.tail());
      if (tail && tail.hashVersion > version && !this.downgradeWarned) {
        this.downgradeWarned = true;
        this.log?.warn(
          { auditTail: tail.id },
          `the audit chain is keyed up to row ${tail.id}, but PJ_AUDIT_KEY is not set: rows after it are plain-hashed and \`pj audit verify\` will report a downgrade there`,
        );
      }
      let prevHash = tail?.hash ?? GENESIS_HASH;
      let id = tail?.id ?? 0;
      const rows: AuditRow[] = prepared.map((p) => {
        const unhashed = { ...p, id: ++id, prevHash, hashVersion: version };
        const row = { ...unhashed, hash: this.hashOf(unhashed) as string };
        prevHash = row.hash;
        return row;
      });
      if ((await store.insert(rows)) === 'inserted') {
        const last = rows[rows.length - 1] as AuditRow;
        // Only a row inserted on its own is committed here; one inside a transaction is
        // not yet, and a guess at a row that rolls back would fork the chain.
        if (locked === undefined) lastTails.set(this.store, { id: last.id, hash: last.hash, hashVersion: last.hashVersion });
        for (const row of rows) {
          if (row.id % this.checkpointEvery === 0) {
            this.log?.info(
              { auditCheckpoint: formatHead({ sequence: row.id, hash: row.hash }) },
              `audit chain checkpoint ${row.id}: keep it outside the database; \`pj audit verify --expect-head ${row.id}:${row.hash}\` detects rows removed up to it`,
            );
          }
        }
        return rows.map(toAuditEvent);
      }
      lastTails.delete(this.store);
      // Another writer appended first: read the new tail and try again.
      if (attempt >= 1000) throw new Error('audit log: 1000 appends in a row lost the race for the tail');
    }
  }

  /** The hash a row of scheme 2 or 3 must have; undefined for a keyed row without the key. */
  private hashOf(row: Omit<AuditRow, 'hash'>): string | undefined {
    const input = rowHashInput(row);
    if (row.hashVersion === HASH_KEYED) return this.mac?.(input);
    return sha256Hex(input);
  }

  /**
   * Walks the whole chain in id order and names the first row that does not hold: its
   * hash (with the key for keyed rows), its link to the row before, its sequence, its
   * scheme (never lower than the row before), its repo. With `expectHead`, the chain must
   * reach each of those rows with that hash (this is what detects rows removed from the end).
   * With a key, the last row must be keyed (else keyed rows were replaced by plain ones, or
   * removed).
   */
  async verify(options: { expectHead?: AuditHead[] } = {}): Promise<VerifyResult> {
    const expected = [...(options.expectHead ?? [])].sort((a, b) => a.sequence - b.sequence);
    const schemes = { legacy: 0, plain: 0, keyed: 0 };
    let expectedPrev = GENESIS_HASH;
    let count = 0;
    let previous: AuditRow | undefined;
    for (;;) {
      const rows = await this.store.page(previous?.id ?? 0, 1000);
      if (rows.length === 0) break;
      for (const row of rows) {
        const fail = (field: VerifyFailure, reason: string): VerifyResult => ({ ok: false, brokenAt: row.id, at: row.at, type: row.type, field, reason, count });
        // An expected head that falls in a gap before this row was never reached.
        const skipped = expected.find((h) => h.sequence > (previous?.id ?? 0) && h.sequence < row.id);
        if (skipped) return missingHead(skipped, previous, count, row);
        if (row.prevHash !== expectedPrev) {
          return fail(
            'prev_hash',
            previous === undefined
              ? 'prev_hash of the first row is not the genesis value (rows before it were removed?)'
              : `prev_hash does not equal the hash of row ${previous.id} (a row was removed, inserted or re-hashed)`,
          );
        }
        if (row.hashVersion !== HASH_LEGACY && row.hashVersion !== HASH_PLAIN && row.hashVersion !== HASH_KEYED) {
          return fail('hash_version', `unknown hash scheme ${row.hashVersion}`);
        }
        if (previous && row.hashVersion < previous.hashVersion) {
          return fail(
            'hash_version',
            `${schemeName(row.hashVersion)} row after ${schemeName(previous.hashVersion)} row ${previous.id}: a downgrade (written without PJ_AUDIT_KEY, or forged)`,
          );
        }
        if (row.hashVersion !== HASH_LEGACY && previous && row.id !== previous.id + 1) {
          return fail('sequence', `id does not follow row ${previous.id} (rows were renumbered)`);
        }
        if (row.hashVersion === HASH_KEYED && !this.mac) {
          return fail('key', 'the row is keyed (HMAC): set PJ_AUDIT_KEY to the key it was written with to verify it');
        }
        if (!this.hashHolds(row)) {
          return fail(
            'hash',
            row.hashVersion === HASH_KEYED
              ? 'hash does not match the row content with PJ_AUDIT_KEY (the row was edited or forged, or the key is not the one it was written with)'
              : 'hash does not match the row content (the row was edited)',
          );
        }
        if (row.repo !== repoOfText(row.subject)) {
          return fail('repo', `repo column ${JSON.stringify(row.repo)} is not the subject's repo (the row was edited)`);
        }
        const head = expected.find((h) => h.sequence === row.id);
        if (head && head.hash !== row.hash) {
          return fail('head', `row ${row.id} has hash ${row.hash}, expected ${head.hash} (rows up to it were replaced)`);
        }
        schemes[row.hashVersion === HASH_LEGACY ? 'legacy' : row.hashVersion === HASH_PLAIN ? 'plain' : 'keyed']++;
        expectedPrev = row.hash;
        previous = row;
        count++;
      }
    }
    const unreached = expected.find((h) => h.sequence > (previous?.id ?? 0));
    if (unreached) return missingHead(unreached, previous, count);
    if (this.mac && previous && previous.hashVersion !== HASH_KEYED) {
      return {
        ok: false,
        brokenAt: previous.id,
        at: previous.at,
        type: previous.type,
        field: 'key',
        reason: `PJ_AUDIT_KEY is set but the last row is ${schemeName(previous.hashVersion)}: keyed rows were removed or replaced, or no row has been written with the key yet`,
        count,
      };
    }
    return { ok: true, count, ...(previous ? { head: { sequence: previous.id, hash: previous.hash } } : {}), schemes };
  }

  private hashHolds(row: AuditRow): boolean {
    if (row.hashVersion !== HASH_LEGACY) return this.hashOf(row) === row.hash;
    try {
      return computeHash(row.prevHash, {
        at: row.at,
        installationId: row.installationId,
        actor: row.actor,
        type: row.type,
        subject: JSON.parse(row.subject),
        details: JSON.parse(row.details),
      }) === row.hash;
    } catch {
      return false;
    }
  }

  /** The last row, and the last checkpoint (the highest id that is a multiple of checkpointEvery), as stored now. */
  async anchors(): Promise<{ head?: AuditHead; checkpoint?: AuditHead }> {
    const tail = await this.store.tail();
    if (!tail) return {};
    const head = { sequence: tail.id, hash: tail.hash };
    const at = Math.floor(tail.id / this.checkpointEvery) * this.checkpointEvery;
    const row = at > 0 ? (at === tail.id ? tail : await this.store.row(at)) : undefined;
    return row ? { head, checkpoint: { sequence: at, hash: row.hash } } : { head };
  }

  /** Events in id order, optionally since an ISO time and for one repo. */
  async *export(filter: AuditFilter = {}): AsyncGenerator<AuditEvent> {
    let afterId = 0;
    for (;;) {
      const rows = await this.store.page(afterId, 1000, filter);
      if (rows.length === 0) return;
      for (const row of rows) {
        yield toAuditEvent(row);
        afterId = row.id;
      }
    }
  }
}

function hmacWith(key: KeyObject): (text: string) => string {
  return (text) => createHmac('sha256', key).update(text, 'utf8').digest('hex');
}

function repoOf(subject: AuditSubject): string | null {
  return typeof subject.repo === 'string' ? subject.repo : null;
}

function repoOfText(subject: string): string | null {
  try {
    return repoOf(JSON.parse(subject) as AuditSubject);
  } catch {
    return null;
  }
}

function schemeName(version: number): string {
  return version === HASH_LEGACY ? 'a legacy (scheme 1)' : version === HASH_PLAIN ? 'a plain (scheme 2)' : 'a keyed (scheme 3)';
}

function missingHead(head: AuditHead, last: AuditRow | undefined, count: number, next?: AuditRow): VerifyResult {
  const where = next
    ? `it goes from ${last ? `row ${last.id}` : 'the start'} to row ${next.id}`
    : last
      ? `it ends at row ${last.id}`
      : 'it is empty';
  return {
    ok: false,
    brokenAt: head.sequence,
    field: 'head',
    reason: `the chain has no row ${head.sequence}, the expected head: ${where} (rows were removed)`,
    count,
  };
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    installationId: row.installationId,
    actor: row.actor,
    type: row.type,
    repo: row.repo,
    subject: JSON.parse(row.subject) as AuditSubject,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prevHash,
    hash: row.hash,
    hashVersion: row.hashVersion,
  };
}
