// Pull request and installation reads the use cases need beyond the webhook payloads.
import { z } from 'zod';
import type { PullRequest } from '../change/changeset.js';
import { splitRepo, type OctokitLike } from './octokit.js';
import { ApiPullRequest, pullRequestFacts } from './payloads.js';

/** One pull request now (for events that name it without its shas); undefined when it is not open. */
export async function fetchOpenPullRequest(octokit: OctokitLike, installationId: number, repo: string, number: number): Promise<PullRequest | undefined> {
  const { owner, repo: name } = splitRepo(repo);
  const res = await octokit.request('GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo: name, pull_number: number });
  const pr = ApiPullRequest.parse(res.data);
  return pr.state === 'open' ? pullRequestFacts(installationId, repo, pr) : undefined;
}

/** A repo's open pull requests, oldest first. */
export async function listOpenPullRequests(octokit: OctokitLike, installationId: number, repo: string, limit: number): Promise<Array<PullRequest & { createdAt: string }>> {
  const { owner, repo: name } = splitRepo(repo);
  const res = await octokit.request('GET /repos/{owner}/{repo}/pulls', { owner, repo: name, state: 'open', sort: 'created', direction: 'asc', per_page: limit });
  return z
    .array(ApiPullRequest)
    .parse(res.data)
    .map((pr) => ({ ...pullRequestFacts(installationId, repo, pr), createdAt: pr.created_at ?? '' }));
}

/** The repositories the installation can see (first page: at most 100). */
export async function listInstallationRepositories(octokit: OctokitLike): Promise<string[]> {
  const res = await octokit.request('GET /installation/repositories', { per_page: 100 });
  return z.object({ repositories: z.array(z.object({ full_name: z.string() })) }).parse(res.data).repositories.map((r) => r.full_name);
}
