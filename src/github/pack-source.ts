// Reads an installation's packs from its config repo at the default branch head.
// Few API calls: one conditional request for the head sha (a 304 costs nothing against
// the rate limit), and nothing more while that sha is cached; otherwise one tree call
// and one call per pack blob that was not seen before (blobs are cached by their sha).
// With a SharedPackCache (the database: store/pack-cache.ts) the listing of a commit and
// the blobs are shared by every replica: a new head one replica has read costs the
// others only the head request. Only the parsed set is kept per process.
import { loadPackSet, isYamlFile, type PackFile } from '../packs/load-set.js';
import { MAX_FILE_BYTES } from '../packs/parse.js';
import type { KnownTypes, PackSet, ValidPack } from '../packs/types.js';
import { z } from 'zod';
import type { OctokitLike } from './octokit.js';
import { statusOf } from './status.js';
import { requestLarge } from './large-body.js';

/** Where each valid pack version is recorded (store/pack-versions.ts). */
export interface PackVersionRecorder {
  record(installationId: number, configRepoSha: string, packs: readonly ValidPack[], now: Date): Promise<number>;
}

/** Which config-repo commit, and which folder of it. */
export interface ConfigCommit {
  owner: string;
  repo: string;
  sha: string;
  packsDir: string;
}

/** The pack files of a commit's packs folder, as the tree listed them. */
export interface PackListing {
  truncated: boolean;
  folderExists: boolean;
  entries: Array<{ path: string; sha: string; size?: number }>;
}

/**
 * A cache every replica shares (store/pack-cache.ts): a commit's pack listing and the
 * files' text by blob, so a config head one replica has read costs the others no tree or
 * blob requests. Its failures are logged and the load goes to GitHub instead.
 */
export interface SharedPackCache {
  listing(at: ConfigCommit): Promise<PackListing | undefined>;
  putListing(at: ConfigCommit, listing: PackListing, now: Date): Promise<void>;
  blobs(owner: string, shas: readonly string[]): Promise<Map<string, string>>;
  putBlobs(owner: string, blobs: ReadonlyArray<{ sha: string; text: string }>, now: Date): Promise<void>;
}

/** The responses read here, parsed (never cast). */
const TreeResponse = z.object({
  truncated: z.boolean().optional(),
  tree: z.array(z.object({ path: z.string(), type: z.string(), sha: z.string(), size: z.number().optional() })),
});
const BlobResponse = z.object({ content: z.string(), encoding: z.string() });

export interface PackSourceLog {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

export interface PackSourceOptions {
  known: KnownTypes;
  log: PackSourceLog;
  /** Repo in the installation's account holding the packs (PJ_CONFIG_REPO). */
  configRepo?: string;
  /** Folder of that repo (PJ_PACKS_DIR). */
  packsDir?: string;
  /** Branch to read; "HEAD" is the default branch. */
  branch?: string;
  /** When given, each valid pack version is recorded. */
  versions?: PackVersionRecorder;
  /** When given, listings and blobs are shared with the other replicas through it. */
  shared?: SharedPackCache;
  now?: () => Date;
  /**
   * Validates the packs of any commit `loadAt` reads (a config-repo PR's head is anyone's):
   * the app's runs off the event loop with a deadline. Default: in this thread.
   */
  parseAt?: (files: PackFile[], sha: string) => Promise<PackSet>;
}

interface CacheEntry {
  owner: string;
  etag?: string;
  sha: string;
  set: PackSet;
}

const MAX_CACHED_BLOBS = 5000;

export class PackSource {
  readonly configRepo: string;
  readonly packsDir: string;
  private readonly branch: string;
  private readonly known: KnownTypes;
  private readonly log: PackSourceLog;
  private readonly versions?: PackVersionRecorder;
  private readonly shared?: SharedPackCache;
  private readonly now: () => Date;
  private readonly parseAt?: (files: PackFile[], sha: string) => Promise<PackSet>;
  private readonly cache = new Map<number, CacheEntry>();
  private readonly blobs = new Map<string, string>();
  private readonly loggedMissing = new Set<number>();
  private readonly inflight = new Map<number, Promise<PackSet>>();

  constructor(options: PackSourceOptions) {
    this.configRepo = options.configRepo ?? '.github';
    this.packsDir = (options.packsDir ?? 'policy-packs').replace(/^\.?\/+|\/+$/g, '');
    this.branch = options.branch ?? 'HEAD';
    this.known = options.known;
    this.log = options.log;
    if (options.versions) this.versions = options.versions;
    if (options.shared) this.shared = options.shared;
    this.now = options.now ?? (() => new Date());
    if (options.parseAt) this.parseAt = options.parseAt;
  }

  /** Forget the cached head of an installation (call on a push to the config repo's default branch). */
  invalidate(installationId: number): void {
    this.cache.delete(installationId);
  }

  /** The installation's packs at the config repo's head. Concurrent calls share one load. */
  load(octokit: OctokitLike, installationId: number, owner: string): Promise<PackSet> {
    const running = this.inflight.get(installationId);
    if (running) return running;
    const p = this.loadNow(octokit, installationId, owner).finally(() => this.inflight.delete(installationId));
    this.inflight.set(installationId, p);
    return p;
  }

  private async loadNow(octokit: OctokitLike, installationId: number, owner: string): Promise<PackSet> {
    const repo = this.configRepo;
    let cached = this.cache.get(installationId);
    if (cached && cached.owner.toLowerCase() !== owner.toLowerCase()) {
      this.cache.delete(installationId);
      cached = undefined;
    }

    // 1. The head sha, conditionally.
    let sha: string;
    let etag: string | undefined;
    try {
      const headers: Record<string, string> = { accept: 'application/vnd.github.sha' };
      if (cached?.etag) headers['if-none-match'] = cached.etag;
      const res = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}', { owner, repo, ref: this.branch, headers });
      sha = shaFrom(res.data);
      etag = typeof res.headers?.etag === 'string' ? res.headers.etag : undefined;
    } catch (err) {
      const status = statusOf(err);
      if (status === 304 && cached) {
        this.log.debug({ installationId, sha: cached.sha }, 'policy packs: config repo head unchanged (304)');
        return cached.set;
      }
      if (status === 404 || status === 409) {
        // 404: no such repo (or no access); 409: the repo is empty.
        this.cache.delete(installationId);
        const reason = status === 404 ? 'not found (the App is not installed on it, or it does not exist)' : 'empty';
        this.missing(installationId, `${owner}/${repo}`, reason);
        return { ...emptySet(), missing: { repo: `${owner}/${repo}`, reason } };
      }
      throw err;
    }
    if (cached && cached.sha === sha) {
      if (etag !== undefined) cached.etag = etag;
      return cached.set;
    }

    const read = await this.readAt(octokit, owner, sha, installationId);
    if (read.folderMissing) {
      this.missing(installationId, `${owner}/${repo}/${this.packsDir}`, 'folder not found');
      this.cache.set(installationId, withEtag({ owner, sha, set: read.set }, etag));
      return read.set;
    }
    const set = read.set;
    this.cache.set(installationId, withEtag({ owner, sha, set }, etag));
    this.loggedMissing.delete(installationId);
    const invalid = set.packs.filter((p) => !p.valid).length;
    this.log.info(
      { installationId, sha, packs: set.packs.length, invalid, catalogErrors: set.errors.length, services: Object.keys(set.services).length },
      'policy packs loaded',
    );
    if (!set.packs.length) this.log.debug({ installationId }, 'policy packs: the folder has no pack files');
    await this.recordVersions(installationId, sha, set);
    return set;
  }

  /**
   * The packs of the config repo at any commit (a push or a pull request to the config
   * repo is validated at its own sha). Not cached per installation; blobs still are.
   */
  async loadAt(octokit: OctokitLike, owner: string, sha: string): Promise<PackSet> {
    return (await this.readAt(octokit, owner, sha, undefined, this.parseAt)).set;
  }

  /** The tree at `sha`, filtered to the packs folder, and the blobs not seen yet. */
  private async readAt(
    octokit: OctokitLike,
    owner: string,
    sha: string,
    installationId?: number,
    parse?: (files: PackFile[], sha: string) => Promise<PackSet>,
  ): Promise<{ set: PackSet; folderMissing: boolean }> {
    const repo = this.configRepo;
    const listing = await this.listing(octokit, { owner, repo, sha, packsDir: this.packsDir });
    if (listing.truncated) {
      this.log.warn({ installationId, repo: `${owner}/${repo}` }, 'policy packs: the config repo tree is truncated; some packs may be missing');
    }
    if (!listing.folderExists && listing.entries.length === 0) {
      return { set: { ...emptySet(sha), missing: { repo: `${owner}/${repo}`, folder: this.packsDir, reason: 'folder not found' } }, folderMissing: true };
    }
    const texts = await this.blobTexts(octokit, owner, listing.entries.filter((e) => !(e.size !== undefined && e.size > MAX_FILE_BYTES)));
    const files: PackFile[] = listing.entries.map((e) =>
      e.size !== undefined && e.size > MAX_FILE_BYTES ? { path: e.path, text: '', size: e.size } : { path: e.path, text: texts.get(e.sha)! },
    );
    return { set: parse ? await parse(files, sha) : loadPackSet(files, this.known, sha), folderMissing: false };
  }

  /** The packs folder's files at a commit: from the shared cache, else the tree from GitHub (then shared). */
  private async listing(octokit: OctokitLike, at: ConfigCommit): Promise<PackListing> {
    const known = await this.fromShared('read the pack listing', () => this.shared?.listing(at));
    if (known) return known;
    const tree = await octokit.request('GET /repos/{owner}/{repo}/git/trees/{tree_sha}', {
      owner: at.owner,
      repo: at.repo,
      tree_sha: at.sha,
      recursive: '1',
    });
    const treeData = TreeResponse.parse(tree.data, { reportInput: false });
    const prefix = `${this.packsDir}/`;
    const listing: PackListing = {
      truncated: treeData.truncated === true,
      folderExists: treeData.tree.some((e) => e.type === 'tree' && e.path === this.packsDir),
      entries: treeData.tree
        .filter((e) => e.type === 'blob' && e.path.startsWith(prefix) && isYamlFile(e.path))
        .map((e) => (e.size !== undefined ? { path: e.path, sha: e.sha, size: e.size } : { path: e.path, sha: e.sha })),
    };
    await this.fromShared('share the pack listing', () => this.shared?.putListing(at, listing, this.now()));
    return listing;
  }

  /** The text of each blob: this process's cache, then the shared one, then GitHub (shared after). */
  private async blobTexts(octokit: OctokitLike, owner: string, entries: PackListing['entries']): Promise<Map<string, string>> {
    const texts = new Map<string, string>();
    for (const e of entries) {
      const text = this.blobs.get(e.sha);
      if (text !== undefined) texts.set(e.sha, text);
    }
    const unseen = [...new Set(entries.map((e) => e.sha).filter((s) => !texts.has(s)))];
    if (unseen.length > 0) {
      const shared = (await this.fromShared('read pack blobs', () => this.shared?.blobs(owner, unseen))) ?? new Map<string, string>();
      for (const [blobSha, text] of shared) this.remember(blobSha, text, texts);
    }
    const fetched = await mapLimit(
      unseen.filter((s) => !texts.has(s)),
      8,
      async (fileSha) => {
        const blob = await requestLarge(octokit, 'GET /repos/{owner}/{repo}/git/blobs/{file_sha}', { owner, repo: this.configRepo, file_sha: fileSha });
        const data = BlobResponse.parse(blob.data, { reportInput: false });
        const text = data.encoding === 'base64' ? Buffer.from(data.content, 'base64').toString('utf8') : data.content;
        this.remember(fileSha, text, texts);
        return { sha: fileSha, text };
      },
    );
    if (fetched.length > 0) await this.fromShared('share pack blobs', () => this.shared?.putBlobs(owner, fetched, this.now()));
    return texts;
  }

  private remember(blobSha: string, text: string, into: Map<string, string>): void {
    into.set(blobSha, text);
    if (this.blobs.size >= MAX_CACHED_BLOBS) this.blobs.delete(this.blobs.keys().next().value!);
    this.blobs.set(blobSha, text);
  }

  /** A shared-cache call whose failure (database down) is logged and treated as a miss. */
  private async fromShared<T>(what: string, call: () => Promise<T> | undefined): Promise<T | undefined> {
    try {
      return await call();
    } catch (err) {
      this.log.warn({ err }, `policy packs: could not ${what} in the shared cache; reading GitHub`);
      return undefined;
    }
  }

  private async recordVersions(installationId: number, sha: string, set: PackSet): Promise<void> {
    if (!this.versions) return;
    const valid = set.packs.filter((p): p is ValidPack => p.valid);
    try {
      await this.versions.record(installationId, sha, valid, this.now());
    } catch (err) {
      this.log.warn({ installationId, sha, err }, 'policy packs: could not record pack versions');
    }
  }

  private missing(installationId: number, where: string, why: string): void {
    if (this.loggedMissing.has(installationId)) return;
    this.loggedMissing.add(installationId);
    this.log.info({ installationId, where }, `policy packs: ${where}: ${why}; no packs apply`);
  }
}

function withEtag(entry: CacheEntry, etag: string | undefined): CacheEntry {
  if (etag !== undefined) entry.etag = etag;
  return entry;
}

function emptySet(sha?: string): PackSet {
  const set: PackSet = { packs: [], services: {}, errors: [] };
  if (sha !== undefined) set.sha = sha;
  return set;
}

/** The head sha: text, or bytes when the media type carries no charset. */
function shaFrom(data: unknown): string {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (data instanceof ArrayBuffer) text = Buffer.from(data).toString('utf8');
  else if (ArrayBuffer.isView(data)) text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  else if (data && typeof data === 'object' && typeof (data as { sha?: unknown }).sha === 'string') text = (data as { sha: string }).sha;
  else text = '';
  text = text.trim();
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(text)) throw new Error(`policy packs: unexpected head sha response ${JSON.stringify(text.slice(0, 80))}`);
  return text;
}


async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return out;
}
