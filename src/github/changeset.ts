// The GitHub implementation of ChangeSet. Every request counts against the
// installation's rate limit, so: the file list is read once (its page count taken
// from the payload's `changed_files` when known), head contents come from the blob
// sha the file list already gave, a changed file's base is its merge-base version
// rebuilt from the head and the listed patch (as GitHub's "Files changed" shows it;
// the contents API at the base commit is the fallback when no patch is listed), and
// everything is cached by an immutable key (blob sha or commit:path).
import { z } from 'zod';
import type { ChangeSet, ChangedFile, FileStatus, PrAuthor, PullRequest } from '../change/changeset.js';
import { contentCache, type ByteLru } from '../change/blob-cache.js';
import { statusOf } from './status.js';
import { splitRepo, type OctokitLike } from './octokit.js';
import { reverseApplyPatch } from '../change/patch.js';
import { requestLarge } from './large-body.js';

/** GitHub lists at most 3000 files for a pull request. */
export const GITHUB_FILE_LIMIT = 3000;
const PER_PAGE = 100;
const RAW = 'application/vnd.github.raw+json';
const OBJECT = 'application/vnd.github.object+json';

const STATUSES: ReadonlySet<string> = new Set(['added', 'modified', 'removed', 'renamed', 'copied', 'changed', 'unchanged']);

/** `GET /pulls/{n}/files`, as far as it is read (parsed, never cast). */
const ApiFile = z.object({
  filename: z.string(),
  status: z.string(),
  previous_filename: z.string().optional(),
  sha: z.string().nullish(),
  /** The unified diff against the merge base; GitHub leaves it out for large diffs. */
  patch: z.string().optional(),
});
type ApiFile = z.infer<typeof ApiFile>;
const ApiFiles = z.array(ApiFile);

export class GitHubChangeSet implements ChangeSet {
  readonly repo: string;
  readonly baseSha: string;
  readonly headSha: string;
  readonly number: number;
  readonly author: PrAuthor;
  readonly labels: string[];
  private readonly owner: string;
  private readonly name: string;
  private listing?: Promise<ChangedFile[]>;
  private byPath = new Map<string, ChangedFile>();
  private patches = new Map<string, string>();
  private isTruncated = false;
  private inflight = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly octokit: OctokitLike,
    private readonly facts: PullRequest,
    private readonly cache: ByteLru = contentCache,
  ) {
    this.repo = facts.repo;
    ({ owner: this.owner, repo: this.name } = splitRepo(facts.repo));
    this.baseSha = facts.baseSha;
    this.headSha = facts.headSha;
    this.number = facts.number;
    this.author = facts.author;
    this.labels = facts.labels;
  }

  get truncated(): boolean {
    return this.isTruncated;
  }

  files(): Promise<ChangedFile[]> {
    this.listing ??= this.listFiles();
    return this.listing;
  }

  private async listFiles(): Promise<ChangedFile[]> {
    const { number, changedFiles } = this.facts;
    const { owner, name: repo } = this;
    const known = changedFiles !== undefined && changedFiles >= 0 ? Math.min(changedFiles, GITHUB_FILE_LIMIT) : undefined;
    const maxPages = GITHUB_FILE_LIMIT / PER_PAGE;
    const pages = known !== undefined ? Math.max(1, Math.ceil(known / PER_PAGE)) : maxPages;
    const out: ChangedFile[] = [];
    for (let page = 1; page <= pages; page++) {
      const res = await requestLarge(this.octokit, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files', {
        owner,
        repo,
        pull_number: number,
        per_page: PER_PAGE,
        page,
      });
      const items = ApiFiles.parse(res.data, { reportInput: false });
      for (const item of items) {
        out.push(toChangedFile(item));
        if (typeof item.patch === 'string') this.patches.set(item.filename, item.patch);
      }
      if (items.length < PER_PAGE) break;
    }
    this.isTruncated = (changedFiles !== undefined && changedFiles > GITHUB_FILE_LIMIT) || out.length >= GITHUB_FILE_LIMIT;
    for (const f of out) {
      this.byPath.set(f.path, f);
    }
    return out;
  }

  async readHead(path: string): Promise<string | undefined> {
    await this.files();
    const file = this.byPath.get(path);
    if (file?.status === 'removed') return undefined;
    if (file?.sha) return this.blob(file.sha);
    return this.atCommit(this.headSha, path);
  }

  async readBase(path: string): Promise<string | undefined> {
    await this.files();
    const file = this.byPath.get(path);
    if (file?.status === 'added' || file?.status === 'copied') return undefined;
    // A removed file's sha is the blob it removed.
    if (file?.status === 'removed' && file.sha) return this.blob(file.sha);
    // The head side of a rename/copy is not at base under this name.
    if (file?.status === 'renamed') return undefined;
    return (await this.fromPatch(path)) ?? this.atCommit(this.baseSha, path);
  }

  /**
   * The file at the merge base, rebuilt from head and the listed patch: what the PR itself
   * changed (the base branch's tip may have moved on since it branched), at no request.
   */
  private async fromPatch(path: string): Promise<string | undefined> {
    const patch = this.patches.get(path);
    if (patch === undefined) return undefined;
    const head = await this.readHead(path);
    return head === undefined ? undefined : reverseApplyPatch(head, patch);
  }

  /** A blob by sha, raw. */
  private blob(sha: string): Promise<string | undefined> {
    return this.cached(sha, async () => {
      const res = await requestLarge(this.octokit, 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}', {
        owner: this.owner,
        repo: this.name,
        file_sha: sha,
        headers: { accept: RAW },
      });
      return decode(res.data);
    });
  }

  /** A file at a commit through the contents API; over 1 MB through the blobs API. */
  private atCommit(ref: string, path: string): Promise<string | undefined> {
    return this.cached(`${this.repo}@${ref}:${path}`, async () => {
      const params = { owner: this.owner, repo: this.name, path, ref };
      try {
        const res = await requestLarge(this.octokit, 'GET /repos/{owner}/{repo}/contents/{path}', { ...params, headers: { accept: RAW } });
        return decode(res.data);
      } catch (error) {
        const status = statusOf(error);
        if (status === 404) return undefined;
        if (status === 403 && isTooLarge(error)) {
          const meta = await this.octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { ...params, headers: { accept: OBJECT } });
          const sha = (meta.data as { sha?: unknown; type?: unknown }).sha;
          if (typeof sha !== 'string') throw new Error(`${path}@${ref}: no blob sha in the contents metadata`);
          return this.blob(sha);
        }
        throw error;
      }
    });
  }

  private cached(key: string, load: () => Promise<string | undefined>): Promise<string | undefined> {
    const hit = this.cache.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = load()
      .then((value) => {
        if (value !== undefined) this.cache.set(key, value);
        return value;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }
}

function toChangedFile(item: ApiFile): ChangedFile {
  const status = (STATUSES.has(item.status) ? item.status : 'changed') as FileStatus;
  return {
    path: item.filename,
    status,
    ...(item.previous_filename !== undefined ? { previousPath: item.previous_filename } : {}),
    ...(item.sha ? { sha: item.sha } : {}),
  };
}

/** Raw responses arrive as text or bytes depending on the content type; JSON ones as base64. */
function decode(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (Array.isArray(data)) return undefined; // a directory listing
  if (data && typeof data === 'object') {
    const o = data as { content?: unknown; encoding?: unknown };
    if (typeof o.content === 'string' && o.encoding === 'base64') return Buffer.from(o.content, 'base64').toString('utf8');
    if (typeof o.content === 'string' && o.encoding === 'utf-8') return o.content;
  }
  throw new Error('unexpected content response from GitHub');
}


function isTooLarge(error: unknown): boolean {
  const e = error as { message?: unknown; response?: { data?: { errors?: Array<{ code?: string }>; message?: string } } };
  const errors = e.response?.data?.errors ?? [];
  if (errors.some((x) => x.code === 'too_large')) return true;
  const text = `${typeof e.message === 'string' ? e.message : ''} ${e.response?.data?.message ?? ''}`;
  return /too_large|too large/i.test(text);
}
