// Track B's persisted state (migrations/011_drift.ts): accumulation windows (compare-and-set
// on a version), the ledger of raised items by fingerprint, remediation PR lifetimes (for the
// per-installation limits) and the merged changes already processed.
import type { Db } from './database.js';
import type { WindowState } from '../drift/accumulation.js';
import type { DriftItem } from '../drift/item.js';
import type { SourceRef } from '../drift/accumulation.js';
import type { Severity } from '../packs/schema.js';

export const LEDGER_STATUSES = ['pending', 'remediation', 'digest', 'ignored', 'dropped', 'resolved', 'merged', 'stopped'] as const;
export type LedgerStatus = (typeof LEDGER_STATUSES)[number];

/** One raised item as the ledger keeps it. */
export interface LedgerEntry {
  item: DriftItem;
  severity: Severity;
  sources: SourceRef[];
}

export interface LedgerItem extends LedgerEntry {
  installationId: number;
  packId: string;
  docKey: string;
  status: LedgerStatus;
  sourceRepo: string;
  branch: string | null;
  updatedAt: string;
}

export interface StoredWindow {
  installationId: number;
  owner: string;
  state: WindowState;
  version: number;
}

export type RemediationStatus = 'open' | 'stopped' | 'closed' | 'merged' | 'resolved';

export interface Remediation {
  id: number;
  installationId: number;
  packId: string;
  docKey: string;
  system: string;
  repo: string;
  branch: string;
  status: RemediationStatus;
  prNumber: number | null;
  reason: string | null;
  openedAt: string;
}

export interface DriftStore {
  window(installationId: number, packId: string, docKey: string): Promise<StoredWindow | undefined>;
  /** Compare-and-set: writes when the stored version is `version` (0: no row yet). False when another writer won. */
  saveWindow(w: { installationId: number; owner: string; state: WindowState }, version: number, now: Date): Promise<boolean>;
  /** Windows due at `now` (oldest first). */
  dueWindows(now: Date, limit: number): Promise<StoredWindow[]>;

  items(installationId: number, packId: string, docKey: string, statuses?: readonly LedgerStatus[]): Promise<LedgerItem[]>;
  itemsOfRepo(installationId: number, sourceRepo: string, packId: string, statuses: readonly LedgerStatus[]): Promise<LedgerItem[]>;
  itemsByFingerprint(installationId: number, fingerprints: readonly string[]): Promise<LedgerItem[]>;
  /** Inserts new items or replaces the entry and status of known ones. */
  putItems(installationId: number, packId: string, docKey: string, rows: ReadonlyArray<{ entry: LedgerEntry; status: LedgerStatus; sourceRepo: string; branch?: string | null }>, now: Date): Promise<void>;
  setStatus(installationId: number, packId: string, docKey: string, fingerprints: readonly string[], status: LedgerStatus, now: Date, branch?: string | null): Promise<void>;

  /** Records a processed merged change; false when it was already recorded. */
  claimSignal(installationId: number, repo: string, sha: string, now: Date): Promise<boolean>;
  forgetSignal(installationId: number, repo: string, sha: string): Promise<void>;

  activeRemediation(installationId: number, docKey: string): Promise<Remediation | undefined>;
  remediationByBranch(installationId: number, repo: string, branch: string): Promise<Remediation | undefined>;
  /** The remediations still updated by PuddleJumper (status open) whose doc lives in `repo`. */
  openRemediations(installationId: number, repo: string): Promise<Remediation[]>;
  openRemediation(r: Omit<Remediation, 'id' | 'status' | 'prNumber' | 'reason'>, now: Date): Promise<Remediation>;
  updateRemediation(id: number, set: { status?: RemediationStatus; prNumber?: number | null; reason?: string | null }, now: Date): Promise<void>;
  /** Remediations opened since `since` (the hourly limit) and those open now (the concurrent limit). */
  remediationCounts(installationId: number, since: Date): Promise<{ openedSince: number; open: number }>;
}

const ACTIVE: RemediationStatus[] = ['open', 'stopped'];

function toWindow(row: { installation_id: number; owner: string; state: string; version: number }): StoredWindow {
  return { installationId: row.installation_id, owner: row.owner, state: JSON.parse(row.state) as WindowState, version: row.version };
}

function toItem(row: {
  installation_id: number;
  pack_id: string;
  doc_key: string;
  status: string;
  source_repo: string;
  entry: string;
  branch: string | null;
  updated_at: string;
}): LedgerItem {
  const entry = JSON.parse(row.entry) as LedgerEntry;
  return {
    ...entry,
    installationId: row.installation_id,
    packId: row.pack_id,
    docKey: row.doc_key,
    status: row.status as LedgerStatus,
    sourceRepo: row.source_repo,
    branch: row.branch,
    updatedAt: row.updated_at,
  };
}

function toRemediation(row: {
  id: number;
  installation_id: number;
  pack_id: string;
  doc_key: string;
  system: string;
  repo: string;
  branch: string;
  status: string;
  pr_number: number | null;
  reason: string | null;
  opened_at: string;
}): Remediation {
  return {
    id: row.id,
    installationId: row.installation_id,
    packId: row.pack_id,
    docKey: row.doc_key,
    system: row.system,
    repo: row.repo,
    branch: row.branch,
    status: row.status as RemediationStatus,
    prNumber: row.pr_number,
    reason: row.reason,
    openedAt: row.opened_at,
  };
}

export function sqlDriftStore(db: Db): DriftStore {
  return {
    async window(installationId, packId, docKey) {
      const row = await db
        .selectFrom('drift_windows')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('pack_id', '=', packId)
        .where('doc_key', '=', docKey)
        .executeTakeFirst();
      return row ? toWindow(row) : undefined;
    },
    async saveWindow(w, version, now) {
      const values = {
        owner: w.owner,
        state: JSON.stringify(w.state),
        due_at: w.state.dueAt,
        version: version + 1,
        updated_at: now.toISOString(),
      };
      if (version === 0) {
        const res = await db
          .insertInto('drift_windows')
          .values({ installation_id: w.installationId, pack_id: w.state.packId, doc_key: w.state.docKey, ...values })
          .onConflict((oc) => oc.columns(['installation_id', 'pack_id', 'doc_key']).doNothing())
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
      }
      const res = await db
        .updateTable('drift_windows')
        .set(values)
        .where('installation_id', '=', w.installationId)
        .where('pack_id', '=', w.state.packId)
        .where('doc_key', '=', w.state.docKey)
        .where('version', '=', version)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    },
    async dueWindows(now, limit) {
      const rows = await db
        .selectFrom('drift_windows')
        .selectAll()
        .where('due_at', 'is not', null)
        .where('due_at', '<=', now.toISOString())
        .orderBy('due_at')
        .limit(limit)
        .execute();
      return rows.map(toWindow);
    },

    async items(installationId, packId, docKey, statuses) {
      let q = db.selectFrom('drift_items').selectAll().where('installation_id', '=', installationId).where('pack_id', '=', packId).where('doc_key', '=', docKey);
      if (statuses) q = q.where('status', 'in', [...statuses]);
      return (await q.orderBy('created_at').orderBy('fingerprint').execute()).map(toItem);
    },
    async itemsOfRepo(installationId, sourceRepo, packId, statuses) {
      const rows = await db
        .selectFrom('drift_items')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('source_repo', '=', sourceRepo)
        .where('pack_id', '=', packId)
        .where('status', 'in', [...statuses])
        .orderBy('created_at')
        .orderBy('fingerprint')
        .execute();
      return rows.map(toItem);
    },
    async itemsByFingerprint(installationId, fingerprints) {
      if (fingerprints.length === 0) return [];
      const rows = await db.selectFrom('drift_items').selectAll().where('installation_id', '=', installationId).where('fingerprint', 'in', [...fingerprints]).execute();
      return rows.map(toItem);
    },
    async putItems(installationId, packId, docKey, rows, now) {
      const at = now.toISOString();
      for (const r of rows) {
        await db
          .insertInto('drift_items')
          .values({
            installation_id: installationId,
            pack_id: packId,
            doc_key: docKey,
            fingerprint: r.entry.item.fingerprint,
            status: r.status,
            source_repo: r.sourceRepo,
            entry: JSON.stringify(r.entry),
            branch: r.branch ?? null,
            created_at: at,
            updated_at: at,
          })
          .onConflict((oc) =>
            oc.columns(['installation_id', 'pack_id', 'doc_key', 'fingerprint']).doUpdateSet({
              status: r.status,
              entry: JSON.stringify(r.entry),
              ...(r.branch !== undefined ? { branch: r.branch } : {}),
              updated_at: at,
            }),
          )
          .execute();
      }
    },
    async setStatus(installationId, packId, docKey, fingerprints, status, now, branch) {
      if (fingerprints.length === 0) return;
      await db
        .updateTable('drift_items')
        .set({ status, updated_at: now.toISOString(), ...(branch !== undefined ? { branch } : {}) })
        .where('installation_id', '=', installationId)
        .where('pack_id', '=', packId)
        .where('doc_key', '=', docKey)
        .where('fingerprint', 'in', [...fingerprints])
        .execute();
    },

    async claimSignal(installationId, repo, sha, now) {
      const res = await db
        .insertInto('drift_signals')
        .values({ installation_id: installationId, repo, sha, processed_at: now.toISOString() })
        .onConflict((oc) => oc.columns(['installation_id', 'repo', 'sha']).doNothing())
        .executeTakeFirst();
      return Number(res.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async forgetSignal(installationId, repo, sha) {
      await db.deleteFrom('drift_signals').where('installation_id', '=', installationId).where('repo', '=', repo).where('sha', '=', sha).execute();
    },

    async activeRemediation(installationId, docKey) {
      const row = await db
        .selectFrom('drift_remediations')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('doc_key', '=', docKey)
        .where('status', 'in', ACTIVE)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row ? toRemediation(row) : undefined;
    },
    async remediationByBranch(installationId, repo, branch) {
      const row = await db
        .selectFrom('drift_remediations')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('repo', '=', repo)
        .where('branch', '=', branch)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      return row ? toRemediation(row) : undefined;
    },
    async openRemediations(installationId, repo) {
      const rows = await db
        .selectFrom('drift_remediations')
        .selectAll()
        .where('installation_id', '=', installationId)
        .where('repo', '=', repo)
        .where('status', '=', 'open')
        .orderBy('id')
        .execute();
      return rows.map(toRemediation);
    },
    async openRemediation(r, now) {
      const at = now.toISOString();
      const row = await db
        .insertInto('drift_remediations')
        .values({
          installation_id: r.installationId,
          pack_id: r.packId,
          doc_key: r.docKey,
          system: r.system,
          repo: r.repo,
          branch: r.branch,
          status: 'open',
          pr_number: null,
          reason: null,
          opened_at: r.openedAt,
          updated_at: at,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRemediation(row);
    },
    async updateRemediation(id, set, now) {
      await db
        .updateTable('drift_remediations')
        .set({
          ...(set.status !== undefined ? { status: set.status } : {}),
          ...(set.prNumber !== undefined ? { pr_number: set.prNumber } : {}),
          ...(set.reason !== undefined ? { reason: set.reason } : {}),
          updated_at: now.toISOString(),
        })
        .where('id', '=', id)
        .execute();
    },
    async remediationCounts(installationId, since) {
      const opened = await db
        .selectFrom('drift_remediations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('installation_id', '=', installationId)
        .where('opened_at', '>=', since.toISOString())
        .executeTakeFirst();
      const open = await db
        .selectFrom('drift_remediations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('installation_id', '=', installationId)
        .where('status', 'in', ACTIVE)
        .executeTakeFirst();
      return { openedSince: Number(opened?.n ?? 0), open: Number(open?.n ?? 0) };
    },
  };
}
