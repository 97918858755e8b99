// The local-git implementation of ChangeSet, for `pj check`. It compares like a pull
// request does: `base...head`, i.e. from the merge base of the two refs to head.
import { execFile } from 'node:child_process';
import { basename } from 'node:path';
import type { ChangeSet, ChangedFile, FileStatus, PrAuthor } from './changeset.js';

const MAX_BUFFER = 256 * 1024 * 1024;

export function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: MAX_BUFFER, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) {
        const e = error as Error & { code?: unknown; stderr?: string };
        e.stderr = stderr;
        e.message = `git ${args.join(' ')}: ${stderr.trim() || e.message}`;
        reject(e);
      } else resolve(stdout);
    });
  });
}

async function tryGit(cwd: string, args: string[]): Promise<string | undefined> {
  try {
    return await git(cwd, args);
  } catch {
    return undefined;
  }
}

/** The commit a ref names, or undefined when it names none. */
export async function resolveCommit(cwd: string, ref: string): Promise<string | undefined> {
  const out = await tryGit(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return out?.trim() || undefined;
}

/** `origin/HEAD`, else `main`, else `HEAD~1`: the first that names a commit. */
export async function defaultBaseRef(cwd: string): Promise<string | undefined> {
  for (const ref of ['origin/HEAD', 'main', 'HEAD~1']) {
    if (await resolveCommit(cwd, ref)) return ref;
  }
  return undefined;
}

/** "owner/repo" from the origin remote's URL, else "local/<directory name>". */
export async function repoFullName(cwd: string): Promise<string> {
  const url = (await tryGit(cwd, ['remote', 'get-url', 'origin']))?.trim();
  const m = url?.match(/[:/]([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+?)(?:\.git)?\/?$/);
  if (m) return `${m[1]}/${m[2]}`;
  const top = (await tryGit(cwd, ['rev-parse', '--show-toplevel']))?.trim() ?? cwd;
  return `local/${basename(top)}`;
}

export interface GitChangeSetOptions {
  cwd: string;
  base: string;
  head: string;
  labels?: string[];
  repo?: string;
}

export class GitChangeSet implements ChangeSet {
  readonly truncated = false;
  private listing?: Promise<ChangedFile[]>;

  private constructor(
    private readonly cwd: string,
    readonly repo: string,
    readonly baseSha: string,
    readonly headSha: string,
    readonly author: PrAuthor,
    readonly labels: string[],
  ) {}

  /** Resolves the refs; base becomes the merge base of base and head, as in a PR. */
  static async open(options: GitChangeSetOptions): Promise<GitChangeSet> {
    const { cwd } = options;
    const head = await resolveCommit(cwd, options.head);
    if (!head) throw new Error(`head "${options.head}" is not a commit in ${cwd}`);
    const base = await resolveCommit(cwd, options.base);
    if (!base) throw new Error(`base "${options.base}" is not a commit in ${cwd}`);
    const mergeBase = (await git(cwd, ['merge-base', base, head])).trim();
    const name = (await git(cwd, ['log', '-1', '--format=%an', head])).trim();
    const repo = options.repo ?? (await repoFullName(cwd));
    return new GitChangeSet(cwd, repo, mergeBase, head, { login: name || 'unknown', type: 'User' }, options.labels ?? []);
  }

  files(): Promise<ChangedFile[]> {
    this.listing ??= git(this.cwd, ['diff', '--name-status', '-z', '-M', `${this.baseSha}...${this.headSha}`]).then(parseNameStatus);
    return this.listing;
  }

  readBase(path: string): Promise<string | undefined> {
    return this.read(this.baseSha, path);
  }

  readHead(path: string): Promise<string | undefined> {
    return this.read(this.headSha, path);
  }

  private async read(commit: string, path: string): Promise<string | undefined> {
    const spec = `${commit}:${path.replace(/^\.?\/+/, '')}`;
    const type = (await tryGit(this.cwd, ['cat-file', '-t', spec]))?.trim();
    if (type !== 'blob') return undefined;
    return git(this.cwd, ['cat-file', 'blob', spec]);
  }
}

/** Parses `git diff --name-status -z` output. */
export function parseNameStatus(out: string): ChangedFile[] {
  const parts = out.split('\0');
  const files: ChangedFile[] = [];
  let i = 0;
  while (i < parts.length) {
    const code = parts[i++];
    if (!code) continue;
    const letter = code[0];
    if (letter === 'R' || letter === 'C') {
      const from = parts[i++] ?? '';
      const to = parts[i++] ?? '';
      files.push({ path: to, status: letter === 'R' ? 'renamed' : 'copied', previousPath: from });
      continue;
    }
    const path = parts[i++] ?? '';
    const status: FileStatus = letter === 'A' ? 'added' : letter === 'D' ? 'removed' : letter === 'M' ? 'modified' : 'changed';
    files.push({ path, status });
  }
  return files;
}
