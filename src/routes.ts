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
import { sqlDismissedReviews, sqlReplyLimits } from './store/approval-inputs.js';
import { sqlCheckRunIds } from './store/check-runs.js';
import { ActionStore } from './store/actions.js';
import { sqlEvaluationRepository } from './store/evaluations.js';
import { sqlInstallationRepository } from './store/installations.js';
import { prunePackCache, sqlPackCache, type PackCachePruned } from './store/pack-cache.js';
import { PackVersionsRepo } from './store/pack-versions.js';
import { AuditLog } from './governance/audit.js';
import { exportAuditHead } from './governance/metrics.js';
import { sqlAuditEvents } from './store/audit-events.js';
import { LocalPolicyProvider } from './governance/policy-provider.js';
import { ActionOutbox, Worker, type PipelineLog } from './governance/pipeline.js';
import { createDefaultRegistry, type DefaultRegistryOptions } from './governance/dispatchers/index.js';
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
import { closePullRequest, evaluatePullRequest, type EvaluateDeps } from './usecases/evaluate-pull-request.js';
import { handleReview } from './usecases/handle-review.js';
import { handleComment } from './usecases/handle-comment.js';
import { onConfigPush, validateConfigCommit, type ValidateConfigDeps } from './usecases/config-repo.js';
import { recordInstallation } from './usecases/installations.js';
import { proposeReply, republishChain } from './usecases/publish-checks.js';
import { isWaiverLabel } from './usecases/waiver-label.js';
import { DeliveryNotifications, notifyActionFailed, notifyActionRecovered, notifyDriftDispatched, notifyPacksOf, sweepEscalations, type NotifyDeps, type SweepResult } from './usecases/notify.js';
import { sqlNotificationQueries } from './store/notifications.js';
import type { ChangeSet, PullRequest } from './change/changeset.js';
import type { Untrusted } from './sandbox/untrusted.js';
import type { OpenApiEngine } from './contracts/comparators/types.js';
import type { PackSet } from './packs/types.js';
import { wireDrift, type DriftWiring, type InstallationScope } from './routes-drift.js';
import { onProposalComment, onProposalIssueDispatched, proposalDecided, type ProposalDeps } from './usecases/drift-proposal.js';
import { readIssueComment } from './github/drift-payloads.js';

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
  /** Untrusted documents (PR specs, config-repo PR packs) parsed off the event loop (src/sandbox); default in-process. */
  untrusted?: Pick<Untrusted, 'openapi' | 'packs' | 'markdown' | 'specOps'>;
  /** Notification endpoints and seams for tests (a fake Slack API, PagerDuty, DNS, a short webhook timeout). */
  notifyEndpoints?: Pick<DefaultRegistryOptions, 'slackApiBase' | 'pagerDutyEventsUrl' | 'resolve' | 'createMailTransport' | 'webhookTimeoutMs'>;
  /** How often the escalation sweep runs beside the worker (with startWorker). Default 10 minutes. */
  escalationIntervalMs?: number;
}

export interface Wiring {
  routes: EventRoutes;
  outbox: ActionOutbox;
  audit: AuditLog;
  packs: PackSource;
  /** Track B: its routes and the sweep of due accumulation windows. */
  drift: DriftWiring;
  /** Dispatch what one delivery proposed (app.ts calls it once per delivery). */
  dispatch(installationId: number): Promise<number>;
  /** An installation's Octokit outside a webhook (the control plane). */
  getOctokit: GetOctokit;
  /** The approval use cases' dependencies for one installation, outside a webhook (the control plane). */
  approvalsFor(installationId: number): Promise<ApprovalDeps>;
  /** One escalation sweep at the wiring's clock (the worker runs it periodically; tests call it). */
  escalate(): Promise<SweepResult>;
  /** One prune of the shared pack cache at the wiring's clock (the worker runs it hourly). */
  prunePackCache(): Promise<PackCachePruned>;
  /** The OpenAPI engine of untrusted specs (workers with a deadline), when the app has one: pack test runs use it too. */
  openapi?: OpenApiEngine;
}

const ESCALATION_INTERVAL_MS = 10 * 60_000;
const PACK_CACHE_PRUNE_INTERVAL_MS = 60 * 60_000;

export function wire(deps: RouteDeps): Wiring {
  const log = deps.app.log as unknown as PipelineLog & PackSourceLog;
  const now = deps.now ?? (() => new Date());
  const { settings, db } = deps;
  const ownerOf = (fullName: string) => fullName.slice(0, fullName.indexOf('/'));
  // Writes go through `app.auth(id)`, never a webhook's own Octokit: Probot builds an event's
  // Octokit without the installation as its throttle id, so its writes were paced under one
  // key ("no-id") shared by every installation — one write a second for the whole app (and,
  // with the pacing shared on Postgres, for the whole fleet). The installation token is
  // cached by the App's auth either way: this costs no token request.
  const getOctokit: GetOctokit = async (id) => (await deps.app.auth(id)) as unknown as Octokit;
  const audit = new AuditLog(sqlAuditEvents(db), { now, log, key: settings.auditKey, checkpointEvery: settings.auditCheckpointEvery });
  exportAuditHead(audit);
  exportStoreGauges(sqlStoreGauges(db), now);
  if (settings.production && !settings.auditKey) {
    log.warn('PJ_AUDIT_KEY is not set: the audit log is a plain hash chain, so anyone who can write the database can forge or rewrite it undetected; set PJ_AUDIT_KEY to key it');
  }
  const chains = sqlChainRepository(db);
  const replyLimits = sqlReplyLimits(db);
  const dismissedReviews = sqlDismissedReviews(db);
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
    ...deps.notifyEndpoints,
  });
  // Notifications: planned from what the use cases report, proposed into the outbox (usecases/notify.ts).
  // The outbox tells them about permanent failures and recoveries; their errors never change an outcome.
  const outbox: ActionOutbox = new ActionOutbox({
    db,
    registry,
    policy: new LocalPolicyProvider(audit),
    now,
    log,
    chains: { isApproved: async (key) => (await chains.byKey(key))?.chain.status === 'approved' },
    hooks: {
      failed: async (action) => void (await notifyActionFailed(notify, action)),
      dispatched: async (action) => {
        // Each on its own: one failing never keeps the others from running.
        const outcomes = await Promise.allSettled([notifyActionRecovered(notify, action), notifyDriftDispatched(notify, action), onProposalIssueDispatched(proposals, action)]);
        for (const o of outcomes) if (o.status === 'rejected') log.error({ err: o.reason, actionId: action.id }, 'an outcome of a dispatched action failed');
      },
    },
  });
  const packs = new PackSource({
    known: defaultKnownTypes(),
    log,
    configRepo: settings.configRepo,
    packsDir: settings.packsDir,
    versions: new PackVersionsRepo(db),
    shared: sqlPackCache(db),
    now,
    ...(deps.untrusted ? { parseAt: (files, sha) => deps.untrusted!.packs(files, sha) } : {}),
  });
  const notify: NotifyDeps = {
    outbox,
    queries: sqlNotificationQueries(db),
    chains,
    evaluations,
    packs: async (installationId, repo) => notifyPacksOf(await packs.load(await getOctokit(installationId), installationId, ownerOf(repo))),
    now,
    ...(settings.githubBaseUrl !== 'https://api.github.com' ? { serverUrl: settings.githubBaseUrl.replace(/\/api\/v3$/, '') } : {}),
    log,
  };
  const writeAudit = (...event: Parameters<AuditLog['append']>) => audit.append(...event);
  const proposals: ProposalDeps = { chains, packs: async (id, owner) => packs.load(await getOctokit(id), id, owner), now, audit: writeAudit };
  const membership = new MembershipCache();
  const appSlug = deps.appSlug ?? memo(async () => ((await (await deps.app.auth()).request('GET /app')).data as { slug?: string } | undefined)?.slug ?? 'puddlejumper');
  const drift = wireDrift({ db, outbox, audit: writeAudit, now, loadPacks: (o, id, owner) => packs.load(o, id, owner), getOctokit, env: settings.env, ...(deps.fetch ? { fetch: deps.fetch } : {}), ...(deps.untrusted ? { parseDoc: (path, text) => deps.untrusted!.markdown(path, text), specOps: (spec, read) => deps.untrusted!.specOps(spec, read) } : {}), log });
  // PRs the sweep found closed (a closed PR does not reopen often; its chain is not escalated).
  const closed = new Set<string>();
  const isOpen = async (installationId: number, repo: string, prNumber: number) => {
    const key = `${installationId}:${repo}#${prNumber}`;
    if (closed.has(key)) return false;
    const open = (await fetchOpenPullRequest(await getOctokit(installationId), installationId, repo, prNumber)) !== undefined;
    if (!open) closed.add(key);
    return open;
  };
  const escalate = () => sweepEscalations({ ...notify, isOpen }, now());
  const prunePacks = () => prunePackCache(db, new Date(now().getTime() - settings.packCacheRetentionDays * 24 * 3_600_000));
  if (deps.startWorker) {
    new Worker(outbox, { intervalMs: settings.workerIntervalMs, log }).start();
    every(deps.escalationIntervalMs ?? ESCALATION_INTERVAL_MS, escalate, log, 'escalation sweep');
    // Due drift windows are flushed beside the outbox worker (the flush proposes actions it dispatches).
    every(settings.workerIntervalMs, () => drift.sweep(), log, 'drift sweep');
    // Every replica prunes (deletes only: safe at once; a row removed and wanted again is re-read from GitHub).
    every(PACK_CACHE_PRUNE_INTERVAL_MS, prunePacks, log, 'pack cache prune');
  }

  /** Everything one installation's use cases take, over the webhook's Octokit. */
  async function forInstallation(installationId: number, octokit: Octokit, owner: string) {
    // One pack load and one ChangeSet per PR head per delivery, shared by Track A, Track B and
    // the notifications this delivery plans (no second request).
    let loaded: Promise<PackSet> | undefined;
    const loadPacks = () => (loaded = packs.load(octokit, installationId, owner));
    const changeSets = new Map<string, ChangeSet>();
    const changesOf = (pr: PullRequest) => {
      const key = `${pr.repo}#${pr.number}@${pr.headSha}`;
      let c = changeSets.get(key);
      if (!c) changeSets.set(key, (c = new GitHubChangeSet(octokit, pr)));
      return c;
    };
    const scope: InstallationScope = { installationId, octokit, owner, packs: () => loaded ?? loadPacks(), changes: changesOf };
    const notes = new DeliveryNotifications({ ...notify, packs: async () => notifyPacksOf(await (loaded ?? loadPacks())) }, installationId);
    const approvals: ApprovalDeps = {
      chains,
      now,
      appSlug: await appSlug(),
      isTeamMember: new TeamMembership(octokit, membership, { installationId }).forEvaluation().isTeamMember,
      audit: writeAudit,
      publish: (chain, headSha) => republishChain({ outbox, chains, evaluations }, installationId, chain, headSha),
      reply: (repo, issue, body) => proposeReply(outbox, now(), installationId, repo, issue, body),
      replyLimits,
      dismissedReviews,
      metrics: chainEventsMetrics,
      installationId,
      notify: notes,
    };
    const evaluate: EvaluateDeps = {
      packs: loadPacks,
      changes: changesOf,
      approvals,
      outbox,
      dispatchNow: () => outbox.dispatchDue(10, { installationId }),
      evaluations,
      audit: writeAudit,
      now,
      currentHead: async (pr) => (await fetchOpenPullRequest(octokit, installationId, pr.repo, pr.number))?.headSha,
      requireConfig: settings.requireConfig,
      extraApproval: (pr) => drift.approval(pr, scope),
      ...(deps.untrusted ? { openapi: deps.untrusted.openapi } : {}),
    };
    const validate: ValidateConfigDeps = { packsAt: (sha) => packs.loadAt(octokit, owner, sha), outbox, audit: writeAudit };
    /** Evaluates a PR head; a contracts check that blocks is told (contracts.blocked). */
    const evaluatePr = async (pr: PullRequest, options?: Parameters<typeof evaluatePullRequest>[2]) => {
      const outcome = await evaluatePullRequest(evaluate, pr, options);
      notes.evaluated(pr, outcome.chain);
    };
    const evaluateNumber = async (repo: string, number: number) => {
      const pr = await fetchOpenPullRequest(octokit, installationId, repo, number);
      if (pr) await evaluatePr(pr, { fresh: true });
    };
    /** Runs a use case, then plans its notifications (after its check runs were proposed, so they go out first). */
    const run = async (work: () => Promise<unknown>) => {
      try {
        await work();
      } finally {
        await notes.flush();
      }
    };
    return { approvals, evaluate, validate, evaluatePr, evaluateNumber, run, octokit, scope };
  }

  const isConfigRepo = (name: string) => name.toLowerCase() === settings.configRepo.toLowerCase();
  const octokitOf = (context: WebhookContext) => context.octokit as unknown as Octokit;

  const routes: EventRoutes = {
    async pull_request(context) {
      const e = readPullRequestEvent(context.payload);
      const s = await forInstallation(e.pr.installationId, octokitOf(context), ownerOf(e.pr.repo));
      if (!isConfigRepo(e.repository.name)) await drift.pullRequest(context.payload, s.scope);
      // A closed PR no longer has a say in its head's checks: the other open PRs at it decide them.
      if (e.action === 'closed' && !isConfigRepo(e.repository.name)) return closePullRequest(s.evaluate, e.pr);
      // An edit matters only when it moved the base branch; a label only when it waives a check.
      const relevant =
        EVALUATED_ACTIONS.has(e.action) ||
        (e.action === 'edited' && e.baseChanged) ||
        ((e.action === 'labeled' || e.action === 'unlabeled') && isWaiverLabel(await s.evaluate.packs(), e.label));
      if (!relevant) return;
      if (isConfigRepo(e.repository.name)) await validateConfigCommit(s.validate, e.pr.installationId, e.pr.repo, e.pr.headSha, e.pr.number);
      else
        await s.run(async () => {
          await s.evaluatePr(e.pr);
          await drift.preview(e.pr, s.scope);
        });
    },
    check_run: (context) => rerequested('check_run', context),
    check_suite: (context) => rerequested('check_suite', context),
    async push(context) {
      const push = readPush(context.payload);
      const s = await forInstallation(push.installationId, octokitOf(context), ownerOf(push.repo));
      if (!isConfigRepo(push.repository.name)) return drift.push(context.payload, s.scope);
      await s.run(() => onConfigPush(
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
          evaluate: (pr: PullRequest) => s.evaluatePr(pr, { fresh: true }),
          log,
        },
        push,
      ));
    },
    async pull_request_review(context) {
      const f = readReview(context.payload);
      if (!f) return;
      const s = await forInstallation(f.installationId, octokitOf(context), ownerOf(f.repo));
      await s.run(() => handleReview(s.approvals, f));
    },
    async issue_comment(context) {
      const f = readComment(context.payload);
      if (!f) return proposalComment(context); // a comment on an issue, not a pull request
      const s = await forInstallation(f.installationId, octokitOf(context), ownerOf(f.repo));
      await s.run(async () => {
        if ((await handleComment(s.approvals, f)).kind === 'recheck') await s.evaluateNumber(f.repo, f.prNumber);
      });
    },
    async issues(context) {
      const p = context.payload as { installation?: { id: number }; repository?: { full_name: string } };
      if (!p.installation || !p.repository) return;
      const s = await forInstallation(p.installation.id, octokitOf(context), ownerOf(p.repository.full_name));
      await drift.issues(context.payload, s.scope);
    },
    installation: async (context) => recordInstallation(installations, readInstallation('installation', context.payload), now()),
    installation_repositories: async (context) => recordInstallation(installations, readInstallation('installation_repositories', context.payload), now()),
  };

  /** A comment on an issue: `/approve` on a Confluence proposal issue decides the chain its update waits for. */
  async function proposalComment(context: WebhookContext): Promise<void> {
    const f = readIssueComment(context.payload);
    if (!f) return;
    const s = await forInstallation(f.installationId, octokitOf(context), ownerOf(f.repo));
    const publish: ApprovalDeps['publish'] = (chain) => proposalDecided(outbox, f.installationId, chain);
    await s.run(() => onProposalComment({ ...s.approvals, publish }, f));
  }

  async function rerequested(event: 'check_run' | 'check_suite', context: WebhookContext): Promise<void> {
    const r = readRerequest(event, context.payload);
    if (r.action !== 'rerequested') return;
    const s = await forInstallation(r.installationId, octokitOf(context), ownerOf(r.repository.fullName));
    if (isConfigRepo(r.repository.name)) {
      await validateConfigCommit(s.validate, r.installationId, r.repository.fullName, r.headSha);
      return;
    }
    await s.run(async () => {
      for (const n of r.prNumbers) await s.evaluateNumber(r.repository.fullName, n);
    });
  }

  return {
    routes,
    outbox,
    audit,
    packs,
    drift,
    dispatch: (installationId) => outbox.dispatchDue(50, { installationId }),
    escalate,
    prunePackCache: prunePacks,
    getOctokit,
    approvalsFor: async (installationId) => (await forInstallation(installationId, await getOctokit(installationId), '')).approvals,
    ...(deps.untrusted ? { openapi: deps.untrusted.openapi } : {}),
  };
}

/** Runs `task` every `ms` (never two at once); a failure is logged and the next run goes on. */
function every(ms: number, task: () => Promise<unknown>, log: PipelineLog, what: string): void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((err: unknown) => log.error({ err }, `${what} failed`))
      .finally(() => {
        running = false;
      });
  }, ms);
  timer.unref?.();
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
