// Approval chains in the store, behind `ChainRepository` (SQL here; an in-memory one
// for tests). Every change is a compare-and-set: a step row changes only
// `WHERE id = ? AND version = ?`, the chain row only `WHERE id = ? AND version = ?`, all
// in one transaction. A lost race throws `ChainConflict` and changes nothing;
// `transitionChain` reloads and decides again, so two approvals racing for one step
// make one transition. A change's audit events (AuditInTransaction) are appended in its
// transaction: a decision is never kept without them.
import type { Selectable, Transaction } from 'kysely';
import { auditEventsWithin, type AuditEventStore, type AuditInTransaction } from './audit-events.js';
import type { Database, Db } from './database.js';
import { isUniqueViolation } from './dialect.js';
import type { ApprovalChainsTable, ApprovalStepsTable } from './tables/approvals.js';
import type { ApprovalOptions, Severity } from '../packs/schema.js';
import type { Chain, DecisionSource, Step, TierDef } from '../approvals/chain.js';
import type { ReplaceReason } from '../approvals/decide.js';

export class ChainConflict extends Error {
  constructor(what: string) {
    super(`approval chain changed concurrently: ${what}`);
    this.name = 'ChainConflict';
  }
}

/** Why a chain was retired. */
export type SupersedeReason = 'newer_head' | 'not_required' | ReplaceReason;

export interface ChainRepository {
  byId(id: number): Promise<StoredChain | undefined>;
  /** The current (not superseded) chain with this key. */
  byKey(key: string): Promise<StoredChain | undefined>;
  /** The newest chain ever stored under a key, superseded or not. */
  latestByKey(key: string): Promise<StoredChain | undefined>;
  /** Every chain of a PR, newest first (superseded ones included only when asked). */
  forPr(repo: string, prNumber: number, opts?: { includeSuperseded?: boolean }): Promise<StoredChain[]>;
  /** Chains of a PR with a step decided by this review or comment. */
  withSource(repo: string, prNumber: number, source: DecisionSource): Promise<StoredChain[]>;
  /**
   * Inserts a chain; when a concurrent writer inserted the same current key first, returns
   * that one (`created: false`). `audit` (of the new chain) runs only for an insert that happened, in its transaction.
   */
  insert(chain: Chain, meta: ChainMeta, audit?: AuditInTransaction<Chain>): Promise<{ stored: StoredChain; created: boolean }>;
  /** Compare-and-set from `stored.chain` to `next`, with `audit` (of `next`) in its transaction; throws ChainConflict when anything moved. */
  save(stored: StoredChain, next: Chain, now: Date, audit?: AuditInTransaction<Chain>): Promise<StoredChain>;
  /** Retires a chain (compare-and-set, with `audit` in its transaction); false when it moved or was already retired. */
  supersede(stored: StoredChain, now: Date, reason: SupersedeReason, audit?: AuditInTransaction<Chain>): Promise<boolean>;
  /** Records the head a per-PR chain was last evaluated on. */
  touchHead(stored: StoredChain, headSha: string, now: Date): Promise<void>;
  /** Undecided steps (active or waiting) of current pending chains: the pending gauge. */
  countPendingSteps(): Promise<number>;
}

export function sqlChainRepository(db: Db): ChainRepository {
  return {
    byId: (id) => loadChainById(db, id),
    byKey: (key) => loadChainByKey(db, key),
    latestByKey: (key) => loadLatestChainByKey(db, key),
    forPr: (repo, prNumber, opts) => chainsForPr(db, repo, prNumber, opts),
    withSource: (repo, prNumber, source) => chainsWithSource(db, repo, prNumber, source),
    insert: (chain, meta, audit) => insertChain(db, chain, meta, audit),
    save: (stored, next, now, audit) => saveTransition(db, stored, next, now, audit),
    supersede: (stored, now, reason, audit) => supersedeChain(db, stored, now, reason, audit),
    touchHead: (stored, headSha, now) => touchHead(db, stored, headSha, now),
    countPendingSteps: () => countPendingSteps(db),
  };
}

const MAX_ATTEMPTS = 25;

/**
 * The compare-and-set loop: `decide` plans the next chain from the stored one (or says
 * why not); a lost race reloads and decides again. A chain retired while deciding is
 * reported as `superseded` instead of being changed. `audit` writes the audit of the
 * saved plan in the transaction that saves it.
 */
export async function transitionChain<R>(
  repo: ChainRepository,
  stored: StoredChain,
  now: () => Date,
  decide: (current: StoredChain, at: Date) => Promise<{ next: Chain; result: R } | { refusal: string }>,
  audit?: (result: R, next: Chain, within: AuditEventStore | undefined) => Promise<unknown>,
): Promise<{ saved: StoredChain; result: R } | { refusal: string; stored: StoredChain; superseded?: boolean }> {
  let current = stored;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const at = now();
    const plan = await decide(current, at);
    if ('refusal' in plan) return { refusal: plan.refusal, stored: current };
    try {
      const auditPlan: AuditInTransaction<Chain> | undefined = audit && ((next, within) => audit(plan.result, next, within));
      return { saved: await repo.save(current, plan.next, at, auditPlan), result: plan.result };
    } catch (err) {
      if (!(err instanceof ChainConflict)) throw err;
      const reloaded = await repo.byId(current.id);
      if (!reloaded) throw err;
      if (reloaded.supersededAt !== null && current.supersededAt === null) {
        return { refusal: 'the approval chain was replaced while deciding (the required approvals changed); please act again', stored: reloaded, superseded: true };
      }
      current = reloaded;
    }
  }
  throw new Error(`approval chain ${stored.chain.key}: too many concurrent changes`);
}

/** What a chain is stored with besides itself: its identity and what it was bound to. */
export interface ChainMeta {
  templateHash: string;
  headSha: string;
  /** The base it was approved against (migrations/006). */
  base: string;
  /** The findings fingerprint it was approved for (migrations/006). */
  findings: string;
}

export interface StoredChain {
  id: number;
  version: number;
  chain: Chain;
  templateHash: string;
  lastHeadSha: string;
  supersededAt: string | null;
  supersededReason: string | null;
  /** What it was bound to when it started; null for chains from before migration 006. */
  base: string | null;
  findings: string | null;
  /** step id -> row id and version, for the compare-and-set. */
  rows: Record<string, { id: number; version: number }>;
}

type ChainRow = Selectable<ApprovalChainsTable>;
type StepRow = Selectable<ApprovalStepsTable>;

function toStep(r: StepRow): Step {
  const s: Step = { id: r.step_key, group: r.group_index, tierId: r.tier_id, tierName: r.tier_name, status: r.status };
  if (r.activated_at !== null) s.activatedAt = r.activated_at;
  if (r.decided_by !== null) s.decidedBy = r.decided_by;
  if (r.decided_at !== null) s.decidedAt = r.decided_at;
  if (r.source_kind !== null && r.source_id !== null) s.source = { kind: r.source_kind, id: r.source_id };
  if (r.reason !== null) s.reason = r.reason;
  return s;
}

function stepColumns(s: Step) {
  return {
    status: s.status,
    activated_at: s.activatedAt ?? null,
    decided_by: s.decidedBy ?? null,
    decided_at: s.decidedAt ?? null,
    source_kind: s.source?.kind ?? null,
    source_id: s.source?.id ?? null,
    reason: s.reason ?? null,
  };
}

function toStored(row: ChainRow, steps: StepRow[]): StoredChain {
  const ordered = [...steps].sort((a, b) => a.position - b.position);
  const chain: Chain = {
    key: row.key,
    repo: row.repo,
    prNumber: row.pr_number,
    headSha: row.head_sha,
    severity: row.severity as Severity,
    status: row.status,
    steps: ordered.map(toStep),
    tiers: JSON.parse(row.tiers) as Record<string, TierDef>,
    options: JSON.parse(row.options) as ApprovalOptions,
    prAuthor: row.pr_author,
    createdAt: row.created_at,
  };
  return {
    id: row.id,
    version: row.version,
    chain,
    templateHash: row.template_hash,
    lastHeadSha: row.last_head_sha,
    supersededAt: row.superseded_at,
    supersededReason: row.superseded_reason,
    base: row.bound_base,
    findings: row.findings_fingerprint,
    rows: Object.fromEntries(ordered.map((r) => [r.step_key, { id: r.id, version: r.version }])),
  };
}

async function withSteps(db: Db | Transaction<Database>, rows: ChainRow[]): Promise<StoredChain[]> {
  if (rows.length === 0) return [];
  const steps = await db
    .selectFrom('approval_steps')
    .selectAll()
    .where(
      'chain_id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => toStored(r, steps.filter((s) => s.chain_id === r.id)));
}

async function loadChainById(db: Db, id: number): Promise<StoredChain | undefined> {
  const rows = await db.selectFrom('approval_chains').selectAll().where('id', '=', id).execute();
  return (await withSteps(db, rows))[0];
}

/** The current (not superseded) chain with this key. */
async function loadChainByKey(db: Db, key: string): Promise<StoredChain | undefined> {
  const rows = await db.selectFrom('approval_chains').selectAll().where('key', '=', key).where('superseded_at', 'is', null).execute();
  return (await withSteps(db, rows))[0];
}

/** The newest chain ever stored under a key, superseded or not. */
async function loadLatestChainByKey(db: Db, key: string): Promise<StoredChain | undefined> {
  const rows = await db.selectFrom('approval_chains').selectAll().where('key', '=', key).orderBy('id', 'desc').limit(1).execute();
  return (await withSteps(db, rows))[0];
}

/** Every chain of a PR, newest first (superseded ones included only when asked). */
async function chainsForPr(db: Db, repo: string, prNumber: number, opts: { includeSuperseded?: boolean } = {}): Promise<StoredChain[]> {
  let q = db.selectFrom('approval_chains').selectAll().where('repo', '=', repo).where('pr_number', '=', prNumber);
  if (!opts.includeSuperseded) q = q.where('superseded_at', 'is', null);
  const rows = await q.orderBy('id', 'desc').execute();
  return withSteps(db, rows);
}

/** Chains of a PR with a step decided by this review or comment. */
async function chainsWithSource(db: Db, repo: string, prNumber: number, source: DecisionSource): Promise<StoredChain[]> {
  const ids = await db
    .selectFrom('approval_steps')
    .innerJoin('approval_chains', 'approval_chains.id', 'approval_steps.chain_id')
    .select('approval_chains.id')
    .where('approval_chains.repo', '=', repo)
    .where('approval_chains.pr_number', '=', prNumber)
    .where('approval_steps.source_kind', '=', source.kind)
    .where('approval_steps.source_id', '=', source.id)
    .execute();
  const unique = [...new Set(ids.map((r) => r.id))];
  if (unique.length === 0) return [];
  const rows = await db.selectFrom('approval_chains').selectAll().where('id', 'in', unique).orderBy('id', 'desc').execute();
  return withSteps(db, rows);
}

/**
 * Inserts a new chain. When a concurrent evaluation inserted the same current key first,
 * returns that one instead (`created: false`).
 */
async function insertChain(
  db: Db,
  chain: Chain,
  meta: ChainMeta,
  audit?: AuditInTransaction<Chain>,
): Promise<{ stored: StoredChain; created: boolean }> {
  try {
    const id = await db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('approval_chains')
        .values({
          key: chain.key,
          repo: chain.repo,
          pr_number: chain.prNumber,
          head_sha: chain.headSha,
          last_head_sha: meta.headSha,
          severity: chain.severity,
          status: chain.status,
          pr_author: chain.prAuthor,
          tiers: JSON.stringify(chain.tiers),
          options: JSON.stringify(chain.options),
          template_hash: meta.templateHash,
          bound_base: meta.base,
          findings_fingerprint: meta.findings,
          created_at: chain.createdAt,
          updated_at: chain.createdAt,
          superseded_at: null,
          superseded_reason: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (chain.steps.length > 0) {
        await trx
          .insertInto('approval_steps')
          .values(
            chain.steps.map((s, position) => ({
              chain_id: row.id,
              step_key: s.id,
              position,
              group_index: s.group,
              tier_id: s.tierId,
              tier_name: s.tierName,
              ...stepColumns(s),
            })),
          )
          .execute();
      }
      if (audit) await audit(chain, await auditEventsWithin(trx));
      return row.id;
    });
    return { stored: (await loadChainById(db, id))!, created: true };
  } catch (err) {
    const existing = await loadChainByKey(db, chain.key);
    if (existing && isUniqueViolation(err)) return { stored: existing, created: false };
    throw err;
  }
}

/**
 * Writes the transition from `stored.chain` to `next` (superseded chains too: a review on
 * an old head still changes that old chain, which can never satisfy a newer one): each changed step and the chain
 * row by compare-and-set, in one transaction. Throws ChainConflict when anything moved.
 */
async function saveTransition(db: Db, stored: StoredChain, next: Chain, now: Date, audit?: AuditInTransaction<Chain>): Promise<StoredChain> {
  const before = new Map(stored.chain.steps.map((s) => [s.id, s]));
  await db.transaction().execute(async (trx) => {
    for (const s of next.steps) {
      const prev = before.get(s.id);
      const row = stored.rows[s.id];
      if (!prev || !row) throw new Error(`step ${s.id} is not part of chain ${stored.chain.key}`);
      if (JSON.stringify(stepColumns(prev)) === JSON.stringify(stepColumns(s))) continue;
      const res = await trx
        .updateTable('approval_steps')
        .set({ ...stepColumns(s), version: row.version + 1 })
        .where('id', '=', row.id)
        .where('version', '=', row.version)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) throw new ChainConflict(`step ${s.id}`);
    }
    const res = await trx
      .updateTable('approval_chains')
      .set({ status: next.status, version: stored.version + 1, updated_at: now.toISOString() })
      .where('id', '=', stored.id)
      .where('version', '=', stored.version)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) throw new ChainConflict(`chain ${stored.chain.key}`);
    if (audit) await audit(next, await auditEventsWithin(trx));
  });
  return (await loadChainById(db, stored.id))!;
}

async function supersedeChain(db: Db, stored: StoredChain, now: Date, reason: SupersedeReason, audit?: AuditInTransaction<Chain>): Promise<boolean> {
  const retire = async (trx: Db | Transaction<Database>) => {
    const res = await trx
      .updateTable('approval_chains')
      .set({ superseded_at: now.toISOString(), superseded_reason: reason, version: stored.version + 1, updated_at: now.toISOString() })
      .where('id', '=', stored.id)
      .where('version', '=', stored.version)
      .where('superseded_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  };
  if (!audit) return retire(db);
  return db.transaction().execute(async (trx) => {
    const retired = await retire(trx);
    if (retired) await audit(stored.chain, await auditEventsWithin(trx));
    return retired;
  });
}

/** Records the head a per-PR chain was last evaluated on. */
async function touchHead(db: Db, stored: StoredChain, headSha: string, now: Date): Promise<void> {
  await db
    .updateTable('approval_chains')
    .set({ last_head_sha: headSha, updated_at: now.toISOString() })
    .where('id', '=', stored.id)
    .execute();
}

/** Undecided steps (active or waiting) of current pending chains: the pending gauge. */
async function countPendingSteps(db: Db): Promise<number> {
  const row = await db
    .selectFrom('approval_steps')
    .innerJoin('approval_chains', 'approval_chains.id', 'approval_steps.chain_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('approval_chains.status', '=', 'pending')
    .where('approval_chains.superseded_at', 'is', null)
    .where('approval_steps.status', 'in', ['active', 'waiting'])
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
