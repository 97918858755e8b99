// One source of PR facts. Comparators and detectors see a pull request only through
// this interface; it has a GitHub implementation (github.ts) and a local-git one (git.ts),
// so the offline `pj check` runs the very same evaluation as the app.

export type FileStatus = 'added' | 'modified' | 'removed' | 'renamed' | 'copied' | 'changed' | 'unchanged';

export interface ChangedFile {
  /** Repo-relative path at head (for a removed file: the path it had). */
  path: string;
  status: FileStatus;
  /** For renamed and copied files: the path at base. */
  previousPath?: string;
  /** Blob sha at head (for a removed file, GitHub gives the removed blob). */
  sha?: string;
}

export interface PrAuthor {
  login: string;
  type: string;
}

/** The one shape of a pull request's facts across the app: what a webhook or a fetch says of it. */
export interface PullRequest {
  installationId: number;
  /** "owner/repo". */
  repo: string;
  number: number;
  baseSha: string;
  headSha: string;
  /** The base branch name (the merge base is computed from the shas). */
  baseRef?: string;
  /** The head branch name, when the event or the API gave it (Track B knows its remediation PRs by branch). */
  headRef?: string;
  author: PrAuthor;
  labels: string[];
  /** From the payload; lets the file list be read in exactly as many pages as needed. */
  changedFiles?: number;
}

export interface ChangeSet {
  /** "owner/repo". */
  readonly repo: string;
  readonly baseSha: string;
  readonly headSha: string;
  readonly number?: number;
  readonly author: PrAuthor;
  readonly labels: string[];
  /** The changed files. Memoised: asking twice costs nothing. */
  files(): Promise<ChangedFile[]>;
  /** True once files() has run if the list was cut at the host's limit (GitHub: 3000 files). */
  readonly truncated?: boolean;
  /** Content at base; undefined when the file does not exist there. */
  readBase(path: string): Promise<string | undefined>;
  /** Content at head; undefined when the file does not exist there. */
  readHead(path: string): Promise<string | undefined>;
}

/** A change that actually touches the file (GitHub may list `unchanged` entries). */
export function isChange(file: ChangedFile): boolean {
  return file.status !== 'unchanged';
}

/** Every path a change touches: the head path and, for renames/copies, the base path too. */
export function touchedPaths(files: readonly ChangedFile[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (!isChange(f)) continue;
    out.push(f.path);
    if (f.previousPath !== undefined && f.previousPath !== f.path && f.status === 'renamed') out.push(f.previousPath);
  }
  return out;
}
