// The control plane's composition: the admin edge (src/admin/) gets the store's read
// queries and the operational use cases as functions — approve/reject through the approval
// use case, retry/cancel through the outbox, verification through the audit log, pack test
// runs through the test-run use case — all over the wiring routes.ts built.
import type { Settings } from './config.js';
import type { Db } from './store/database.js';
import type { Wiring } from './routes.js';
import { AdminQueries } from './store/admin.js';
import { AdminDriftQueries } from './store/admin-drift.js';
import { controlPlaneHandler, type Handler } from './admin/handler.js';
import type { AdminDeps, AdminLog, AuditVerification, PackStatus, StoredTestRun, TestRunResults, TestRunView } from './admin/deps.js';
import { scopeVerification } from './admin/verify-scope.js';
import { sqlTestRunStore, type TestRunStore } from './store/admin-test-runs.js';
import type { Fetch } from './admin/oauth.js';
import { adminDecide } from './usecases/admin-decide.js';
import { runPackTest, type TestRunDocs } from './usecases/test-run.js';
import type { SpecOpsReader } from './drift/detectors/api-reference.js';
import { GitHubChangeSet } from './github/changeset.js';
import { fetchPullRequest, listRecentPullRequests, resolveRef } from './github/test-run-reads.js';
import type { LoadedPack } from './packs/types.js';

export interface ControlPlaneOptions {
  wiring: Wiring;
  db: Db;
  settings: Settings;
  now?: () => Date;
  log?: AdminLog;
  fetch?: Fetch;
}

export function controlPlaneDeps(o: ControlPlaneOptions): AdminDeps {
  const { wiring, settings } = o;
  const now = o.now ?? (() => new Date());
  const queries = new AdminQueries(o.db);
  return {
    settings: settings.admin,
    queries,
    drift: new AdminDriftQueries(o.db),
    now,
    // In the database: the result page works on whichever replica the redirect reaches.
    testRunResults: testRunResultsIn(sqlTestRunStore(o.db)),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.log ? { log: o.log } : {}),
    async decide(installationId, input) {
      const outcome = await adminDecide(await wiring.approvalsFor(installationId), input);
      // What the decision proposed (the re-published checks, released actions) goes out now,
      // as after a webhook delivery.
      await wiring.dispatch(installationId).catch((err: unknown) => o.log?.error({ err }, 'control plane: dispatch after a decision failed'));
      if (outcome.kind === 'changed') {
        const what = outcome.events.filter((e) => e.type === 'step_approved' || e.type === 'step_rejected').map((e) => ('tierName' in e ? e.tierName : ''));
        return { ok: true, message: `${input.kind === 'approve' ? 'Approved' : 'Rejected'} ${what.join(', ') || input.stepId} as @${input.login}` };
      }
      return { ok: false, reason: 'reason' in outcome ? outcome.reason : `nothing changed (${outcome.kind})` };
    },
    async retryAction(id, actor, installationId) {
      const r = await wiring.outbox.retryNow(id, actor, installationId !== undefined ? { installationId } : {});
      if (!r.ok) return { ok: false, reason: r.reason };
      await wiring.dispatch(r.action.installationId);
      const after = await wiring.outbox.get(id);
      return { ok: true, message: `Action ${id} retried: it is ${after?.status ?? 'queued'}` };
    },
    async cancelAction(id, actor, reason, installationId) {
      const r = await wiring.outbox.cancel(id, actor, reason, installationId !== undefined ? { installationId } : {});
      return r.ok ? { ok: true, message: `Action ${id} cancelled` } : { ok: false, reason: r.reason };
    },
    async verifyAudit(scope) {
      const r = await wiring.audit.verify();
      const full: AuditVerification = r.ok ? { ok: true, upTo: r.head?.sequence ?? 0, count: r.count } : { ok: false, upTo: Math.max(0, r.brokenAt - 1), count: r.count, brokenAt: r.brokenAt, reason: r.reason };
      if (scope === 'all') return full;
      // A viewer of some installations learns about their own rows only (admin/verify-scope.ts).
      const ids = scope.map((i) => i.id);
      const own = await queries.auditRowsUpTo(ids, full.upTo);
      const breakOwner = r.ok ? undefined : await queries.auditRowInstallation(r.brokenAt);
      return scopeVerification(full, own, typeof breakOwner === 'number' && ids.includes(breakOwner));
    },
    async packs(installationId, account): Promise<PackStatus> {
      const octokit = await wiring.getOctokit(installationId);
      const set = await wiring.packs.load(octokit, installationId, account);
      return {
        ...(set.sha ? { configSha: set.sha } : {}),
        packs: set.packs.map(packStatus),
        errors: set.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.message}`),
      };
    },
    async testRun(input, account): Promise<TestRunView> {
      const octokit = await wiring.getOctokit(input.installationId);
      const sha = input.ref ? await resolveRef(octokit, account, settings.configRepo, input.ref) : undefined;
      return runPackTest(
        {
          packs: () => (sha ? wiring.packs.loadAt(octokit, account, sha) : wiring.packs.load(octokit, input.installationId, account)),
          pulls: async () => (input.pr !== undefined ? [await fetchPullRequest(octokit, input.installationId, input.repo, input.pr)] : listRecentPullRequests(octokit, input.installationId, input.repo, input.last ?? 10)),
          changes: (pr) => new GitHubChangeSet(octokit, pr),
          // Track B's own doc reads (github, Confluence): what its check and its flush read,
          // each doc parsed in a worker within PJ_PARSE_DEADLINE_MS; the PRs' specs likewise.
          ...trackB(wiring.drift.deps({ installationId: input.installationId, octokit, owner: account })),
          ...(wiring.openapi ? { openapi: wiring.openapi } : {}),
          now,
        },
        input.pack,
      );
    },
  };
}

/** Track B's doc reads and spec reader, as its own check uses them. */
function trackB(d: { docs: TestRunDocs; specOps?: SpecOpsReader }): { docs: TestRunDocs; specOps?: SpecOpsReader } {
  return { docs: d.docs, ...(d.specOps ? { specOps: d.specOps } : {}) };
}

function testRunResultsIn(store: TestRunStore): TestRunResults {
  return {
    put: (id, run, now) => store.put(id, run, now),
    get: async (id, now) => (await store.get(id, now)) as StoredTestRun | undefined, // the view as put
  };
}

export function controlPlane(o: ControlPlaneOptions): Handler {
  return controlPlaneHandler(controlPlaneDeps(o));
}

/** What a pack governs, in words. */
function packStatus(p: LoadedPack): PackStatus['packs'][number] {
  if (!p.valid) {
    return { id: p.id ?? p.file, file: p.file, valid: false, errors: p.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.message}`), repos: p.scope ? scopeText(p.scope, p.repoAllowlist, p.pathGlobs) : 'every repo (scope unreadable: fails closed)' };
  }
  const pack = p.pack;
  return { id: pack.id, file: p.file, name: pack.name, status: pack.status, versionHash: p.versionHash, valid: true, errors: [], repos: scopeText(pack.scope, pack.repoAllowlist, pack.pathGlobs) };
}

function scopeText(scope: { type: string; ref?: string }, allow?: string[], globs?: string[]): string {
  const base = scope.type === 'workspace' ? 'every repo of the installation' : scope.type === 'repo' ? `${scope.ref}` : `service ${scope.ref}`;
  return [base, allow && allow.length > 0 ? `only ${allow.join(', ')}` : '', globs && globs.length > 0 ? `paths ${globs.join(', ')}` : ''].filter(Boolean).join('; ');
}
