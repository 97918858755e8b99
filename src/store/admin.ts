// The control plane's read queries (src/admin/ renders them): pending chains, the outbox,
// the audit log, evaluations and the dashboard's numbers. Every query is scoped to the
// installations the reader may see and walks an index of migrations/012_admin_indexes.ts.
// Chains carry no installation id: a chain belongs to the installation of its repo's
// owner (an installation is one account; a repo `owner/name` is in the owner's).
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Database, Db } from './database.js';
import { isPostgres, jsonTextField } from './dialect.js';

/** Which installations a reader may see: `all` (the admin token) or these, with their account logins. */
export type Scope = 'all' | ReadonlyArray<{ id: number; login: string }>;

export interface InstallationRow {
  id: number;
  accountLogin: string;
  accountType: string;
  status: string;
  repositories: string[];
}

export interface StepRow {
  stepKey: string;
  group: number;
  tierId: string;
  tierName: string;
  status: string;
  activatedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  sourceKind: string | null;
  reason: string | null;
}

export interface ChainSummary {
  id: number;
  key: string;
  repo: string;
  prNumber: number;
  headSha: string | null;
  lastHeadSha: string;
  severity: string;
  status: string;
  prAuthor: string;
  tiers: Record<string, { name: string; users: string[]; teams: string[]; packIds?: string[] }>;
  createdAt: string;
  updatedAt: string;
  supersededAt: string | null;
  steps: StepRow[];
}

export interface ActionSummary {
  id: number;
  installationId: number;
  kind: string;
  idempotencyKey: string;
  revision: number;
  repo: string;
  prNumber: number | null;
  headSha: string | null;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  reason: string | null;
  packId: string | null;
  awaitChain: string | null;
  createdAt: string;
  updatedAt: string;
  dispatchedAt: string | null;
}

export interface AuditSummary {
  id: number;
  at: string;
  installationId: number | null;
  actor: string;
  type: string;
  repo: string | null;
  subject: string;
  details: string;
}

export interface EvaluationSummary {
  installationId: number;
  repo: string;
  prNumber: number;
  headSha: string;
  evaluatedAt: string;
  gate: string;
  evaluation: string;
}

export interface Page<T> {
  items: T[];
  total?: number;
}

export type ChainSort = 'age' | 'severity';

export interface AuditQuery {
  type?: string;
  actor?: string;
  repo?: string;
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  /** Rows with an id below this (the next page of a newest-first walk). */
  before?: number;
  limit: number;
}

export interface ActionQuery {
  status?: string;
  kind?: string;
  repo?: string;
  offset: number;
  limit: number;
}

export interface DashboardNumbers {
  pendingChains: number;
  pendingSteps: number;
  /** Over actions finished (dispatched or failed) since `since`. */
  dispatched: number;
  failed: number;
  /** Finished actions that needed more than one attempt. */
  retried: number;
  /** Seconds from a head's first contracts-check proposal to its first concluded check on GitHub (the last 500 check revisions). */
  latencies: number[];
}

const SEVERITY_RANK = sql<number>`case approval_chains.severity when 'critical' then 4 when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end`;

/**
 * `repo` of one of the scope's accounts. SQLite: a range on the repo index (`owner/` ≤ repo <
 * `owner0`, its BINARY collation orders by code point). Postgres: starts_with, since a
 * database created with a linguistic collation (en_US.UTF-8) orders `acme/x` after `acme0`.
 */
function repoInScope(eb: ExpressionBuilder<Database, 'approval_chains'>, scope: Scope, pg: boolean): Expression<SqlBool> {
  if (scope === 'all') return sql<SqlBool>`1 = 1`;
  if (scope.length === 0) return sql<SqlBool>`1 = 0`;
  if (pg) return eb.or(scope.map((s) => sql<SqlBool>`starts_with(${eb.ref('approval_chains.repo')}, ${`${s.login}/`})`));
  return eb.or(scope.map((s) => eb.and([eb('approval_chains.repo', '>=', `${s.login}/`), eb('approval_chains.repo', '<', `${s.login}0`)])));
}

const ids = (scope: Scope) => (scope === 'all' ? undefined : scope.map((s) => s.id));

export class AdminQueries {
  private readonly pg: boolean;
  constructor(private readonly db: Db) {
    this.pg = isPostgres(db);
  }

  async installations(only?: readonly number[]): Promise<InstallationRow[]> {
    let q = this.db.selectFrom('installations').selectAll();
    if (only) q = only.length === 0 ? q.where(sql<SqlBool>`1 = 0`) : q.where('id', 'in', [...only]);
    const rows = await q.orderBy('account_login').execute();
    return rows.map((r) => ({ id: r.id, accountLogin: r.account_login, accountType: r.account_type, status: r.status, repositories: JSON.parse(r.repositories) as string[] }));
  }

  /** Current pending chains, oldest first (age) or most severe first, one page. */
  async pendingChains(scope: Scope, opts: { sort: ChainSort; desc: boolean; repo?: string; offset: number; limit: number }): Promise<Page<ChainSummary>> {
    let q = this.db
      .selectFrom('approval_chains')
      .where('approval_chains.status', '=', 'pending')
      .where('approval_chains.superseded_at', 'is', null)
      .where((eb) => repoInScope(eb, scope, this.pg));
    if (opts.repo) q = q.where('approval_chains.repo', '=', opts.repo);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    let rows = q.selectAll('approval_chains');
    const dir = opts.desc ? 'desc' : 'asc';
    if (opts.sort === 'severity') rows = rows.orderBy(SEVERITY_RANK, opts.desc ? 'asc' : 'desc').orderBy('approval_chains.created_at', 'asc');
    else rows = rows.orderBy('approval_chains.created_at', dir).orderBy('approval_chains.id', dir);
    const chains = await rows.limit(opts.limit).offset(opts.offset).execute();
    return { items: await this.withSteps(chains), total: Number(total?.n ?? 0) };
  }

  /** One chain (any state) if its repo is in scope. */
  async chain(scope: Scope, id: number): Promise<ChainSummary | undefined> {
    const rows = await this.db
      .selectFrom('approval_chains')
      .selectAll()
      .where('id', '=', id)
      .where((eb) => repoInScope(eb, scope, this.pg))
      .execute();
    return (await this.withSteps(rows))[0];
  }

  /** The other chains of the same PR (history), newest first. */
  async chainsOfPr(repo: string, prNumber: number): Promise<ChainSummary[]> {
    const rows = await this.db.selectFrom('approval_chains').selectAll().where('repo', '=', repo).where('pr_number', '=', prNumber).orderBy('id', 'desc').limit(20).execute();
    return this.withSteps(rows);
  }

  private async withSteps(rows: Array<Record<string, any>>): Promise<ChainSummary[]> {
    if (rows.length === 0) return [];
    const steps = await this.db
      .selectFrom('approval_steps')
      .selectAll()
      .where(
        'chain_id',
        'in',
        rows.map((r) => r.id as number),
      )
      .orderBy('chain_id')
      .orderBy('position')
      .execute();
    const byChain = new Map<number, StepRow[]>();
    for (const s of steps) {
      const list = byChain.get(s.chain_id) ?? [];
      list.push({
        stepKey: s.step_key,
        group: s.group_index,
        tierId: s.tier_id,
        tierName: s.tier_name,
        status: s.status,
        activatedAt: s.activated_at,
        decidedBy: s.decided_by,
        decidedAt: s.decided_at,
        sourceKind: s.source_kind,
        reason: s.reason,
      });
      byChain.set(s.chain_id, list);
    }
    return rows.map((r) => ({
      id: r.id,
      key: r.key,
      repo: r.repo,
      prNumber: r.pr_number,
      headSha: r.head_sha,
      lastHeadSha: r.last_head_sha,
      severity: r.severity,
      status: r.status,
      prAuthor: r.pr_author,
      tiers: JSON.parse(r.tiers),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      supersededAt: r.superseded_at,
      steps: byChain.get(r.id) ?? [],
    }));
  }

  /** The outbox, newest first. */
  async actions(scope: Scope, q: ActionQuery): Promise<Page<ActionSummary>> {
    const only = ids(scope);
    let base = this.db.selectFrom('actions');
    if (only) base = only.length === 0 ? base.where(sql<SqlBool>`1 = 0`) : base.where('installation_id', 'in', only);
    if (q.status) base = base.where('status', '=', q.status);
    if (q.kind) base = base.where('kind', '=', q.kind);
    if (q.repo) base = base.where('repo', '=', q.repo);
    const rows = await base.selectAll().orderBy('id', 'desc').limit(q.limit + 1).offset(q.offset).execute();
    return { items: rows.slice(0, q.limit).map(toAction), total: rows.length > q.limit ? q.offset + q.limit + 1 : q.offset + rows.length };
  }

  async action(scope: Scope, id: number): Promise<ActionSummary | undefined> {
    const only = ids(scope);
    const row = await this.db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row || (only && !only.includes(row.installation_id))) return undefined;
    return toAction(row);
  }

  /** What a chain released or holds: the actions of its PR (its head) and those waiting for it. */
  async actionsOfChain(chain: ChainSummary): Promise<ActionSummary[]> {
    const rows = await this.db
      .selectFrom('actions')
      .selectAll()
      .where((eb) => eb.or([eb('await_chain', '=', chain.key), eb.and([eb('repo', '=', chain.repo), eb('pr_number', '=', chain.prNumber)])]))
      .orderBy('id', 'desc')
      .limit(50)
      .execute();
    return rows.map(toAction).filter((a) => chain.headSha === null || a.headSha === null || a.headSha === chain.headSha || a.awaitChain === chain.key);
  }

  /** The audit log newest first, one page (cursor `before`). */
  async audit(scope: Scope, q: AuditQuery): Promise<AuditSummary[]> {
    const only = ids(scope);
    let base = this.db.selectFrom('audit_events').selectAll();
    if (only) base = only.length === 0 ? base.where(sql<SqlBool>`1 = 0`) : base.where('installation_id', 'in', only);
    if (q.type) base = q.type.endsWith('*') ? base.where('type', '>=', q.type.slice(0, -1)).where('type', '<', `${q.type.slice(0, -1)}\uffff`) : base.where('type', '=', q.type);
    if (q.actor) base = base.where('actor', '=', q.actor);
    if (q.repo) base = base.where('repo', '=', q.repo);
    if (q.since) base = base.where('at', '>=', q.since);
    if (q.until) base = base.where('at', '<=', q.until);
    if (q.before !== undefined) base = base.where('id', '<', q.before);
    const rows = await base.orderBy('id', 'desc').limit(q.limit).execute();
    return rows.map((r) => ({ id: r.id, at: r.at, installationId: r.installation_id, actor: r.actor, type: r.type, repo: r.repo, subject: r.subject, details: r.details }));
  }

  /** Of some installations' audit rows up to `upTo` (an id): the last one's id and how many (a scoped chain verification). */
  async auditRowsUpTo(installationIds: readonly number[], upTo: number): Promise<{ last?: number; count: number }> {
    if (installationIds.length === 0 || upTo < 1) return { count: 0 };
    const r = await this.db
      .selectFrom('audit_events')
      .select((eb) => [eb.fn.max('id').as('last'), eb.fn.countAll<number>().as('n')])
      .where('installation_id', 'in', [...installationIds])
      .where('id', '<=', upTo)
      .executeTakeFirst();
    const last = r?.last === null || r?.last === undefined ? undefined : Number(r.last);
    return { ...(last !== undefined ? { last } : {}), count: Number(r?.n ?? 0) };
  }

  /** The installation of one audit row (null: an app-wide row; undefined: no such row). */
  async auditRowInstallation(id: number): Promise<number | null | undefined> {
    const r = await this.db.selectFrom('audit_events').select('installation_id').where('id', '=', id).executeTakeFirst();
    return r ? r.installation_id : undefined;
  }

  private types: { at: number; list: string[] } | undefined;

  /** The distinct event types (for the filter's choices), read at most once a minute. */
  async auditTypes(): Promise<string[]> {
    if (this.types && Date.now() - this.types.at < 60_000) return this.types.list;
    const rows = await this.db.selectFrom('audit_events').select('type').distinct().orderBy('type').execute();
    this.types = { at: Date.now(), list: rows.map((r) => r.type) };
    return this.types.list;
  }

  /** An installation's latest evaluations. */
  async evaluations(installationId: number, limit: number): Promise<EvaluationSummary[]> {
    const rows = await this.db
      .selectFrom('contract_evaluations')
      .selectAll()
      .where('installation_id', '=', installationId)
      .orderBy('evaluated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ installationId: r.installation_id, repo: r.repo, prNumber: r.pr_number, headSha: r.head_sha, evaluatedAt: r.evaluated_at, gate: r.gate, evaluation: r.evaluation }));
  }

  async evaluation(repo: string, headSha: string): Promise<EvaluationSummary | undefined> {
    const r = await this.db.selectFrom('contract_evaluations').selectAll().where('repo', '=', repo).where('head_sha', '=', headSha).executeTakeFirst();
    return r ? { installationId: r.installation_id, repo: r.repo, prNumber: r.pr_number, headSha: r.head_sha, evaluatedAt: r.evaluated_at, gate: r.gate, evaluation: r.evaluation } : undefined;
  }

  /** The latest stored version of each pack of an installation (valid packs only: invalid ones are never recorded). */
  async packVersions(installationId: number): Promise<Array<{ packId: string; versionHash: string; sourceFile: string; configRepoSha: string; firstSeenAt: string }>> {
    const rows = await this.db
      .selectFrom('pack_versions')
      .select(['pack_id', 'version_hash', 'source_file', 'config_repo_sha', 'first_seen_at', 'id'])
      .where('installation_id', '=', installationId)
      .orderBy('id', 'desc')
      .limit(500)
      .execute();
    const latest = new Map<string, (typeof rows)[number]>();
    for (const r of rows) if (!latest.has(r.pack_id)) latest.set(r.pack_id, r);
    return [...latest.values()].map((r) => ({ packId: r.pack_id, versionHash: r.version_hash, sourceFile: r.source_file, configRepoSha: r.config_repo_sha, firstSeenAt: r.first_seen_at }));
  }

  /** The dashboard's numbers since `since` (ISO). */
  async dashboard(scope: Scope, since: string): Promise<DashboardNumbers> {
    const only = ids(scope);
    const pending = await this.db
      .selectFrom('approval_chains')
      .where('approval_chains.status', '=', 'pending')
      .where('approval_chains.superseded_at', 'is', null)
      .where((eb) => repoInScope(eb, scope, this.pg))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    // The waiting steps of the pending chains in scope (chain first: the steps by chain id).
    const steps = await this.db
      .selectFrom('approval_steps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('approval_steps.status', '=', 'active')
      .where('approval_steps.chain_id', 'in', (eb) =>
        eb
          .selectFrom('approval_chains')
          .select('approval_chains.id')
          .where('approval_chains.status', '=', 'pending')
          .where('approval_chains.superseded_at', 'is', null)
          .where((e) => repoInScope(e, scope, this.pg)),
      )
      .executeTakeFirst();
    let finished = this.db
      .selectFrom('actions')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>(sql`case when attempts > 1 then 1 else 0 end`).as('retried')])
      .where('status', 'in', ['dispatched', 'failed'])
      .where('updated_at', '>=', since);
    if (only) finished = only.length === 0 ? finished.where(sql<SqlBool>`1 = 0`) : finished.where('installation_id', 'in', only);
    const counts = await finished.groupBy('status').execute();
    const of = (s: string) => counts.find((c) => c.status === s);
    // Contracts checks created in the window: their first proposal (made while the webhook
    // is handled) to the first revision that concluded, dispatched.
    let checks = this.db
      .selectFrom('actions')
      .select(['idempotency_key', 'revision', 'created_at', 'dispatched_at', jsonTextField(this.db, 'payload', 'status').as('check_status')])
      .where('kind', '=', 'check_run.upsert')
      .where('created_at', '>=', since)
      .where('idempotency_key', 'like', '%:PuddleJumper / contracts');
    if (only) checks = only.length === 0 ? checks.where(sql<SqlBool>`1 = 0`) : checks.where('installation_id', 'in', only);
    const rows = await checks.orderBy('created_at', 'desc').limit(500).execute();
    const byKey = new Map<string, { first: string; concluded?: string }>();
    for (const r of rows) {
      const k = byKey.get(r.idempotency_key) ?? { first: r.created_at };
      if (r.created_at < k.first) k.first = r.created_at;
      if (r.check_status === 'completed' && r.dispatched_at && (!k.concluded || r.dispatched_at < k.concluded)) k.concluded = r.dispatched_at;
      byKey.set(r.idempotency_key, k);
    }
    const latencies = [...byKey.values()].filter((k) => k.concluded).map((k) => (Date.parse(k.concluded!) - Date.parse(k.first)) / 1000);
    return {
      pendingChains: Number(pending?.n ?? 0),
      pendingSteps: Number(steps?.n ?? 0),
      dispatched: Number(of('dispatched')?.n ?? 0),
      failed: Number(of('failed')?.n ?? 0),
      retried: counts.reduce((n, c) => n + Number(c.retried ?? 0), 0),
      latencies,
    };
  }
}

function toAction(r: Record<string, any>): ActionSummary {
  return {
    id: r.id,
    installationId: r.installation_id,
    kind: r.kind,
    idempotencyKey: r.idempotency_key,
    revision: r.revision,
    repo: r.repo,
    prNumber: r.pr_number,
    headSha: r.head_sha,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    reason: r.reason,
    packId: r.pack_id,
    awaitChain: r.await_chain,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    dispatchedAt: r.dispatched_at,
  };
}
