// The GitHub doc target's reads: a doc file at the head of its repo's default branch, with
// its blob sha as the version (the remediation's compare-and-set: the dispatcher refuses
// to commit over a doc whose blob moved on). One call per read once the repo's default
// branch is known (remembered per process: it rarely changes, and a stale name fails the
// dispatch loudly rather than patching the wrong branch).
import { z } from 'zod';
import { splitRepo, type OctokitLike } from './octokit.js';
import { statusOf } from './status.js';
import { requestLarge } from './large-body.js';

export type DocRead = { text: string; version: string; base: string } | { unavailable: string };

const Repo = z.object({ default_branch: z.string() });
const Contents = z.object({ type: z.string(), sha: z.string(), size: z.number().optional(), content: z.string().optional(), encoding: z.string().optional() });

export class GitHubDocs {
  private readonly branches = new Map<string, string>();

  async defaultBranch(octokit: OctokitLike, repo: string): Promise<string> {
    const key = repo.toLowerCase();
    const known = this.branches.get(key);
    if (known !== undefined) return known;
    const { owner, repo: name } = splitRepo(repo);
    const res = await octokit.request('GET /repos/{owner}/{repo}', { owner, repo: name });
    const branch = Repo.parse(res.data).default_branch;
    this.branches.set(key, branch);
    return branch;
  }

  /**
   * The doc at the default branch's head (or at `ref`: an earlier commit); `unavailable` says
   * why it could not be read (never throws for a 401/403/404).
   */
  async read(octokit: OctokitLike, repo: string, path: string, ref?: string): Promise<DocRead> {
    let base: string;
    try {
      base = await this.defaultBranch(octokit, repo);
    } catch (error) {
      const status = statusOf(error);
      if (status === 404 || status === 403 || status === 401) return { unavailable: `${repo} is not readable by the app (HTTP ${status}): is it installed there?` };
      throw error;
    }
    const { owner, repo: name } = splitRepo(repo);
    try {
      const res = await requestLarge(octokit, 'GET /repos/{owner}/{repo}/contents/{path}', { owner, repo: name, path, ref: ref ?? base });
      if (Array.isArray(res.data)) return { unavailable: `${path} in ${repo} is a directory, not a doc` };
      const c = Contents.parse(res.data);
      if (c.type !== 'file') return { unavailable: `${path} in ${repo} is a ${c.type}, not a file` };
      if (c.encoding !== 'base64' || c.content === undefined) return { unavailable: `${path} in ${repo} is too large to read (${c.size ?? '?'} bytes; docs over 1 MB are not checked)` };
      return { text: Buffer.from(c.content, 'base64').toString('utf8'), version: c.sha, base };
    } catch (error) {
      const status = statusOf(error);
      if (status === 404) return { unavailable: `${path} does not exist in ${repo} (${ref ? `at ${ref}` : `branch ${base}`})` };
      if (status === 403 || status === 401) return { unavailable: `${path} in ${repo} is not readable by the app (HTTP ${status})` };
      throw error;
    }
  }
}
