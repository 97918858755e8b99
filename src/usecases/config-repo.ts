// The config repo: packs are validated where admins work (a check run on every push
// and pull request), and a change on the default branch re-evaluates the open pull
// requests that the changed packs govern.
import type { PullRequest } from '../change/changeset.js';
import type { ConfigPush } from '../github/payloads.js';
import type { AuditEventInput } from '../governance/audit.js';
import { selectPacks } from '../packs/select.js';
import type { PackSet } from '../packs/types.js';
import { buildPacksCheck } from '../report/packs-check.js';
import { proposeCheck, type Outbox } from './publish-checks.js';

/** At most this many open PRs are re-evaluated after one push to the config repo, oldest first. */
export const MAX_REEVALUATIONS = 20;

export interface ValidateConfigDeps {
  /** The packs of the config repo at a commit. */
  packsAt(sha: string): Promise<PackSet>;
  outbox: Outbox;
  audit(event: AuditEventInput): Promise<unknown>;
}

/** `PuddleJumper / policy packs` on a commit (and PR) of the config repo. */
export async function validateConfigCommit(deps: ValidateConfigDeps, installationId: number, repo: string, sha: string, prNumber?: number): Promise<PackSet> {
  const set = await deps.packsAt(sha);
  const payload = buildPacksCheck(set, sha);
  const pr = prNumber !== undefined ? { prNumber } : {};
  await deps.audit({
    installationId,
    actor: 'app',
    type: 'packs.validated',
    subject: { repo, headSha: sha, ...pr },
    details: {
      packs: set.packs.map((p) => (p.valid ? { id: p.pack.id, file: p.file, versionHash: p.versionHash } : { file: p.file, id: p.id, errors: p.errors.length })),
      errors: set.errors.length,
      conclusion: payload.conclusion,
    },
  });
  await proposeCheck(deps.outbox, { installationId, repo, headSha: sha, ...pr }, payload);
  return set;
}

export interface ConfigPushDeps extends ValidateConfigDeps {
  packsDir: string;
  /** Forget the cached packs of the installation, then load them again at the new head. */
  reloadPacks(): Promise<PackSet>;
  /** The installation's repositories ("owner/name"), without the config repo. */
  governedRepos(): Promise<string[]>;
  /** The open PRs of a repo, oldest first (at most `limit`). */
  openPulls(repo: string, limit: number): Promise<Array<PullRequest & { createdAt: string }>>;
  evaluate(pr: PullRequest): Promise<unknown>;
  log: { warn(obj: unknown, msg?: string): void };
}

export async function onConfigPush(deps: ConfigPushDeps, push: ConfigPush): Promise<void> {
  if (push.deleted || /^0+$/.test(push.after) || !push.ref.startsWith('refs/heads/')) return;
  await validateConfigCommit(deps, push.installationId, push.repo, push.after);
  if (push.defaultBranch === undefined || push.ref !== `refs/heads/${push.defaultBranch}`) return;
  const set = await deps.reloadPacks();
  const prefix = `${deps.packsDir}/`;
  const changed = new Set(push.changedPaths.filter((f) => f.startsWith(prefix) && /\.ya?ml$/.test(f)));
  if (changed.size === 0) return;
  // A removed pack or a changed service catalog may touch any repo: take every pack then.
  const everything = [...changed].some((f) => !set.packs.some((pack) => pack.file === f));
  const governing: PackSet = everything ? set : { ...set, packs: set.packs.filter((pack) => changed.has(pack.file)) };
  const repos = (await deps.governedRepos()).filter((repo) => selectPacks(governing, repo, [], { ignorePaths: true }).length > 0);
  const open: Array<PullRequest & { createdAt: string }> = [];
  for (const repo of repos) open.push(...(await deps.openPulls(repo, MAX_REEVALUATIONS)));
  open.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  if (open.length > MAX_REEVALUATIONS) {
    deps.log.warn({ installationId: push.installationId, open: open.length, limit: MAX_REEVALUATIONS }, 'config push: re-evaluating the oldest open pull requests only');
  }
  for (const pr of open.slice(0, MAX_REEVALUATIONS)) await deps.evaluate(pr);
}
