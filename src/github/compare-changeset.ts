// A ChangeSet for a push straight to a default branch: the commits between `before` and
// `after`, from the compare API (one call; GitHub lists at most 300 files there — a longer
// list is marked truncated, which the detectors report). Contents by blob sha at head and
// through the contents API at `before`, cached by immutable keys like the PR ChangeSet.
import { z } from 'zod';
import type { ChangeSet, ChangedFile, FileStatus, PrAuthor } from '../change/changeset.js';
import { contentCache, type ByteLru } from '../change/blob-cache.js';
import { splitRepo, type OctokitLike } from './octokit.js';
import { statusOf } from './status.js';
import { requestLarge } from './large-body.js';

const COMPARE_FILE_LIMIT = 300;
const RAW = 'application/vnd.github.raw+json';
const STATUSES: ReadonlySet<string> = new Set(['added', 'modified', 'removed', 'renamed', 'copied', 'changed', 'unchanged']);
const Compare = z.object({
  files: z.array(z.object({ filename: z.string(), status: z.string(), previous_filename: z.string().optional(), sha: z.string().nullish() })).optional(),
});

export class GitHubCompareChangeSet implements ChangeSet {
  readonly labels: string[] = [];
  private listing?: Promise<ChangedFile[]>;
  private byPath = new Map<string, ChangedFile>();
  private isTruncated = false;
  private readonly owner: string;
  private readonly name: string;

  constructor(
    private readonly octokit: OctokitLike,
    readonly repo: string,
    readonly baseSha: string,
    readonly headSha: string,
    readonly author: PrAuthor,
    private readonly cache: ByteLru = contentCache,
  ) {
    ({ owner: this.owner, repo: this.name } = splitRepo(repo));
  }

  get truncated(): boolean {
    return this.isTruncated;
  }

  files(): Promise<ChangedFile[]> {
    this.listing ??= (async () => {
      const res = await requestLarge(this.octokit, 'GET /repos/{owner}/{repo}/compare/{basehead}', { owner: this.owner, repo: this.name, basehead: `${this.baseSha}...${this.headSha}` });
      const files = (Compare.parse(res.data).files ?? []).map((f): ChangedFile => ({
        path: f.filename,
        status: (STATUSES.has(f.status) ? f.status : 'changed') as FileStatus,
        ...(f.previous_filename !== undefined ? { previousPath: f.previous_filename } : {}),
        ...(f.sha ? { sha: f.sha } : {}),
      }));
      this.isTruncated = files.length >= COMPARE_FILE_LIMIT;
      for (const f of files) this.byPath.set(f.path, f);
      return files;
    })();
    return this.listing;
  }

  async readHead(path: string): Promise<string | undefined> {
    await this.files();
    const f = this.byPath.get(path);
    if (f?.status === 'removed') return undefined;
    return this.atCommit(this.headSha, path);
  }

  async readBase(path: string): Promise<string | undefined> {
    await this.files();
    const f = this.byPath.get(path);
    if (f?.status === 'added' || f?.status === 'copied' || f?.status === 'renamed') return undefined;
    return this.atCommit(this.baseSha, path);
  }

  private async atCommit(ref: string, path: string): Promise<string | undefined> {
    const key = `${this.repo}@${ref}:${path}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit;
    try {
      const res = await requestLarge(this.octokit, 'GET /repos/{owner}/{repo}/contents/{path}', { owner: this.owner, repo: this.name, path, ref, headers: { accept: RAW } });
      const text = typeof res.data === 'string' ? res.data : res.data instanceof ArrayBuffer ? Buffer.from(res.data).toString('utf8') : undefined;
      if (text === undefined) throw new Error(`${path}@${ref}: unexpected content response`);
      this.cache.set(key, text);
      return text;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}
