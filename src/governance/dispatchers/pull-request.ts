// pull_request.upsert: a remediation PR on its own branch. The branch is created from
// base if missing; the files are committed through a git tree (skipped when the branch
// already has exactly that tree, so a resumed dispatch adds no empty commit); the PR is
// looked up by branch before one is created, and edited in place when it exists.
import { markerComment } from '../action.js';
import { hasStatus, prepareOctokit, requestWithSignal, splitRepo, type GetOctokit, type Octokit } from '../../github/octokit.js';
import { PullRequestPayloadSchema, payloadProblem, type PullRequestPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { withMarker } from './find.js';

async function refSha(request: Octokit['request'], owner: string, repo: string, branch: string): Promise<string | undefined> {
  try {
    const res = await request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner, repo, ref: `heads/${branch}` });
    return res.data.object.sha;
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

export function pullRequestDispatcher(options: { getOctokit: GetOctokit }): Dispatcher<PullRequestPayload> {
  return {
    kind: 'pull_request.upsert',
    validate: (payload) => payloadProblem('pull_request.upsert', PullRequestPayloadSchema, payload),
    async dispatch({ action, payload: p, signal }) {
      const { owner, repo } = splitRepo(p.repo);
      const octokit = prepareOctokit(await options.getOctokit(action.installationId), action.installationId);
      const request = requestWithSignal(octokit, signal);
      const body = withMarker(p.body, markerComment(p.marker));

      let head = await refSha(request, owner, repo, p.branch);
      if (head === undefined) {
        const base = await refSha(request, owner, repo, p.base);
        if (base === undefined) throw Object.assign(new Error(`base branch ${p.base} does not exist in ${p.repo}`), { retryable: false });
        try {
          await request('POST /repos/{owner}/{repo}/git/refs', { owner, repo, ref: `refs/heads/${p.branch}`, sha: base });
          head = base;
        } catch (error) {
          if (!hasStatus(error, 422)) throw error; // created concurrently / by a previous attempt
          head = await refSha(request, owner, repo, p.branch);
          if (head === undefined) throw error;
        }
      }

      const headCommit = await request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { owner, repo, commit_sha: head });
      const tree = await request('POST /repos/{owner}/{repo}/git/trees', {
        owner,
        repo,
        base_tree: headCommit.data.tree.sha,
        tree: p.files.map((f) => ({ path: f.path, mode: '100644' as const, type: 'blob' as const, content: f.content })),
      });
      let commitSha = head;
      if (tree.data.sha !== headCommit.data.tree.sha) {
        const commit = await request('POST /repos/{owner}/{repo}/git/commits', {
          owner,
          repo,
          message: p.commitMessage,
          tree: tree.data.sha,
          parents: [head],
        });
        commitSha = commit.data.sha;
        await request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { owner, repo, ref: `heads/${p.branch}`, sha: commitSha, force: false });
      }

      const open = await request('GET /repos/{owner}/{repo}/pulls', { owner, repo, head: `${owner}:${p.branch}`, state: 'open', per_page: 10 });
      const existing = open.data[0];
      if (existing !== undefined) {
        await request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: existing.number, title: p.title, body });
        return { prNumber: existing.number, branch: p.branch, commitSha, created: false };
      }
      const created = await request('POST /repos/{owner}/{repo}/pulls', { owner, repo, head: p.branch, base: p.base, title: p.title, body });
      return { prNumber: created.data.number, branch: p.branch, commitSha, created: true };
    },
  };
}
