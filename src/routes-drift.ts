// Track B's part of the composition root (routes.ts calls it): the doc targets, the store,
// and the mapping of the events Track B listens to onto its use cases:
//   pull_request.closed (merged)          -> onDriftSignal (a merged change)
//   pull_request.closed on our branch     -> onRemediationClosed (merged: done; else ignore its items)
//   pull_request.synchronize on our branch by a person -> onRemediationPushed (stop updating)
//   pull_request opened/synchronize/...   -> previewDrift (the `PuddleJumper / drift` check)
//   every evaluation of a remediation PR  -> remediationApproval (its chain, as for Track A)
//   push to a default branch (not the config repo) -> onDriftSignal, and onDocRepoChanged
//                                         (remediation items resolved there: PR rebuilt or closed)
//   issues.edited on a digest             -> onDigestEdited (a ticked box)
//   the worker's interval                 -> sweepDriftWindows
import type { PullRequest } from './change/changeset.js';
import type { ChangeSet } from './change/changeset.js';
import { docKey, type DocTarget } from './drift/item.js';
import type { AuditEventInput } from './governance/audit.js';
import { ConfluenceClient, type ConfluenceFetch } from './governance/dispatchers/confluence.js';
import { projectStorage } from './drift/storage-format.js';
import { GitHubChangeSet } from './github/changeset.js';
import { GitHubCompareChangeSet } from './github/compare-changeset.js';
import { GitHubDocs } from './github/docs.js';
import { readIssueEdit, readPullRequestSignal, readPushSignal } from './github/drift-payloads.js';
import type { Octokit } from './github/octokit.js';
import type { ParsedDoc } from './sandbox/untrusted.js';
import type { SpecOpsReader } from './drift/detectors/api-reference.js';
import type { PackSet } from './packs/types.js';
import type { Db } from './store/database.js';
import { sqlDriftStore } from './store/drift.js';
import { DRIFT_BRANCH_PREFIX, type DocTargets, type DriftDeps } from './usecases/drift-deps.js';
import { previewDrift } from './usecases/drift-preview.js';
import { remediationApproval } from './usecases/drift-approval.js';
import { onDigestEdited, onRemediationClosed, onRemediationPushed } from './usecases/drift-remediation.js';
import { onDriftSignal } from './usecases/drift-signal.js';
import { sweepDriftWindows } from './usecases/drift-sweep.js';
import { onDocRepoChanged } from './usecases/drift-resolve.js';
import type { Outbox } from './usecases/publish-checks.js';

export interface DriftWiringDeps {
  db: Db;
  outbox: Outbox;
  audit(event: AuditEventInput): Promise<unknown>;
  now: () => Date;
  /** The installation's packs over an Octokit (the pack source). */
  loadPacks(octokit: Octokit, installationId: number, owner: string): Promise<PackSet>;
  /** An installation's Octokit for background work (the sweep). */
  getOctokit(installationId: number): Promise<Octokit>;
  env: Record<string, string | undefined>;
  fetch?: ConfluenceFetch;
  log: { error(obj: unknown, msg?: string): void };
  /**
   * Parses a doc off the event loop within the deadline (src/sandbox: Untrusted.markdown):
   * the only parse of it — the detectors read that parse; a doc that takes longer is read as
   * unavailable, with why. Without it (tests, tools) a doc is parsed where it is read.
   */
  parseDoc?: (path: string, text: string) => Promise<ParsedDoc>;
  /** Reads a changed spec's operations (api_reference) off the event loop within the deadline (src/sandbox: Untrusted.specOps). */
  specOps?: SpecOpsReader;
}

export interface InstallationScope {
  installationId: number;
  octokit: Octokit;
  owner: string;
  /** The packs this delivery already loaded, else a load (no second conditional request per delivery). */
  packs?: () => Promise<PackSet>;
  /** The ChangeSet this delivery already built for a PR (its file list is read once). */
  changes?: (pr: PullRequest) => ChangeSet;
}

export function wireDrift(o: DriftWiringDeps) {
  const store = sqlDriftStore(o.db);
  const githubDocs = new GitHubDocs();
  const confluence = new ConfluenceClient({ env: o.env, ...(o.fetch ? { fetch: o.fetch } : {}) });

  function deps(scope: InstallationScope): DriftDeps {
    // A doc is read once per delivery (detection and flush see the same text and version).
    const reads = new Map<string, ReturnType<DocTargets['read']>>();
    const docs: DocTargets = {
      read(target: DocTarget) {
        const key = docKey(target);
        let r = reads.get(key);
        if (!r) reads.set(key, (r = readDoc(target).then((doc) => vetted(target, doc))));
        return r;
      },
      readAt: (target, ref) => (target.system === 'github' && target.repo && target.path ? githubDocs.read(scope.octokit, target.repo, target.path, ref) : Promise.resolve({ unavailable: 'only a github doc has earlier commits' })),
    };
    async function vetted(target: DocTarget, doc: Awaited<ReturnType<DocTargets['read']>>): ReturnType<DocTargets['read']> {
      if ('unavailable' in doc || !o.parseDoc) return doc;
      const parsed = await o.parseDoc(target.path ?? target.id ?? docKey(target), doc.text);
      return 'unavailable' in parsed ? parsed : { ...doc, parsed: parsed.doc };
    }
    async function readDoc(target: DocTarget): ReturnType<DocTargets['read']> {
        if (target.system === 'github') {
          if (!target.repo || !target.path) return { unavailable: 'the primary doc names no repo or path' };
          return githubDocs.read(scope.octokit, target.repo, target.path);
        }
        if (target.system === 'confluence') {
          if (!target.id) return { unavailable: 'the Confluence primary doc names no page id' };
          const page = await confluence.read(target.id);
          return 'unavailable' in page ? page : { text: projectStorage(page.text).text, version: page.version, title: page.title, storage: page.text };
        }
        return { unavailable: `doc system "${target.system}" is not supported for remediation yet (github, confluence)` };
    }
    return {
      installationId: scope.installationId,
      owner: scope.owner,
      packs: scope.packs ?? (() => o.loadPacks(scope.octokit, scope.installationId, scope.owner)),
      docs,
      ...(o.specOps ? { specOps: o.specOps } : {}),
      store,
      outbox: o.outbox,
      audit: o.audit,
      now: o.now,
    };
  }

  return {
    deps,
    /** closed (merged change, or our remediation PR) and synchronize on our branches. */
    async pullRequest(payload: unknown, scope: InstallationScope): Promise<void> {
      const e = readPullRequestSignal(payload);
      const ours = e.pr.headRef?.startsWith(DRIFT_BRANCH_PREFIX) === true;
      const d = deps(scope);
      if (ours && e.action === 'closed') {
        await onRemediationClosed(d, { repo: e.pr.repo, branch: e.pr.headRef!, number: e.pr.number, sender: e.sender, merged: e.merged });
        return;
      }
      if (ours && e.action === 'synchronize') {
        await onRemediationPushed(d, { repo: e.pr.repo, branch: e.pr.headRef!, number: e.pr.number, sender: e.sender });
        return;
      }
      if (e.action === 'closed' && e.merged && !ours) {
        const changes = scope.changes?.(e.pr) ?? new GitHubChangeSet(scope.octokit, e.pr);
        await onDriftSignal(d, { kind: 'github_pr', repo: e.pr.repo, sha: e.mergeSha, number: e.pr.number, changes });
      }
    },
    /** The chain a remediation PR needs (its drift pack's tiers), for the PR's evaluation. */
    approval: (pr: PullRequest, scope: InstallationScope) => remediationApproval(deps(scope), pr),
    async preview(pr: PullRequest, scope: InstallationScope): Promise<void> {
      const changes = scope.changes?.(pr) ?? new GitHubChangeSet(scope.octokit, pr);
      await previewDrift(deps(scope), pr, changes);
    },
    /** A push to a non-config repo: a signal when it lands on the default branch. */
    async push(payload: unknown, scope: InstallationScope): Promise<void> {
      const p = readPushSignal(payload);
      if (p.deleted || p.created || p.defaultBranch === undefined || p.ref !== `refs/heads/${p.defaultBranch}`) return;
      if (/^0+$/.test(p.before)) return;
      const changes = new GitHubCompareChangeSet(scope.octokit, p.repo, p.before, p.after, { login: p.sender?.login ?? 'unknown', type: p.sender?.type ?? 'User' });
      const d = deps(scope);
      await onDriftSignal(d, { kind: 'github_push', repo: p.repo, sha: p.after, changes });
      // A doc repo's default branch moved: items of its open remediation PRs may be fixed there.
      await onDocRepoChanged(d, p.repo, p.before);
    },
    async issues(payload: unknown, scope: InstallationScope): Promise<void> {
      const e = readIssueEdit(payload);
      if (e.action !== 'edited') return;
      await onDigestEdited(deps(scope), e);
    },
    /** Flushes due windows (the worker's interval; tests call it with a fake clock). */
    async sweep(limit = 20): Promise<number> {
      return sweepDriftWindows(
        {
          store,
          now: o.now,
          forInstallation: async (installationId, owner) => deps({ installationId, owner, octokit: await o.getOctokit(installationId) }),
          log: o.log,
        },
        limit,
      );
    },
  };
}

export type DriftWiring = ReturnType<typeof wireDrift>;
