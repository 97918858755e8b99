// The config repo: packs are validated where admins work (a check run on every push
// and pull request), and a change on the default branch re-evaluates the open pull
// requests that the changed packs govern.
import type { Services } from './services.js';
import type { Octokit } from '../governance/octokit.js';
import { buildPacksCheck } from '../report/packs-check.js';
import { selectPacks } from '../packs/select.js';
import type { PackSet } from '../packs/types.js';
import { getInstallation } from '../store/installations.js';
import { evaluatePullRequest } from './evaluate-pull-request.js';
import { proposeCheck } from './publish.js';

/** At most this many open PRs are re-evaluated after one push to the config repo, oldest first. */
export const MAX_REEVALUATIONS = 20;

export function isConfigRepo(svc: Services, repository: { name: string }): boolean {
  return repository.name.toLowerCase() === svc.packs.configRepo.toLowerCase();
}

export async function validateConfigCommit(
  svc: Services,
  octokit: Octokit,
  installationId: number,
  repo: { owner: string; name: string },
  sha: string,
  prNumber?: number,
): Promise<PackSet> {
  svc.octokits.remember(installationId, octokit);
  const set = await svc.packs.loadAt(octokit, repo.owner, sha);
  const payload = buildPacksCheck(set, sha);
  const fullName = `${repo.owner}/${repo.name}`;
  await svc.policy.writeAuditEvent({
    installationId,
    actor: 'app',
    type: 'packs.validated',
    subject: { repo: fullName, headSha: sha, ...(prNumber !== undefined ? { prNumber } : {}) },
    details: {
      packs: set.packs.map((p) => (p.valid ? { id: p.pack.id, file: p.file, versionHash: p.versionHash } : { file: p.file, id: p.id, errors: p.errors.length })),
      errors: set.errors.length,
      conclusion: payload.conclusion,
    },
  });
  await proposeCheck(svc, { installationId, repo: fullName, headSha: sha, ...(prNumber !== undefined ? { prNumber } : {}) }, payload);
  await svc.pipeline.dispatchDue(10);
  return set;
}

interface PushPayload {
  ref: string;
  after: string;
  deleted?: boolean;
  repository: { name: string; owner: { login: string; name?: string | null } | null; default_branch?: string; master_branch?: string };
  commits?: Array<{ added?: string[]; modified?: string[]; removed?: string[] }>;
}

export async function onConfigPush(svc: Services, octokit: Octokit, installationId: number, p: PushPayload): Promise<void> {
  if (p.deleted || /^0+$/.test(p.after) || !p.ref.startsWith('refs/heads/')) return;
  const owner = p.repository.owner?.login ?? p.repository.owner?.name ?? '';
  await validateConfigCommit(svc, octokit, installationId, { owner, name: p.repository.name }, p.after);
  const defaultBranch = p.repository.default_branch ?? p.repository.master_branch;
  if (p.ref !== `refs/heads/${defaultBranch}`) return;

  svc.packs.invalidate(installationId);
  const set = await svc.packs.load(octokit, installationId, owner);
  const changed = changedPackFiles(svc, p);
  if (changed.size === 0) return;
  // A removed pack or a changed service catalog may touch any repo: take every pack then.
  const everything = [...changed].some((f) => !set.packs.some((pack) => pack.file === f));
  const changedSet: PackSet = everything ? set : { ...set, packs: set.packs.filter((pack) => changed.has(pack.file)) };
  await reevaluateGoverned(svc, octokit, installationId, changedSet);
}

function changedPackFiles(svc: Services, p: PushPayload): Set<string> {
  const prefix = `${svc.packs.packsDir}/`;
  const files = (p.commits ?? []).flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]);
  return new Set(files.filter((f) => f.startsWith(prefix) && /\.ya?ml$/.test(f)));
}

async function installationRepos(svc: Services, octokit: Octokit, installationId: number): Promise<string[]> {
  const known = await getInstallation(svc.db, installationId);
  if (known && known.repositories.length > 0) return known.repositories;
  const res = await octokit.request('GET /installation/repositories', { per_page: 100 });
  return res.data.repositories.map((r) => r.full_name);
}

async function reevaluateGoverned(svc: Services, octokit: Octokit, installationId: number, changed: PackSet): Promise<void> {
  const repos = (await installationRepos(svc, octokit, installationId)).filter(
    (repo) => !repo.toLowerCase().endsWith(`/${svc.packs.configRepo.toLowerCase()}`) && selectPacks(changed, repo, [], { ignorePaths: true }).length > 0,
  );
  const open: Array<{ created: string; repo: string; pr: OpenPull }> = [];
  for (const repo of repos) {
    const [o, r] = repo.split('/') as [string, string];
    const res = await octokit.request('GET /repos/{owner}/{repo}/pulls', { owner: o, repo: r, state: 'open', sort: 'created', direction: 'asc', per_page: MAX_REEVALUATIONS });
    for (const pr of res.data as OpenPull[]) open.push({ created: pr.created_at, repo, pr });
  }
  open.sort((a, b) => a.created.localeCompare(b.created));
  if (open.length > MAX_REEVALUATIONS) {
    svc.log.warn({ installationId, open: open.length, limit: MAX_REEVALUATIONS }, 'config push: re-evaluating the oldest open pull requests only');
  }
  for (const { repo, pr } of open.slice(0, MAX_REEVALUATIONS)) {
    const [o, r] = repo.split('/') as [string, string];
    await evaluatePullRequest(svc, octokit, installationId, {
      owner: o,
      repo: r,
      number: pr.number,
      baseSha: pr.base.sha,
      headSha: pr.head.sha,
      author: { login: pr.user?.login ?? 'ghost', type: pr.user?.type ?? 'User' },
      labels: (pr.labels ?? []).map((l) => l.name),
    });
  }
}

export interface OpenPull {
  number: number;
  created_at: string;
  base: { sha: string };
  head: { sha: string };
  user: { login: string; type: string } | null;
  labels?: Array<{ name: string }>;
  changed_files?: number;
}
