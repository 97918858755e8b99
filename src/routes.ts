// The composition root: builds the long-lived parts once (store repositories, the action
// outbox with its dispatchers, the audit log, the pack source, the membership cache) and
// maps each subscribed event to its use case with the narrow dependencies it takes.
import type { Probot } from 'probot';
import type { Db } from './store/database.js';
import type { Settings } from './config.js';
import type { EventRoutes, WebhookContext } from './app.js';
import { chainEventsMetrics, exportStoreGauges } from './metrics.js';
import { sqlStoreGauges } from './store/gauges.js';
import { sqlChainRepository } from './store/chains.js';
import { sqlCheckRunIds } from './store/check-runs.js';
import { ActionStore } from './store/actions.js';
import { sqlEvaluationRepository } from './store/evaluations.js';
import { sqlInstallationRepository } from './store/installations.js';
import { PackVersionsRepo } from './store/pack-versions.js';
import { AuditLog } from './governance/audit.js';
import { exportAuditHead } from './governance/metrics.js';
import { sqlAuditEvents } from './store/audit-events.js';
import { LocalPolicyProvider } from './governance/policy-provider.js';
import { ActionOutbox, Worker, type PipelineLog } from './governance/pipeline.js';
import { createDefaultRegistry } from './governance/dispatchers/index.js';
import type { Fetch } from './governance/dispatchers/http.js';
import type { RetryPolicy } from './governance/retry.js';
import type { GetOctokit, Octokit } from './github/octokit.js';
import { GitHubChangeSet } from './github/changeset.js';
import { PackSource, type PackSourceLog } from './github/pack-source.js';
import { MembershipCache, TeamMembership } from './github/team-membership.js';
import { fetchOpenPullRequest, listInstallationRepositories, listOpenPullRequests } from './github/pulls.js';
import { readComment, readInstallation, readPullRequestEvent, readPush, readRerequest, readReview } from './github/payloads.js';
import { defaultKnownTypes } from './usecases/known-types.js';
import type { ApprovalDeps } from './usecases/approval-steps.js';
import { evaluatePullRequest, type EvaluateDeps } from './usecases/evaluate-pull-request.js';
import { handleReview } from './usecases/handle-review.js';
import { handleComment } from './usecases/handle-comment.js';
import { onConfigPush, validateConfigCommit, type ValidateConfigDeps } from './usecases/config-repo.js';
import { recordInstallation } from './usecases/installations.js';
import { proposeReply, republishChain } from './usecases/publish-checks.js';
import { isWaiverLabel } from './usecases/waiver-label.js';
import type { PullRequest } from './change/changeset.js';

const EVALUATED_ACTIONS = new Set(['opened', 'synchronize', 'reopened', 'ready_for_review']);

export interface RouteDeps {
  app: Probot;
  db: Db;
  settings: Settings;
  now?: () => Date;
  /** Start the dispatch worker (production); tests drive the outbox themselves. */
  startWorker?: boolean;
  /** Overrides for tests (a fixed app slug, retry policies, fetch). */
  appSlug?: () => Promise<string>;
  retry?: Partial<Record<string, RetryPolicy>>;
  fetch?: Fetch;
}

export interface Wiring {
  routes: EventRoutes;
  outbox: ActionOutbox;
  audit: AuditLog;
  packs: PackSource;
  /** Dispatch what one delivery proposed (app.ts calls it once per delivery). */
  dispatch(installationId: number): Promise<number>;
  /** An installation's Octokit outside a webhook (the control plane). */
  getOctokit: GetOctokit;
  /** The approval use cases' dependencies for one installation, outside a webhook (the control plane). */
  approvalsFor(installationId: number): Promise<ApprovalDeps>;
}

export function wire(deps: RouteDeps): Wiring {
  const log = deps.app.log as unknown as PipelineLog & PackSourceLog;
  const now = deps.now ?? (() => new Date());
  const { settings, db } = deps;
  // A webhook's own (already authenticated) Octokit is remembered, so dispatching right
  // after an event costs no token request; background work falls back to app.auth.
  const known = new Map<number, Octokit>();
  const getOctokit: GetOctokit = async (id) => known.get(id) ?? ((await deps.app.auth(id)) as unknown as Octokit);
  const audit = new AuditLog(sqlAuditEvents(db), { now, log, key: settings.auditKey, checkpointEvery: settings.auditCheckpointEvery });
  exportAuditHead(audit);
  exportStoreGauges(sqlStoreGauges(db), now);
  if (settings.production && !settings.auditKey) {
    log.warn('PJ_AUDIT_KEY is not set: the audit log is a plain hash chain, so anyone who can write the database can forge or rewrite it undetected; set PJ_AUDIT_KEY to key it');
  }
  const chains = sqlChainRepository(db);
  const evaluations = sqlEvaluationRepository(db);
  const installations = sqlInstallationRepository(db);
  const actionRows = new ActionStore(db);
  const registry = createDefaultRegistry({
    checkRunIds: sqlCheckRunIds(db),
    resultOf: (key) => actionRows.resultOf(key),
    getOctokit,
    env: settings.env,
    now,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.retry ? { retry: deps.retry } : {}),
  });
  const outbox = new ActionOutbox({ db, registry, policy: new LocalPolicyProvider(audit), now, log, chains: { isApproved: async (key) => (await chains.byKey(key))?.chain.status === 'approved' } });
  const packs = new PackSource({ known: defaultKnownTypes(), log, configRepo: settings.configRepo, packsDir: settings.packsDir, versions: new PackVersionsRepo(db), now });
  const membership = new MembershipCache();
  const appSlug = deps.appSlug ?? memo(async () => ((await (await deps.app.auth()).request('GET /app')).data as { slug?: string } | undefined)?.slug ?? 'puddlejumper');
  const writeAudit = (e: Parameters<AuditLog['append']>[0]) => audit.append(e);
  if (deps.startWorker) new Worker(outbox, { intervalMs: settings.workerIntervalMs, log }).start();

  /** Everything one installation's use cases take, over the webhook's Octokit. */
  async function forInstallation(installationId: number, octokit: Octokit, owner: string) {
    known.set(installationId, octokit);
    const approvals: ApprovalDeps = {
      chains,
      now,
      appSlug: await appSlug(),
      isTeamMember: new TeamMembership(octokit, membership, { installationId }).forEvaluation().isTeamMember,
      audit: writeAudit,
      publish: (chain, headSha) => republishChain({ outbox, chains, evaluations }, installationId, chain, headSha),
      reply: (repo, issue, body) => proposeReply(outbox, now(), installationId, repo, issue, body),
      metrics: chainEventsMetrics,
      installationId,
    };
    const evaluate: EvaluateDeps = {
      packs: () => packs.load(octokit, installationId, owner),
      changes: (pr) => new GitHubChangeSet(octokit, pr),
      approvals,
      outbox,
      dispatchNow: () => outbox.dispatchDue(10, { installationId }),
      evaluations,
      audit: writeAudit,
      now,
    };
    const validate: ValidateConfigDeps = { packsAt: (sha) => packs.loadAt(octokit, owner, sha), outbox, audit: writeAudit };
    const evaluateNumber = async (repo: string, number: number) => {
      const pr = await fetchOpenPullRequest(octokit, installationId, repo, number);
      if (pr) await evaluatePullRequest(evaluate, pr);
    };
    return { approvals, evaluate, validate, evaluateNumber, octokit };
  }

  const isConfigRepo = (name: string) => name.toLowerCase() === settings.configRepo.toLowerCase();
  const ownerOf = (fullName: string) => fullName.slice(0, fullName.indexOf('/'));
  const octokitOf = (context: WebhookContext) => context.octokit as unknown as Octokit;

  const routes: EventRoutes = {
    async pull_request(context) {
      const e = readPullRequestEvent(context.payload);
      const s = await forInstallation(e.pr.installationId, octokitOf(context), ownerOf(e.pr.repo));
      // An edit matters only when it moved the base branch; a label only when it waives a check.
      const relevant =
        EVALUATED_ACTIONS.has(e.action) ||
        (e.action === 'edited' && e.baseChanged) ||
        ((e.action === 'labeled' || e.action === 'unlabeled') && isWaiverLabel(await s.evaluate.packs(), e.label));
      if (!relevant) return;
      if (isConfigRepo(e.repository.name)) await validateConfigCommit(s.validate, e.pr.installationId, e.pr.repo, e.pr.headSha, e.pr.number);
      else await evaluatePullRequest(s.evaluate, e.pr);
    },
    check_run: (context) => rerequested('check_run', context),
    check_suite: (context) => rerequested('check_suite', context),
    async push(context) {
      const push = readPush(context.payload);
      if (!isConfigRepo(push.repository.name)) return;
      const s = await forInstallation(push.installationId, octokitOf(context), ownerOf(push.repo));
      await onConfigPush(
        {
          ...s.validate,
          packsDir: packs.packsDir,
          reloadPacks: () => {
            packs.invalidate(push.installationId);
            return s.evaluate.packs();
          },
          governedRepos: async () =>
            ((await installations.repositories(push.installationId)) ?? (await listInstallationRepositories(s.octokit))).filter((r) => r.toLowerCase() !== push.repo.toLowerCase()),
          openPulls: (repo, limit) => listOpenPullRequests(s.octokit, push.installationId, repo, limit),
          evaluate: (pr: PullRequest) => evaluatePullRequest(s.evaluate, pr),
          log,
        },
        push,
      );
    },
    async pull_request_review(context) {
      const f = readReview(context.payload);
      if (!f) return;
      const s = await forInstallation(f.installationId, octokitOf(context), ownerOf(f.repo));
      await handleReview(s.approvals, f);
    },
    async issue_comment(context) {
      const f = readComment(context.payload);
      if (!f) return; // a comment on an issue, not a pull request
      const s = await forInstallation(f.installationId, octokitOf(context), ownerOf(f.repo));
      if ((await handleComment(s.approvals, f)).kind === 'recheck') await s.evaluateNumber(f.repo, f.prNumber);
    },
    installation: async (context) => recordInstallation(installations, readInstallation('installation', context.payload), now()),
    installation_repositories: async (context) => recordInstallation(installations, readInstallation('installation_repositories', context.payload), now()),
  };

  async function rerequested(event: 'check_run' | 'check_suite', context: WebhookContext): Promise<void> {
    const r = readRerequest(event, context.payload);
    if (r.action !== 'rerequested') return;
    const s = await forInstallation(r.installationId, octokitOf(context), ownerOf(r.repository.fullName));
    if (isConfigRepo(r.repository.name)) {
      await validateConfigCommit(s.validate, r.installationId, r.repository.fullName, r.headSha);
      return;
    }
    for (const n of r.prNumbers) await s.evaluateNumber(r.repository.fullName, n);
  }

  return {
    routes,
    outbox,
    audit,
    packs,
    dispatch: (installationId) => outbox.dispatchDue(50, { installationId }),
    getOctokit,
    approvalsFor: async (installationId) => (await forInstallation(installationId, await getOctokit(installationId), '')).approvals,
  };
}

function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}
