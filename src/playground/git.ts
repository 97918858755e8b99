// The playground's git object store: blobs, trees and commits addressed by sha-1 the way
// git addresses them (a blob's sha is git's own), so a repo is its history of commits of
// files. Trees are kept flat (path -> blob sha); the API expands folders when it lists one.
import { createHash } from 'node:crypto';
import { structuredPatch } from 'diff';

export interface Commit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: string;
  date: string;
}

export interface FileChange {
  filename: string;
  status: 'added' | 'modified' | 'removed';
  /** The blob at head (at base for a removal). */
  sha: string;
  additions: number;
  deletions: number;
  /** The unified diff without file headers, as GitHub lists it. */
  patch: string;
}

const sha1 = (data: string | Buffer) => createHash('sha1').update(data).digest('hex');

export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, ReadonlyMap<string, string>>();
  readonly commits = new Map<string, Commit>();

  putBlob(content: string | Buffer): string {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    const sha = sha1(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]));
    this.blobs.set(sha, bytes);
    return sha;
  }

  putTree(files: ReadonlyMap<string, string>): string {
    const entries = [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const sha = sha1(`tree\0${entries.map(([p, s]) => `${p}\0${s}`).join('\n')}`);
    if (!this.trees.has(sha)) this.trees.set(sha, new Map(entries));
    return sha;
  }

  putCommit(c: Omit<Commit, 'sha'>): string {
    const sha = sha1(`commit\0${c.tree}\0${c.parents.join(',')}\0${c.author}\0${c.date}\0${c.message}`);
    this.commits.set(sha, { sha, ...c });
    return sha;
  }

  /** A commit of `changes` on top of `parent` (a null content removes the file). */
  commitFiles(parent: string | undefined, changes: Record<string, string | null>, meta: { message: string; author: string; date: string }): string {
    const files = new Map(parent ? this.filesAt(parent) : []);
    for (const [path, content] of Object.entries(changes)) {
      if (content === null) files.delete(path);
      else files.set(path, this.putBlob(content));
    }
    return this.putCommit({ tree: this.putTree(files), parents: parent ? [parent] : [], ...meta });
  }

  commit(sha: string): Commit | undefined {
    return this.commits.get(sha);
  }

  filesAt(commitSha: string): ReadonlyMap<string, string> {
    const c = this.commits.get(commitSha);
    if (!c) throw new Error(`no commit ${commitSha}`);
    return this.trees.get(c.tree)!;
  }

  read(commitSha: string, path: string): string | undefined {
    const blob = this.filesAt(commitSha).get(path);
    return blob === undefined ? undefined : this.blobs.get(blob)!.toString('utf8');
  }

  /** Every commit reachable from `sha`, itself included. */
  ancestors(sha: string): Set<string> {
    const seen = new Set<string>();
    const todo = [sha];
    while (todo.length > 0) {
      const s = todo.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      todo.push(...(this.commits.get(s)?.parents ?? []));
    }
    return seen;
  }

  /** The nearest common ancestor of the two (breadth-first from `b`). */
  mergeBase(a: string, b: string): string | undefined {
    const ofA = this.ancestors(a);
    const queue = [b];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const s = queue.shift()!;
      if (ofA.has(s)) return s;
      if (seen.has(s)) continue;
      seen.add(s);
      queue.push(...(this.commits.get(s)?.parents ?? []));
    }
    return undefined;
  }

  /** What changed from `base` to `head`, file by file, with GitHub's patch text. */
  diff(base: string, head: string): FileChange[] {
    const before = this.filesAt(base);
    const after = this.filesAt(head);
    const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
    const out: FileChange[] = [];
    for (const path of paths) {
      const b = before.get(path);
      const h = after.get(path);
      if (b === h) continue;
      const oldText = b === undefined ? '' : this.blobs.get(b)!.toString('utf8');
      const newText = h === undefined ? '' : this.blobs.get(h)!.toString('utf8');
      out.push({
        filename: path,
        status: b === undefined ? 'added' : h === undefined ? 'removed' : 'modified',
        sha: (h ?? b)!,
        ...patchOf(oldText, newText),
      });
    }
    return out;
  }
}

function patchOf(oldText: string, newText: string): { patch: string; additions: number; deletions: number } {
  const p = structuredPatch('a', 'b', oldText, newText, '', '', { context: 3 });
  let additions = 0;
  let deletions = 0;
  const lines: string[] = [];
  for (const h of p.hunks) {
    lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`);
    for (const l of h.lines) {
      if (l.startsWith('+')) additions++;
      else if (l.startsWith('-')) deletions++;
      lines.push(l);
    }
  }
  return { patch: lines.join('\n'), additions, deletions };
}
