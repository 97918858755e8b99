// pull_request.upsert: a remediation PR on its own branch, found by branch before one is
// created and edited in place when it exists.
//
// Two ways to write the branch:
//  - plain: the branch is created from base if missing; the files are committed on top of
//    it through a git tree (skipped when the branch already has exactly that tree, so a
//    resumed dispatch adds no empty commit);
//  - `rebuild` (Track B, the way Renovate keeps its branches): the branch is one commit on
//    the base's current head with the files, force-updated on every revision — but only
//    while the branch head is the commit PuddleJumper made last (recorded in the PR body
//    as `<!-- puddlejumper:drift-head SHA -->`). A person's commit on the branch stops all
//    updates: nothing is pushed and the result says `stopped`. `expectBlob` is the
//    compare-and-set on the doc: if the base's blob moved since the patch was computed,
//    the dispatch fails (not retried) rather than overwrite someone's change.
// `bodyOnly` edits the open PR's title and body and commits nothing (with `close`, it closes
// the PR too: its items were resolved elsewhere). Reviewers are
// requested when the PR is created; `autoMerge` asks GitHub to merge it when allowed
// (a repo without auto-merge answers with an error, recorded as `autoMerge: false`).
import { markerComment } from '../action.js';
import { hasStatus, prepareOctokit, requestWithSignal, splitRepo, type GetOctokit, type Octokit } from '../../github/octokit.js';
import { PullRequestPayloadSchema, payloadProblem, type PullRequestPayload } from '../payloads.js';
import type { Dispatcher } from '../registry.js';
import { findPaged, PER_PAGE, withMarker } from './find.js';

type Request = Octokit['request'];

const HEAD_MARKER = 'puddlejumper:drift-head';

/** The commit PuddleJumper last put on the branch, from the PR body. */
export function lastBotCommit(body: string | null | undefined): string | undefined {
  const m = new RegExp(`<!-- ${HEAD_MARKER} ([0-9a-f]{7,64}) -->`).exec(body ?? '');
  return m?.[1];
}

async function refSha(request: Request, owner: string, repo: string, branch: string): Promise<string | undefined> {
  try {
    const res = await request('GET /repos/{owner}/{repo}/git/ref/{ref}', { owner, repo, ref: `heads/${branch}` });
    return res.data.object.sha;
  } catch (error) {
    if (hasStatus(error, 404)) return undefined;
    throw error;
  }
}

function permanent(message: string): Error {
  return Object.assign(new Error(message), { retryable: false });
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
      if (p.rebuild !== undefined || p.bodyOnly) return rebuild(request, owner, repo, p, body);

      let head = await refSha(request, owner, repo, p.branch);
      if (head === undefined) {
        const base = await refSha(request, owner, repo, p.base);
        if (base === undefined) throw permanent(`base branch ${p.base} does not exist in ${p.repo}`);
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

/** A comment with `marker`, unless a previous attempt already left it. */
async function commentOnce(request: Request, owner: string, repo: string, issueNumber: number, text: string, marker: string): Promise<void> {
  const found = await findPaged(
    async (page) => (await request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: issueNumber, per_page: PER_PAGE, page })).data,
    (c) => (c.body ?? '').includes(marker),
  );
  if (found === undefined) await request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: issueNumber, body: withMarker(text, marker) });
}

async function rebuild(request: Request, owner: string, repo: string, p: PullRequestPayload, body: string): Promise<Record<string, unknown>> {
  const open = await request('GET /repos/{owner}/{repo}/pulls', { owner, repo, head: `${owner}:${p.branch}`, state: 'open', per_page: 10 });
  const existing = open.data[0];
  if (p.bodyOnly) {
    if (existing === undefined) return { branch: p.branch, skipped: 'no open pull request on the branch' };
    const ours = lastBotCommit(existing.body);
    if (p.close && p.closeComment) await commentOnce(request, owner, repo, existing.number, p.closeComment, markerComment(`${p.marker}:closed`));
    await request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', {
      owner,
      repo,
      pull_number: existing.number,
      title: p.title,
      body: ours ? `${body}\n<!-- ${HEAD_MARKER} ${ours} -->` : body,
      ...(p.close ? { state: 'closed' as const } : {}),
    });
    return { prNumber: existing.number, branch: p.branch, created: false, bodyOnly: true, ...(p.close ? { closed: true } : {}) };
  }
  const branchHead = await refSha(request, owner, repo, p.branch);
  if (existing !== undefined && branchHead !== undefined) {
    const ours = lastBotCommit(existing.body);
    // A person committed on top of ours: never force-push over it.
    if (ours !== undefined && ours !== branchHead) return { prNumber: existing.number, branch: p.branch, created: false, stopped: true, branchHead };
  }
  const baseHead = await refSha(request, owner, repo, p.base);
  if (baseHead === undefined) throw permanent(`base branch ${p.base} does not exist in ${owner}/${repo}`);
  const expect = p.rebuild?.expectBlob;
  if (expect !== undefined) {
    let current: string | undefined;
    try {
      const res = await request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path: expect.path, ref: baseHead });
      current = (res.data as { sha?: string }).sha;
    } catch (error) {
      if (!hasStatus(error, 404)) throw error;
    }
    if (current !== expect.sha) {
      throw permanent(`${expect.path} changed on ${p.base} since the drift patch was computed (blob ${expect.sha.slice(0, 7)} -> ${current?.slice(0, 7) ?? 'deleted'}); not overwritten — the items are re-detected on the next change`);
    }
  }
  const baseCommit = await request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { owner, repo, commit_sha: baseHead });
  const tree = await request('POST /repos/{owner}/{repo}/git/trees', {
    owner,
    repo,
    base_tree: baseCommit.data.tree.sha,
    tree: p.files.map((f) => ({ path: f.path, mode: '100644' as const, type: 'blob' as const, content: f.content })),
  });
  let commitSha: string | undefined;
  if (branchHead !== undefined) {
    // A resumed dispatch finds its own commit already there: no new commit, no force-push.
    const current = await request('GET /repos/{owner}/{repo}/git/commits/{commit_sha}', { owner, repo, commit_sha: branchHead });
    if (current.data.tree.sha === tree.data.sha && current.data.parents.length === 1 && current.data.parents[0]?.sha === baseHead) commitSha = branchHead;
  }
  if (commitSha === undefined) {
    const commit = await request('POST /repos/{owner}/{repo}/git/commits', { owner, repo, message: p.commitMessage, tree: tree.data.sha, parents: [baseHead] });
    commitSha = commit.data.sha;
    if (branchHead === undefined) {
      try {
        await request('POST /repos/{owner}/{repo}/git/refs', { owner, repo, ref: `refs/heads/${p.branch}`, sha: commitSha });
      } catch (error) {
        if (!hasStatus(error, 422)) throw error;
        await request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { owner, repo, ref: `heads/${p.branch}`, sha: commitSha, force: true });
      }
    } else {
      await request('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { owner, repo, ref: `heads/${p.branch}`, sha: commitSha, force: true });
    }
  }
  const fullBody = `${body}\n<!-- ${HEAD_MARKER} ${commitSha} -->`;
  if (existing !== undefined) {
    await request('PATCH /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: existing.number, title: p.title, body: fullBody });
    return { prNumber: existing.number, branch: p.branch, commitSha, created: false };
  }
  const created = await request('POST /repos/{owner}/{repo}/pulls', { owner, repo, head: p.branch, base: p.base, title: p.title, body: fullBody });
  const result: Record<string, unknown> = { prNumber: created.data.number, branch: p.branch, commitSha, created: true };
  if ((p.reviewers?.length ?? 0) + (p.teamReviewers?.length ?? 0) > 0) {
    await request('POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers', {
      owner,
      repo,
      pull_number: created.data.number,
      reviewers: p.reviewers ?? [],
      team_reviewers: p.teamReviewers ?? [],
    });
    result.reviewersRequested = true;
  }
  if (p.autoMerge) {
    try {
      await request('POST /graphql', {
        query: 'mutation($id: ID!) { enablePullRequestAutoMerge(input: { pullRequestId: $id }) { clientMutationId } }',
        variables: { id: created.data.node_id },
      });
      result.autoMerge = true;
    } catch {
      result.autoMerge = false; // the repo does not allow auto-merge (or the PR is already mergeable): it stays open, ready
    }
  }
  return result;
}
