// The long-lived services of one process, built once: the pack source (cached by
// config-repo sha), the governance pipeline with its dispatchers, the audit log, and
// the team-membership cache. Webhook use cases receive this bundle.
import type { Db } from '../store/database.js';
import { PackSource, type PackSourceLog } from '../packs/github-source.js';
import { defaultKnownTypes } from '../packs/default-known-types.js';
import { AuditLog } from '../governance/audit.js';
import { exportAuditHead } from '../governance/metrics.js';
import { sqlAuditEvents } from '../store/audit-events.js';
import { LocalPolicyProvider } from '../governance/policy-provider.js';
import { GovernancePipeline, type PipelineLog } from '../governance/pipeline.js';
import { createDefaultRegistry } from '../governance/dispatchers/index.js';
import type { Fetch } from '../governance/dispatchers/http.js';
import type { GetOctokit, Octokit } from '../governance/octokit.js';
import type { RetryPolicy } from '../governance/retry.js';
import { approvalsChainGate } from '../approvals/service.js';
import { MembershipCache } from '../approvals/team-membership.js';

export type Log = PipelineLog & PackSourceLog;

export interface ServiceOptions {
  db: Db;
  configRepo: string;
  packsDir: string;
  env: Record<string, string | undefined>;
  /** An installation Octokit when no webhook has brought one (background dispatch). */
  auth: GetOctokit;
  /** The App's slug: its bot account never approves. */
  appSlug: () => Promise<string>;
  log: Log;
  now?: () => Date;
  fetch?: Fetch;
  retry?: Partial<Record<string, RetryPolicy>>;
  /** PJ_AUDIT_KEY and PJ_AUDIT_CHECKPOINT_EVERY. */
  audit?: { key?: string; checkpointEvery?: number };
}

export interface Services {
  db: Db;
  packs: PackSource;
  pipeline: GovernancePipeline;
  audit: AuditLog;
  policy: LocalPolicyProvider;
  membership: MembershipCache;
  octokits: InstallationOctokits;
  appSlug: () => Promise<string>;
  now: () => Date;
  log: Log;
}

/**
 * The Octokit each installation's work goes through. A webhook's own (already
 * authenticated) Octokit is remembered, so dispatching right after an event costs no
 * token request; background work falls back to `auth`.
 */
export class InstallationOctokits {
  private readonly known = new Map<number, Octokit>();
  constructor(private readonly auth: GetOctokit) {}

  remember(installationId: number, octokit: Octokit): void {
    this.known.set(installationId, octokit);
  }

  get: GetOctokit = async (installationId) => this.known.get(installationId) ?? this.auth(installationId);
}

export function createServices(o: ServiceOptions): Services {
  const now = o.now ?? (() => new Date());
  const octokits = new InstallationOctokits(o.auth);
  const audit = new AuditLog(sqlAuditEvents(o.db), { now, log: o.log, ...o.audit });
  exportAuditHead(audit);
  const policy = new LocalPolicyProvider(audit);
  const registry = createDefaultRegistry({
    db: o.db,
    getOctokit: octokits.get,
    env: o.env,
    now,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
  });
  const pipeline = new GovernancePipeline({ db: o.db, registry, policy, now, log: o.log, chains: approvalsChainGate(o.db) });
  const packs = new PackSource({
    known: defaultKnownTypes(),
    log: o.log,
    configRepo: o.configRepo,
    packsDir: o.packsDir,
    db: o.db,
    now,
  });
  return {
    db: o.db,
    packs,
    pipeline,
    audit,
    policy,
    membership: new MembershipCache(),
    octokits,
    appSlug: o.appSlug,
    now,
    log: o.log,
  };
}
