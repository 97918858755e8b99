// The control plane's read queries over Track B's state (migrations/011_drift.ts): the
// accumulation windows that are open, the remediation PRs (and Confluence proposals) and
// the digest — the items routed to it per source repo and pack, with the digest issue's
// outbox action. Scoped to the installations the reader may see, like store/admin.ts.
import { sql, type SqlBool } from 'kysely';
import type { Db } from './database.js';
import type { Scope } from './admin.js';
import type { WindowState } from '../drift/accumulation.js';
import type { LedgerEntry, Remediation, RemediationStatus } from './drift.js';

/** One item as the Drift page shows it (a window's pending item or a digest entry). */
export interface DriftItemView {
  fingerprint: string;
  rule: string;
  message: string;
  subject: string;
  severity: string;
  changeClass: string;
  docPath: string;
  section: string;
  docLine?: number;
  sources: Array<{ repo: string; number?: number; sha: string }>;
  /** The unified diff of the fix, when the detector made one. */
  patch?: string;
}

export interface DriftWindowView {
  installationId: number;
  packId: string;
  docKey: string;
  openedAt: string;
  dueAt: string | null;
  items: DriftItemView[];
}

export interface DriftRemediationView extends Remediation {
  updatedAt: string;
  /** Items of the ledger that went into it. */
  items: number;
}

export interface DriftDigestView {
  installationId: number;
  /** The source repo: the digest issue lives there. */
  repo: string;
  packId: string;
  /** The newest DIGEST_ITEMS_SHOWN items (in the digest first, then those closed with their PR). */
  items: Array<DriftItemView & { docKey: string; status: 'digest' | 'ignored' }>;
  /** How many there are in all. */
  counts: { digest: number; ignored: number };
  /** The digest issue's latest outbox action (issue.upsert), when one was proposed. */
  issue?: { actionId: number; status: string; issueNumber?: number; closed: boolean; updatedAt: string };
}

export interface DriftQuery {
  packId?: string;
  /** Remediations: only the active ones (open, stopped) unless `all`. */
  allRemediations?: boolean;
  offset: number;
  limit: number;
}

const ACTIVE: RemediationStatus[] = ['open', 'stopped'];
/** Items listed per digest on a page (the counts say how many there are). */
export const DIGEST_ITEMS_SHOWN = 10;

export class AdminDriftQueries {
  constructor(private readonly db: Db) {}

  /** Open windows, the soonest due first. */
  async windows(scope: Scope, q: DriftQuery): Promise<{ items: DriftWindowView[]; more: boolean }> {
    let query = inScope(this.db.selectFrom('drift_windows'), scope).where('due_at', 'is not', null);
    if (q.packId) query = query.where('pack_id', '=', q.packId);
    const rows = await query.select(['installation_id', 'pack_id', 'doc_key', 'state', 'due_at']).orderBy('due_at').orderBy('doc_key').limit(q.limit + 1).offset(q.offset).execute();
    const items = rows.slice(0, q.limit).flatMap((r) => {
      const state = JSON.parse(r.state) as WindowState;
      if (state.openedAt === null) return [];
      return [{ installationId: r.installation_id, packId: r.pack_id, docKey: r.doc_key, openedAt: state.openedAt, dueAt: r.due_at, items: state.items.map((p) => itemView({ item: p.item, severity: p.severity, sources: p.sources })) }];
    });
    return { items, more: rows.length > q.limit };
  }

  /** Remediation PRs (and Confluence proposals), the newest first. */
  async remediations(scope: Scope, q: DriftQuery): Promise<DriftRemediationView[]> {
    let query = inScope(this.db.selectFrom('drift_remediations'), scope);
    if (!q.allRemediations) query = query.where('status', 'in', ACTIVE);
    if (q.packId) query = query.where('pack_id', '=', q.packId);
    const rows = await query.selectAll().orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(100).execute();
    const counts = new Map<string, number>();
    if (rows.length > 0) {
      const branches = [...new Set(rows.map((r) => r.branch))];
      const inBranch = await inScope(this.db.selectFrom('drift_items'), scope)
        .where('branch', 'in', branches)
        .select(['installation_id', 'branch', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy(['installation_id', 'branch'])
        .execute();
      for (const c of inBranch) counts.set(`${c.installation_id}:${c.branch}`, Number(c.n));
    }
    return rows.map((r) => ({
      id: r.id,
      installationId: r.installation_id,
      packId: r.pack_id,
      docKey: r.doc_key,
      system: r.system,
      repo: r.repo,
      branch: r.branch,
      status: r.status as RemediationStatus,
      prNumber: r.pr_number,
      reason: r.reason,
      openedAt: r.opened_at,
      updatedAt: r.updated_at,
      items: counts.get(`${r.installation_id}:${r.branch}`) ?? 0,
    }));
  }

  /** The digest per source repo and pack: its items (and those closed with their PR) and the issue's action. */
  async digests(scope: Scope, q: DriftQuery): Promise<DriftDigestView[]> {
    // Every digest with its counts; the newest DIGEST_ITEMS_SHOWN items of each (a window
    // function: one pass over the index, no digest crowds out the others).
    let counts = inScope(this.db.selectFrom('drift_items'), scope).where('status', 'in', ['digest', 'ignored']);
    if (q.packId) counts = counts.where('pack_id', '=', q.packId);
    const totals = await counts.select(['installation_id', 'source_repo', 'pack_id', 'status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy(['installation_id', 'source_repo', 'pack_id', 'status']).orderBy('source_repo').orderBy('pack_id').limit(200).execute();
    const byDigest = new Map<string, DriftDigestView>();
    const keyOf = (r: { installation_id: number; source_repo: string; pack_id: string }) => `${r.installation_id}\u0000${r.source_repo}\u0000${r.pack_id}`;
    for (const t of totals) {
      let d = byDigest.get(keyOf(t));
      if (!d) byDigest.set(keyOf(t), (d = { installationId: t.installation_id, repo: t.source_repo, packId: t.pack_id, items: [], counts: { digest: 0, ignored: 0 } }));
      d.counts[t.status === 'ignored' ? 'ignored' : 'digest'] = Number(t.n);
    }
    if (byDigest.size === 0) return [];
    let ranked = inScope(this.db.selectFrom('drift_items'), scope).where('status', 'in', ['digest', 'ignored']);
    if (q.packId) ranked = ranked.where('pack_id', '=', q.packId);
    const rows = await this.db
      .selectFrom(
        ranked
          .select(['installation_id', 'pack_id', 'doc_key', 'status', 'source_repo', 'entry', sql<number>`row_number() over (partition by installation_id, source_repo, pack_id order by status, updated_at desc)`.as('rn')])
          .as('ranked'),
      )
      .selectAll()
      .where('rn', '<=', DIGEST_ITEMS_SHOWN)
      .execute();
    for (const r of rows) {
      byDigest.get(keyOf(r))?.items.push({ ...itemView(JSON.parse(r.entry) as LedgerEntry), docKey: r.doc_key, status: r.status === 'ignored' ? 'ignored' : 'digest' });
    }
    const digests = [...byDigest.values()];
    if (digests.length === 0) return digests;
    const keys = digests.map((d) => digestKey(d.repo, d.packId));
    // By key alone (the unique (idempotency_key, revision) index: the keys are the digests'
    // issue.upsert actions); the installation is matched below.
    const actions = await this.db
      .selectFrom('actions')
      .where('idempotency_key', 'in', keys)
      .select(['id', 'installation_id', 'kind', 'idempotency_key', 'status', 'result', 'payload', 'updated_at'])
      .orderBy('revision', 'desc')
      .execute();
    for (const d of digests) {
      const mine = actions.filter((a) => a.kind === 'issue.upsert' && a.installation_id === d.installationId && a.idempotency_key === digestKey(d.repo, d.packId));
      const latest = mine[0];
      if (!latest) continue;
      // The issue a revision edited or opened (the newest that says; a closing revision may find none).
      const issueNumber = mine.map((a) => (a.result ? (JSON.parse(a.result) as { issueNumber?: unknown }).issueNumber : undefined)).find((n): n is number => typeof n === 'number');
      d.issue = { actionId: latest.id, status: latest.status, ...(issueNumber !== undefined ? { issueNumber } : {}), closed: (JSON.parse(latest.payload) as { state?: string }).state === 'closed', updatedAt: latest.updated_at };
    }
    return digests;
  }
}

/** The digest issue's idempotency key (usecases/drift-digest.ts). */
function digestKey(repo: string, packId: string): string {
  return `drift-digest:${repo}:${packId}`;
}

function inScope<QB extends { where: (...args: any[]) => QB }>(query: QB, scope: Scope): QB {
  if (scope === 'all') return query;
  const only = scope.map((s) => s.id);
  return only.length === 0 ? query.where(sql<SqlBool>`1 = 0`) : query.where('installation_id', 'in', only);
}

function itemView(e: Pick<LedgerEntry, 'item' | 'severity' | 'sources'>): DriftItemView {
  const it = e.item;
  return {
    fingerprint: it.fingerprint,
    rule: it.rule,
    message: it.message,
    subject: it.subject,
    severity: e.severity,
    changeClass: it.changeClass,
    docPath: it.docTarget.path ?? it.docTarget.id ?? '',
    section: it.section,
    ...(it.docLine !== undefined ? { docLine: it.docLine } : {}),
    sources: e.sources.map((s) => ({ repo: s.repo, ...(s.number !== undefined ? { number: s.number } : {}), sha: s.sha })),
    ...(it.patch ? { patch: it.patch.diff } : {}),
  };
}
