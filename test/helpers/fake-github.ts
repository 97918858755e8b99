// A small stateful GitHub behind nock, for Track B's end-to-end tests: repos with refs,
// commits, trees and file contents (git data and contents APIs), pull requests (with
// their files for the source repo), issues and comments, check runs, and the config repo
// (conditional head lookups answered 304). Every request is recorded as "METHOD path".
import { createHash } from 'node:crypto';
import nock from 'nock';
import { API } from './app.js';

interface Commit {
  tree: string;
  parents: string[];
}
interface Pull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: 'open' | 'closed';
  reviewers: string[];
  files?: Array<{ filename: string; status: string; sha?: string; previous_filename?: string }>;
}
interface Issue {
  number: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  comments: string[];
}
interface Repo {
  defaultBranch: string;
  refs: Map<string, string>;
  pulls: Pull[];
  issues: Issue[];
  /** Raw contents by commit sha and path (source repos: base and head of a PR). */
  raw: Map<string, string>;
}

const sha = (s: string) => createHash('sha1').update(s).digest('hex');

export class FakeGitHub {
  readonly calls: string[] = [];
  readonly repos = new Map<string, Repo>();
  readonly commits = new Map<string, Commit>();
  readonly trees = new Map<string, Map<string, string>>();
  readonly blobs = new Map<string, string>();
  /** Every check run write, in order (a PATCH is a new entry: the last one of a name and head is what GitHub shows). */
  readonly checkRuns: Array<{ name: string; headSha?: string; status?: string; conclusion?: string; title: string; summary: string }> = [];
  private readonly checkHeads = new Map<number, string>();
  private next = 100;
  configSha = 'c'.repeat(40);
  packs: Record<string, string> = {};

  constructor() {
    this.install();
  }

  repo(name: string, defaultBranch = 'main'): Repo {
    let r = this.repos.get(name);
    if (!r) this.repos.set(name, (r = { defaultBranch, refs: new Map(), pulls: [], issues: [], raw: new Map() }));
    return r;
  }

  /** A commit with these files (on top of the parent's tree); returns its sha. */
  commit(files: Record<string, string>, parent?: string, message = 'commit'): string {
    const base = parent ? this.trees.get(this.commits.get(parent)!.tree)! : new Map<string, string>();
    const tree = new Map(base);
    for (const [p, c] of Object.entries(files)) {
      tree.set(p, c);
      this.blobs.set(sha(`blob ${c}`), c);
    }
    const treeSha = sha(`tree ${[...tree].map(([p, c]) => `${p}\0${c}`).join('\n')}`);
    this.trees.set(treeSha, tree);
    const commitSha = sha(`commit ${treeSha} ${parent ?? ''} ${message} ${this.next++}`);
    this.commits.set(commitSha, { tree: treeSha, parents: parent ? [parent] : [] });
    return commitSha;
  }

  fileAt(ref: string, path: string): string | undefined {
    const c = this.commits.get(ref);
    return c ? this.trees.get(c.tree)?.get(path) : undefined;
  }

  /** A file's content on a branch of a repo. */
  onBranch(repo: string, branch: string, path: string): string | undefined {
    const head = this.repo(repo).refs.get(branch);
    return head ? this.fileAt(head, path) : undefined;
  }

  /** A source PR: its listed files and both sides' contents. */
  sourcePull(repo: string, number: number, base: Record<string, string>, head: Record<string, string>): { baseSha: string; headSha: string } {
    const r = this.repo(repo);
    const baseSha = sha(`${repo}#${number}:base`);
    const headSha = sha(`${repo}#${number}:head`);
    const files = [];
    for (const path of new Set([...Object.keys(base), ...Object.keys(head)])) {
      if (base[path] !== undefined) r.raw.set(`${baseSha}:${path}`, base[path]!);
      if (head[path] !== undefined) {
        r.raw.set(`${headSha}:${path}`, head[path]!);
        this.blobs.set(sha(`blob ${head[path]}`), head[path]!);
      }
      const status = base[path] === undefined ? 'added' : head[path] === undefined ? 'removed' : 'modified';
      files.push({ filename: path, status, ...(head[path] !== undefined ? { sha: sha(`blob ${head[path]}`) } : {}) });
    }
    r.pulls.push({ number, head: `feature-${number}`, base: r.defaultBranch, title: `PR ${number}`, body: '', state: 'closed', reviewers: [], files });
    return { baseSha, headSha };
  }

  openPulls(repo: string): Pull[] {
    return this.repo(repo).pulls.filter((p) => p.state === 'open');
  }

  private route(method: string, uri: string, body: any, headers: Record<string, string | string[] | undefined>): [number, unknown, Record<string, string>?] {
    const url = new URL(uri, API);
    const path = decodeURIComponent(url.pathname);
    const q = url.searchParams;
    this.calls.push(`${method} ${path}`);
    let m: RegExpExecArray | null;
    if ((m = /^\/repos\/([^/]+)\/\.github\/commits\/HEAD$/.exec(path))) {
      if (headers['if-none-match'] === `"${this.configSha}"`) return [304, ''];
      return [200, this.configSha, { etag: `"${this.configSha}"`, 'content-type': 'application/vnd.github.sha' }];
    }
    if ((m = /^\/repos\/([^/]+)\/\.github\/git\/trees\/(\w+)$/.exec(path))) {
      return [200, { sha: m[2], truncated: false, tree: [{ path: 'policy-packs', type: 'tree', sha: 't'.repeat(40) }, ...Object.entries(this.packs).map(([p, text]) => ({ path: p, type: 'blob', sha: sha(`blob ${text}`), size: text.length }))] }];
    }
    if ((m = /^\/repos\/([^/]+)\/\.github\/git\/blobs\/(\w+)$/.exec(path))) {
      return [200, { content: Buffer.from(this.blobs.get(m[2]!) ?? Object.values(this.packs).find((t) => sha(`blob ${t}`) === m![2]) ?? '').toString('base64'), encoding: 'base64' }];
    }
    if (!(m = /^\/repos\/([^/]+\/[^/]+)(\/.*)?$/.exec(path))) return [404, { message: 'Not Found' }];
    const repoName = m[1]!;
    const rest = m[2] ?? '';
    const r = this.repo(repoName);
    const [owner] = repoName.split('/');
    if (rest === '' && method === 'GET') return [200, { full_name: repoName, default_branch: r.defaultBranch }];
    if ((m = /^\/git\/ref\/heads\/(.+)$/.exec(rest)) && method === 'GET') {
      const s = r.refs.get(m[1]!);
      return s ? [200, { object: { sha: s } }] : [404, { message: 'Not Found' }];
    }
    if (rest === '/git/refs' && method === 'POST') {
      const name = String(body.ref).replace(/^refs\/heads\//, '');
      if (r.refs.has(name)) return [422, { message: 'Reference already exists' }];
      r.refs.set(name, body.sha);
      return [201, { object: { sha: body.sha } }];
    }
    if ((m = /^\/git\/refs\/heads\/(.+)$/.exec(rest)) && method === 'PATCH') {
      const current = r.refs.get(m[1]!);
      if (!body.force && current && !this.isAncestor(current, body.sha)) return [422, { message: 'Update is not a fast forward' }];
      r.refs.set(m[1]!, body.sha);
      return [200, { object: { sha: body.sha } }];
    }
    if ((m = /^\/git\/commits\/(\w+)$/.exec(rest)) && method === 'GET') {
      const c = this.commits.get(m[1]!);
      return c ? [200, { sha: m[1], tree: { sha: c.tree }, parents: c.parents.map((p) => ({ sha: p })) }] : [404, { message: 'Not Found' }];
    }
    if (rest === '/git/trees' && method === 'POST') {
      const base = this.trees.get(body.base_tree) ?? new Map<string, string>();
      const tree = new Map(base);
      for (const e of body.tree as Array<{ path: string; content: string }>) tree.set(e.path, e.content);
      const treeSha = sha(`tree ${[...tree].map(([p, c]) => `${p}\0${c}`).join('\n')}`);
      this.trees.set(treeSha, tree);
      return [201, { sha: treeSha }];
    }
    if (rest === '/git/commits' && method === 'POST') {
      const commitSha = sha(`commit ${body.tree} ${body.parents.join(',')} ${body.message} ${this.next++}`);
      this.commits.set(commitSha, { tree: body.tree, parents: body.parents });
      return [201, { sha: commitSha }];
    }
    if ((m = /^\/git\/blobs\/(\w+)$/.exec(rest)) && method === 'GET') {
      const c = this.blobs.get(m[1]!);
      return c === undefined ? [404, { message: 'Not Found' }] : [200, c, { 'content-type': 'application/vnd.github.raw' }];
    }
    if ((m = /^\/contents\/(.+)$/.exec(rest)) && method === 'GET') {
      const ref = q.get('ref') ?? r.defaultBranch;
      const commitSha = r.refs.get(ref) ?? ref;
      const text = this.fileAt(commitSha, m[1]!) ?? r.raw.get(`${commitSha}:${m[1]}`);
      if (text === undefined) return [404, { message: 'Not Found' }];
      if (String(headers.accept ?? '').includes('raw')) return [200, text, { 'content-type': 'application/vnd.github.raw' }];
      return [200, { type: 'file', sha: sha(`blob ${text}`), size: text.length, content: Buffer.from(text).toString('base64'), encoding: 'base64' }];
    }
    if ((m = /^\/pulls\/(\d+)\/files$/.exec(rest)) && method === 'GET') return [200, r.pulls.find((p) => p.number === Number(m![1]))?.files ?? []];
    if (rest === '/pulls' && method === 'GET') {
      const head = q.get('head');
      return [200, r.pulls.filter((p) => p.state === (q.get('state') ?? 'open') && (!head || `${owner}:${p.head}` === head)).map((p) => ({ number: p.number, body: p.body, node_id: `PR_${p.number}` }))];
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(rest)) && method === 'GET') {
      const p = r.pulls.find((x) => x.number === Number(m![1]));
      if (!p) return [404, { message: 'Not Found' }];
      const head = r.refs.get(p.head) ?? '0'.repeat(40);
      const base = r.refs.get(p.base) ?? '0'.repeat(40);
      return [200, { number: p.number, state: p.state, base: { sha: base, ref: p.base }, head: { sha: head, ref: p.head }, user: { login: 'puddlejumper[bot]', type: 'Bot' }, labels: [], body: p.body }];
    }
    if (rest === '/pulls' && method === 'POST') {
      const number = this.next++;
      r.pulls.push({ number, head: body.head, base: body.base, title: body.title, body: body.body, state: 'open', reviewers: [] });
      return [201, { number, node_id: `PR_${number}` }];
    }
    if ((m = /^\/pulls\/(\d+)$/.exec(rest)) && method === 'PATCH') {
      const p = r.pulls.find((x) => x.number === Number(m![1]))!;
      Object.assign(p, { ...(body.title ? { title: body.title } : {}), ...(body.body !== undefined ? { body: body.body } : {}), ...(body.state ? { state: body.state } : {}) });
      return [200, { number: p.number }];
    }
    if ((m = /^\/pulls\/(\d+)\/requested_reviewers$/.exec(rest)) && method === 'POST') {
      const p = r.pulls.find((x) => x.number === Number(m![1]))!;
      p.reviewers.push(...body.reviewers, ...body.team_reviewers.map((t: string) => `@${t}`));
      return [201, {}];
    }
    if (rest === '/issues' && method === 'GET') return [200, r.issues.filter((i) => i.state === (q.get('state') ?? 'open')).map((i) => ({ number: i.number, body: i.body, state: i.state }))];
    if (rest === '/issues' && method === 'POST') {
      const number = this.next++;
      r.issues.push({ number, title: body.title, body: body.body, state: 'open', comments: [] });
      return [201, { number }];
    }
    if ((m = /^\/issues\/(\d+)$/.exec(rest))) {
      const i = r.issues.find((x) => x.number === Number(m![1]));
      if (!i) return [404, { message: 'Not Found' }];
      if (method === 'PATCH') Object.assign(i, { ...(body.title ? { title: body.title } : {}), ...(body.body !== undefined ? { body: body.body } : {}), ...(body.state ? { state: body.state } : {}) });
      return [200, { number: i.number, body: i.body, state: i.state }];
    }
    if ((m = /^\/issues\/(\d+)\/comments$/.exec(rest))) {
      const n = Number(m[1]);
      const target = r.issues.find((x) => x.number === n) ?? (r.pulls.find((x) => x.number === n) ? this.pullIssue(r, n) : undefined);
      if (!target) return [404, { message: 'Not Found' }];
      if (method === 'GET') return [200, target.comments.map((c, id) => ({ id: id + 1, body: c }))];
      target.comments.push(body.body);
      return [201, { id: target.comments.length }];
    }
    if (rest === '/check-runs' && method === 'POST') {
      const id = this.next++;
      this.checkHeads.set(id, body.head_sha);
      this.checkRuns.push({ name: body.name, headSha: body.head_sha, status: body.status, conclusion: body.conclusion, title: body.output?.title, summary: body.output?.summary });
      return [201, { id }];
    }
    if ((m = /^\/check-runs\/(\d+)$/.exec(rest)) && method === 'PATCH') {
      const headSha = this.checkHeads.get(Number(m[1]));
      this.checkRuns.push({ name: body.name, ...(headSha ? { headSha } : {}), status: body.status, conclusion: body.conclusion, title: body.output?.title, summary: body.output?.summary });
      return [200, {}];
    }
    return [404, { message: `fake GitHub: no route for ${method} ${path}` }];
  }

  private readonly pullComments = new Map<number, Issue>();
  private pullIssue(r: Repo, n: number): Issue {
    let i = this.pullComments.get(n);
    if (!i) this.pullComments.set(n, (i = { number: n, title: '', body: '', state: 'open', comments: [] }));
    return i;
  }
  comments(n: number): string[] {
    return this.pullComments.get(n)?.comments ?? [];
  }

  private isAncestor(ancestor: string, of: string): boolean {
    for (let c: string | undefined = of; c; c = this.commits.get(c)?.parents[0]) if (c === ancestor) return true;
    return false;
  }

  private install(): void {
    const self = this;
    const scope = nock(API).persist();
    for (const method of ['get', 'post', 'patch'] as const) {
      scope[method](/.*/).query(true).optionally().reply(function (uri, body) {
        const parsed = typeof body === 'string' && body.length ? JSON.parse(body) : body;
        return self.route(method.toUpperCase(), uri, parsed, this.req.headers) as never;
      });
    }
  }
}
