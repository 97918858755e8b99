// Reads for pack test runs (control plane and `pj test-run`): recent pull requests of a
// repo in any state, one pull request, and a config-repo ref resolved to its commit.
import { z } from 'zod';
import type { PullRequest } from '../change/changeset.js';
import { splitRepo, type OctokitLike } from './octokit.js';
import { ApiPullRequest, pullRequestFacts } from './payloads.js';

const Titled = ApiPullRequest.extend({ title: z.string().optional(), merged_at: z.string().nullable().optional(), html_url: z.string().optional() });

export type TitledPullRequest = PullRequest & { title: string; state: string; merged: boolean; url?: string };

function titled(installationId: number, repo: string, data: unknown): TitledPullRequest {
  const pr = Titled.parse(data);
  return {
    ...pullRequestFacts(installationId, repo, pr),
    title: pr.title ?? '',
    state: pr.state ?? 'unknown',
    merged: typeof pr.merged_at === 'string',
    ...(pr.html_url ? { url: pr.html_url } : {}),
  };
}

/** The repo's `limit` most recently updated pull requests, open, merged or closed (newest first). */
export async function listRecentPullRequests(octokit: OctokitLike, installationId: number, repo: string, limit: number): Promise<TitledPullRequest[]> {
  const { owner, repo: name } = splitRepo(repo);
  const res = await octokit.request('GET /repos/{owner}/{repo}/pulls', { owner, repo: name, state: 'all', sort: 'updated', direction: 'desc', per_page: Math.min(Math.max(limit, 1), 100) });
  if (!Array.isArray(res.data)) throw new Error(`GitHub answered the pull request list of ${repo} with something else`);
  return (res.data as unknown[]).slice(0, limit).map((d) => titled(installationId, repo, d));
}

/** One pull request in any state. */
export async function fetchPullRequest(octokit: OctokitLike, installationId: number, repo: string, number: number): Promise<TitledPullRequest> {
  const { owner, repo: name } = splitRepo(repo);
  const res = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo: name, pull_number: number });
  return titled(installationId, repo, res.data);
}

/** A branch, tag or sha of `owner/configRepo`, as its commit sha. */
export async function resolveRef(octokit: OctokitLike, owner: string, repo: string, ref: string): Promise<string> {
  const res = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}', { owner, repo, ref, headers: { accept: 'application/vnd.github.sha' } });
  const data = res.data as unknown;
  const text = (typeof data === 'string' ? data : data instanceof ArrayBuffer ? Buffer.from(data).toString('utf8') : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8') : (data as { sha?: string })?.sha ?? '').trim();
  if (!/^[0-9a-f]{40}$/.test(text)) throw new Error(`${owner}/${repo}: ref ${ref} did not resolve to a commit`);
  return text;
}
