// The REST endpoints of GitHub that PuddleJumper calls (found by reading src/github and the
// dispatchers), answered from the World: the App and its installation token, team
// membership, git data (refs, commits, trees, blobs), contents, compare, pull requests and
// their files and reviewers, issues and comments, check runs. Each answers the way GitHub
// does for what the app reads (media types, 304 on an unchanged ETag, 404 and 422 where
// GitHub gives them). Anything else is not here: the server answers it 404 and logs it.
import { randomBytes } from 'node:crypto';
import type { World, Repo, Issue, CheckRun, Annotation } from './world.js';

export interface ApiRequest {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** The person a user token (the OAuth flow's) belongs to; undefined for the App's tokens. */
  user?: string;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Side effects GitHub would have: the webhooks a write by the app makes GitHub send. */
export interface ApiEvents {
  pullOpened(repo: Repo, issue: Issue): void;
  commentCreated(repo: Repo, issueNumber: number, commentId: number): void;
  /** A branch was created (before: undefined) or moved by the app through the git data API. */
  branchPushed(repo: Repo, branch: string, before: string | undefined, after: string): void;
}

type Handler = (w: World, r: ApiRequest, events: ApiEvents) => ApiResponse;
export interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

const routes: Route[] = [];
function route(spec: string, handler: Handler): void {
  const [method, path] = spec.split(' ') as [string, string];
  const names: string[] = [];
  const source = path.replace(/\{(\w+)(\*?)\}/g, (_m, name: string, rest: string) => {
    names.push(name);
    return rest ? '(.+)' : '([^/]+)';
  });
  routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
}

export function findRoute(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
    return { route: r, params };
  }
  return undefined;
}

const ok = (body: unknown, status = 200, headers?: Record<string, string>): ApiResponse => ({ status, body, ...(headers ? { headers } : {}) });
const accept = (r: ApiRequest) => String(r.headers.accept ?? '');
const isRaw = (r: ApiRequest) => /application\/vnd\.github(\.v3)?\.raw/.test(accept(r));
const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v.length === 0) throw new ApiError(422, `${what} is missing`);
  return v;
};

function repoOf(w: World, r: ApiRequest): Repo {
  const repo = w.repo(`${r.params.owner}/${r.params.repo}`);
  if (!repo) throw new ApiError(404, 'Not Found');
  return repo;
}

function commitOf(w: World, repo: Repo, ref: string): string {
  const sha = w.resolve(repo, ref);
  if (!sha) throw new ApiError(404, `No commit found for the ref ${ref}`);
  return sha;
}

function issueOf(w: World, repo: Repo, n: string): Issue {
  const issue = repo.issues.get(Number(n));
  if (!issue) throw new ApiError(404, 'Not Found');
  return issue;
}

// ---- serialisation --------------------------------------------------------------------

export function repoJson(w: World, repo: Repo) {
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: repo.fullName,
    private: false,
    owner: { login: repo.owner, id: 1, type: 'Organization' },
    html_url: w.htmlUrl(repo),
    description: repo.description,
    default_branch: repo.defaultBranch,
  };
}

export function pullJson(w: World, repo: Repo, i: Issue) {
  const p = i.pull!;
  const files = w.pullFiles(repo, i as Issue & { pull: NonNullable<Issue['pull']> });
  return {
    id: i.number + repo.id * 1000,
    node_id: `PR_${repo.id}_${i.number}`,
    number: i.number,
    html_url: w.htmlUrl(repo, `/pull/${i.number}`),
    state: i.state,
    title: i.title,
    body: i.body,
    user: i.user,
    labels: i.labels.map((name) => ({ name })),
    draft: false,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    merged: p.merged,
    merged_at: p.mergedAt ?? null,
    merge_commit_sha: p.mergeCommitSha ?? null,
    requested_reviewers: [...p.requestedReviewers].map((login) => w.account(login)),
    requested_teams: [...p.requestedTeams].map((slug) => ({ slug, name: slug })),
    head: { ref: p.head.ref, sha: p.head.sha, label: `${repo.owner}:${p.head.ref}`, repo: repoJson(w, repo) },
    base: { ref: p.base.ref, sha: p.base.sha, label: `${repo.owner}:${p.base.ref}`, repo: repoJson(w, repo) },
    changed_files: files.length,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
  };
}

export function issueJson(w: World, repo: Repo, i: Issue) {
  return {
    id: i.number + repo.id * 1000,
    number: i.number,
    html_url: w.htmlUrl(repo, `/${i.pull ? 'pull' : 'issues'}/${i.number}`),
    title: i.title,
    body: i.body,
    user: i.user,
    state: i.state,
    labels: i.labels.map((name) => ({ name })),
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    ...(i.pull ? { pull_request: { url: `${w.apiBase}/repos/${repo.fullName}/pulls/${i.number}`, html_url: w.htmlUrl(repo, `/pull/${i.number}`) } } : {}),
  };
}

export function commentJson(w: World, repo: Repo, c: Repo['comments'][number]) {
  return {
    id: c.id,
    body: c.body,
    user: c.user,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    html_url: w.htmlUrl(repo, `/pull/${c.issueNumber}#issuecomment-${c.id}`),
    issue_url: `${w.apiBase}/repos/${repo.fullName}/issues/${c.issueNumber}`,
  };
}

function checkRunJson(w: World, repo: Repo, c: CheckRun) {
  return {
    id: c.id,
    name: c.name,
    head_sha: c.headSha,
    status: c.status,
    conclusion: c.conclusion ?? null,
    external_id: c.externalId ?? null,
    details_url: c.detailsUrl ?? null,
    html_url: w.htmlUrl(repo, `/runs/${c.id}`),
    started_at: c.startedAt,
    completed_at: c.completedAt ?? null,
    output: { title: c.title, summary: c.summary, text: c.text ?? null, annotations_count: c.annotations.length },
    app: { slug: w.bot.login.replace(/\[bot\]$/, '') },
  };
}

// ---- the App and its installation -------------------------------------------------------

route('GET /app', (w) => ok({ id: w.appId, slug: w.bot.login.replace(/\[bot\]$/, ''), name: 'PuddleJumper', owner: { login: w.org } }));
route('POST /app/installations/{id}/access_tokens', (w, r) => {
  const id = Number(r.params.id);
  if (id !== w.installationId) throw new ApiError(404, 'Not Found');
  const token = `ghs_playground${randomBytes(12).toString('hex')}`;
  const expiresAt = Date.now() + 3600_000;
  w.tokens.set(token, { installationId: id, expiresAt });
  return ok({ token, expires_at: new Date(expiresAt).toISOString(), permissions: { checks: 'write', pull_requests: 'write', contents: 'write', issues: 'write', members: 'read', metadata: 'read' }, repository_selection: 'all' }, 201);
});
route('GET /installation/repositories', (w) =>
  ok({ total_count: w.repos.size, repository_selection: 'all', repositories: [...w.repos.values()].map((r) => repoJson(w, r)) }),
);
route('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', (w, r) => {
  if (!w.isMember(r.params.org!, r.params.team_slug!, r.params.username!)) throw new ApiError(404, 'Not Found');
  return ok({ state: 'active', role: 'member' });
});

// ---- the signed-in person (the control plane's OAuth sign-in) -------------------------------

function userOf(r: ApiRequest): string {
  if (r.user === undefined) throw new ApiError(403, 'Resource not accessible by integration');
  return r.user;
}
route('GET /user', (w, r) => ok(w.account(userOf(r))));
route('GET /user/installations', (w, r) => {
  userOf(r);
  return ok({ total_count: 1, installations: [{ id: w.installationId, app_id: w.appId, account: { login: w.org, id: 1, type: 'Organization' } }] });
});
route('GET /user/memberships/orgs/{org}', (w, r) => {
  const login = userOf(r);
  if (r.params.org!.toLowerCase() !== w.org.toLowerCase()) throw new ApiError(404, 'Not Found');
  const member = w.orgAdmins.has(login) || [...w.teams.values()].some((t) => t.members.includes(login));
  if (!member) throw new ApiError(404, 'Not Found');
  return ok({ state: 'active', role: w.orgAdmins.has(login) ? 'admin' : 'member', organization: { login: w.org } });
});

// ---- repos, git data, contents ------------------------------------------------------------

route('GET /repos/{owner}/{repo}', (w, r) => ok(repoJson(w, repoOf(w, r))));

route('GET /repos/{owner}/{repo}/commits/{ref}', (w, r) => {
  const repo = repoOf(w, r);
  const sha = commitOf(w, repo, r.params.ref!);
  const etag = `"${sha}"`;
  if (/vnd\.github(\.v3)?\.sha/.test(accept(r))) {
    if (r.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
    return { status: 200, body: sha, headers: { etag, 'content-type': 'application/vnd.github.sha; charset=utf-8' } };
  }
  const c = w.git.commit(sha)!;
  return ok({ sha, commit: { message: c.message, tree: { sha: c.tree }, author: { name: c.author, date: c.date } }, parents: c.parents.map((s) => ({ sha: s })) }, 200, { etag });
});

route('GET /repos/{owner}/{repo}/contents/{path*}', (w, r) => {
  const repo = repoOf(w, r);
  const sha = commitOf(w, repo, r.query.get('ref') ?? repo.defaultBranch);
  const path = r.params.path!;
  const files = w.git.filesAt(sha);
  const blob = files.get(path);
  if (blob === undefined) {
    const inside = [...files.keys()].filter((p) => p.startsWith(`${path}/`));
    if (inside.length === 0) throw new ApiError(404, 'Not Found');
    const names = [...new Set(inside.map((p) => p.slice(path.length + 1).split('/')[0]!))];
    return ok(names.map((name) => ({ name, path: `${path}/${name}`, type: files.has(`${path}/${name}`) ? 'file' : 'dir' })));
  }
  const bytes = w.git.blobs.get(blob)!;
  if (isRaw(r)) return { status: 200, body: bytes.toString('utf8'), headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' } };
  return ok({ type: 'file', name: path.split('/').pop(), path, sha: blob, size: bytes.length, encoding: 'base64', content: bytes.toString('base64') });
});

route('GET /repos/{owner}/{repo}/git/blobs/{sha}', (w, r) => {
  repoOf(w, r);
  const bytes = w.git.blobs.get(r.params.sha!);
  if (!bytes) throw new ApiError(404, 'Not Found');
  if (isRaw(r)) return { status: 200, body: bytes.toString('utf8'), headers: { 'content-type': 'application/vnd.github.raw; charset=utf-8' } };
  return ok({ sha: r.params.sha, size: bytes.length, encoding: 'base64', content: bytes.toString('base64') });
});

route('GET /repos/{owner}/{repo}/git/trees/{sha}', (w, r) => {
  repoOf(w, r);
  const asked = r.params.sha!;
  const treeSha = w.git.commit(asked)?.tree ?? asked;
  const tree = w.git.trees.get(treeSha);
  if (!tree) throw new ApiError(404, 'Not Found');
  const recursive = r.query.has('recursive');
  const dirs = new Set<string>();
  const entries: Array<{ path: string; mode: string; type: string; sha: string; size?: number }> = [];
  for (const [path, blob] of tree) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    if (recursive || parts.length === 1) entries.push({ path, mode: '100644', type: 'blob', sha: blob, size: w.git.blobs.get(blob)!.length });
  }
  for (const d of dirs) if (recursive || !d.includes('/')) entries.push({ path: d, mode: '040000', type: 'tree', sha: `${treeSha.slice(0, 20)}${d.length.toString(16).padStart(20, '0')}` });
  entries.sort((a, b) => (a.path < b.path ? -1 : 1));
  return ok({ sha: treeSha, truncated: false, tree: entries });
});

route('POST /repos/{owner}/{repo}/git/trees', (w, r) => {
  repoOf(w, r);
  const base = typeof r.body.base_tree === 'string' ? w.git.trees.get(r.body.base_tree) : undefined;
  if (r.body.base_tree !== undefined && !base) throw new ApiError(422, 'base_tree is not a tree');
  const files = new Map(base ?? []);
  for (const e of (r.body.tree ?? []) as Array<{ path: string; sha?: string | null; content?: string }>) {
    if (typeof e.content === 'string') files.set(e.path, w.git.putBlob(e.content));
    else if (e.sha === null) files.delete(e.path);
    else if (typeof e.sha === 'string' && w.git.blobs.has(e.sha)) files.set(e.path, e.sha);
    else throw new ApiError(422, `tree entry ${e.path}: a content or a known blob sha is required`);
  }
  const sha = w.git.putTree(files);
  return ok({ sha, truncated: false, tree: [...files].map(([path, s]) => ({ path, type: 'blob', sha: s })) }, 201);
});

route('GET /repos/{owner}/{repo}/git/commits/{sha}', (w, r) => {
  repoOf(w, r);
  const c = w.git.commit(r.params.sha!);
  if (!c) throw new ApiError(404, 'Not Found');
  return ok({ sha: c.sha, message: c.message, tree: { sha: c.tree }, parents: c.parents.map((s) => ({ sha: s })), author: { name: c.author, date: c.date } });
});

route('POST /repos/{owner}/{repo}/git/commits', (w, r) => {
  repoOf(w, r);
  const tree = str(r.body.tree, 'tree');
  if (!w.git.trees.has(tree)) throw new ApiError(422, `tree ${tree} does not exist`);
  const parents = (r.body.parents ?? []) as string[];
  for (const p of parents) if (!w.git.commit(p)) throw new ApiError(422, `parent ${p} does not exist`);
  const sha = w.git.putCommit({ tree, parents, message: str(r.body.message, 'message'), author: w.bot.login, date: w.stamp() });
  return ok({ sha, tree: { sha: tree }, parents: parents.map((s) => ({ sha: s })), message: r.body.message }, 201);
});

const refJson = (repo: Repo, branch: string, sha: string) => ({ ref: `refs/heads/${branch}`, object: { sha, type: 'commit' }, url: `/repos/${repo.fullName}/git/refs/heads/${branch}` });

route('GET /repos/{owner}/{repo}/git/ref/{ref*}', (w, r) => {
  const repo = repoOf(w, r);
  const branch = r.params.ref!.replace(/^heads\//, '');
  const sha = repo.refs.get(branch);
  if (!sha) throw new ApiError(404, 'Not Found');
  return ok(refJson(repo, branch, sha));
});

route('POST /repos/{owner}/{repo}/git/refs', (w, r, events) => {
  const repo = repoOf(w, r);
  const ref = str(r.body.ref, 'ref');
  if (!ref.startsWith('refs/heads/')) throw new ApiError(422, 'only branches (refs/heads/…) are kept in the playground');
  const branch = ref.slice('refs/heads/'.length);
  const sha = str(r.body.sha, 'sha');
  if (repo.refs.has(branch)) throw new ApiError(422, 'Reference already exists');
  if (!w.git.commit(sha)) throw new ApiError(422, 'Object does not exist');
  repo.refs.set(branch, sha);
  events.branchPushed(repo, branch, undefined, sha);
  return ok(refJson(repo, branch, sha), 201);
});

route('PATCH /repos/{owner}/{repo}/git/refs/{ref*}', (w, r, events) => {
  const repo = repoOf(w, r);
  const branch = r.params.ref!.replace(/^heads\//, '');
  const current = repo.refs.get(branch);
  if (!current) throw new ApiError(422, 'Reference does not exist');
  const sha = str(r.body.sha, 'sha');
  if (!w.git.commit(sha)) throw new ApiError(422, 'Object does not exist');
  if (r.body.force !== true && !w.git.ancestors(sha).has(current)) throw new ApiError(422, 'Update is not a fast forward');
  repo.refs.set(branch, sha);
  events.branchPushed(repo, branch, current, sha);
  return ok(refJson(repo, branch, sha));
});

route('GET /repos/{owner}/{repo}/compare/{basehead}', (w, r) => {
  const repo = repoOf(w, r);
  const [baseRef, headRef] = r.params.basehead!.split('...') as [string, string | undefined];
  if (headRef === undefined) throw new ApiError(404, 'Not Found');
  const base = commitOf(w, repo, baseRef);
  const head = commitOf(w, repo, headRef);
  const mergeBase = w.git.mergeBase(base, head) ?? base;
  const files = w.git.diff(mergeBase, head);
  return ok({ status: base === head ? 'identical' : 'ahead', merge_base_commit: { sha: mergeBase }, files });
});

// ---- pull requests ------------------------------------------------------------------

route('GET /repos/{owner}/{repo}/pulls', (w, r) => {
  const repo = repoOf(w, r);
  const state = r.query.get('state') ?? 'open';
  const head = r.query.get('head');
  let pulls = w.pulls(repo).filter((i) => state === 'all' || i.state === state);
  if (head) pulls = pulls.filter((i) => `${repo.owner}:${i.pull!.head.ref}` === head);
  if (r.query.get('direction') === 'desc') pulls.reverse();
  const perPage = Number(r.query.get('per_page') ?? 30);
  return ok(pulls.slice(0, perPage).map((i) => pullJson(w, repo, i)));
});

route('GET /repos/{owner}/{repo}/pulls/{number}', (w, r) => {
  const repo = repoOf(w, r);
  const i = w.pull(repo, Number(r.params.number));
  if (!i) throw new ApiError(404, 'Not Found');
  return ok(pullJson(w, repo, i));
});

route('GET /repos/{owner}/{repo}/pulls/{number}/files', (w, r) => {
  const repo = repoOf(w, r);
  const i = w.pull(repo, Number(r.params.number));
  if (!i) throw new ApiError(404, 'Not Found');
  const perPage = Number(r.query.get('per_page') ?? 30);
  const page = Number(r.query.get('page') ?? 1);
  return ok(w.pullFiles(repo, i).slice((page - 1) * perPage, page * perPage));
});

route('POST /repos/{owner}/{repo}/pulls', (w, r, events) => {
  const repo = repoOf(w, r);
  const head = str(r.body.head, 'head').replace(`${repo.owner}:`, '');
  const base = str(r.body.base, 'base');
  if (!repo.refs.has(head)) throw new ApiError(422, `head branch ${head} does not exist`);
  if (!repo.refs.has(base)) throw new ApiError(422, `base branch ${base} does not exist`);
  if (w.pulls(repo).some((i) => i.state === 'open' && i.pull!.head.ref === head && i.pull!.base.ref === base)) {
    throw new ApiError(422, `A pull request already exists for ${repo.owner}:${head}.`);
  }
  const issue = w.openPull(repo, { user: w.bot, title: str(r.body.title, 'title'), body: String(r.body.body ?? ''), head, base });
  events.pullOpened(repo, issue);
  return ok(pullJson(w, repo, issue), 201);
});

route('PATCH /repos/{owner}/{repo}/pulls/{number}', (w, r) => {
  const repo = repoOf(w, r);
  const i = w.pull(repo, Number(r.params.number));
  if (!i) throw new ApiError(404, 'Not Found');
  editIssue(w, i, r.body);
  return ok(pullJson(w, repo, i));
});

route('POST /repos/{owner}/{repo}/pulls/{number}/requested_reviewers', (w, r) => {
  const repo = repoOf(w, r);
  const i = w.pull(repo, Number(r.params.number));
  if (!i) throw new ApiError(404, 'Not Found');
  const users = (r.body.reviewers ?? []) as string[];
  const teams = (r.body.team_reviewers ?? []) as string[];
  if (users.some((u) => u.toLowerCase() === i.user.login.toLowerCase())) throw new ApiError(422, 'Review cannot be requested from pull request author.');
  const unknownTeam = teams.find((t) => !w.teams.has(`${repo.owner}/${t}`.toLowerCase()));
  if (unknownTeam) throw new ApiError(422, `Reviews may only be requested from collaborators. One or more of the teams you specified is not a collaborator of the ${repo.fullName} repository.`);
  for (const u of users) i.pull.requestedReviewers.add(w.account(u).login);
  for (const t of teams) i.pull.requestedTeams.add(t);
  return ok(pullJson(w, repo, i), 201);
});

route('DELETE /repos/{owner}/{repo}/pulls/{number}/requested_reviewers', (w, r) => {
  const repo = repoOf(w, r);
  const i = w.pull(repo, Number(r.params.number));
  if (!i) throw new ApiError(404, 'Not Found');
  for (const u of (r.body.reviewers ?? []) as string[]) i.pull.requestedReviewers.delete(u);
  for (const t of (r.body.team_reviewers ?? []) as string[]) i.pull.requestedTeams.delete(t);
  return ok(pullJson(w, repo, i));
});

// ---- issues and comments -------------------------------------------------------------------

function editIssue(w: World, i: Issue, body: Record<string, unknown>): void {
  if (typeof body.title === 'string') i.title = body.title;
  if (typeof body.body === 'string') i.body = body.body;
  if (body.state === 'open' || body.state === 'closed') i.state = body.state;
  if (Array.isArray(body.labels)) i.labels = body.labels.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name)));
  i.updatedAt = w.stamp();
}

route('GET /repos/{owner}/{repo}/issues', (w, r) => {
  const repo = repoOf(w, r);
  const state = r.query.get('state') ?? 'open';
  const creator = r.query.get('creator');
  const labels = r.query.get('labels')?.split(',').filter(Boolean) ?? [];
  const list = [...repo.issues.values()]
    .filter((i) => state === 'all' || i.state === state)
    .filter((i) => !creator || i.user.login === creator)
    .filter((i) => labels.every((l) => i.labels.includes(l)))
    .reverse();
  const perPage = Number(r.query.get('per_page') ?? 30);
  const page = Number(r.query.get('page') ?? 1);
  return ok(list.slice((page - 1) * perPage, page * perPage).map((i) => issueJson(w, repo, i)));
});

route('POST /repos/{owner}/{repo}/issues', (w, r) => {
  const repo = repoOf(w, r);
  const number = w.nextNumber(repo);
  const at = w.stamp();
  const labels = ((r.body.labels ?? []) as unknown[]).map(String);
  const issue: Issue = { number, title: str(r.body.title, 'title'), body: String(r.body.body ?? ''), user: w.bot, state: 'open', labels, createdAt: at, updatedAt: at };
  repo.issues.set(number, issue);
  return ok(issueJson(w, repo, issue), 201);
});

route('GET /repos/{owner}/{repo}/issues/{number}', (w, r) => {
  const repo = repoOf(w, r);
  return ok(issueJson(w, repo, issueOf(w, repo, r.params.number!)));
});

route('PATCH /repos/{owner}/{repo}/issues/{number}', (w, r) => {
  const repo = repoOf(w, r);
  const i = issueOf(w, repo, r.params.number!);
  editIssue(w, i, r.body);
  return ok(issueJson(w, repo, i));
});

route('GET /repos/{owner}/{repo}/issues/{number}/comments', (w, r) => {
  const repo = repoOf(w, r);
  const n = Number(r.params.number);
  issueOf(w, repo, String(n));
  const perPage = Number(r.query.get('per_page') ?? 30);
  const page = Number(r.query.get('page') ?? 1);
  return ok(repo.comments.filter((c) => c.issueNumber === n).slice((page - 1) * perPage, page * perPage).map((c) => commentJson(w, repo, c)));
});

route('POST /repos/{owner}/{repo}/issues/{number}/comments', (w, r, events) => {
  const repo = repoOf(w, r);
  const issue = issueOf(w, repo, r.params.number!);
  const c = w.addComment(repo, issue.number, w.bot, str(r.body.body, 'body'));
  events.commentCreated(repo, issue.number, c.id);
  return ok(commentJson(w, repo, c), 201);
});

route('PATCH /repos/{owner}/{repo}/issues/comments/{id}', (w, r) => {
  const repo = repoOf(w, r);
  const c = repo.comments.find((x) => x.id === Number(r.params.id));
  if (!c) throw new ApiError(404, 'Not Found');
  if (c.user.login !== w.bot.login) throw new ApiError(403, 'Resource not accessible by integration');
  c.body = str(r.body.body, 'body');
  c.updatedAt = w.stamp();
  return ok(commentJson(w, repo, c));
});

// ---- check runs -------------------------------------------------------------------------

function writeRun(w: World, run: CheckRun, body: Record<string, unknown>): void {
  if (typeof body.name === 'string') run.name = body.name;
  if (typeof body.status === 'string') run.status = body.status;
  if (typeof body.conclusion === 'string') {
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed') run.completedAt ??= w.stamp();
  else {
    delete run.conclusion;
    delete run.completedAt;
  }
  if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
  if (typeof body.external_id === 'string') run.externalId = body.external_id;
  const output = body.output as { title?: string; summary?: string; text?: string; annotations?: Annotation[] } | undefined;
  if (output) {
    if (typeof output.title === 'string') run.title = output.title;
    if (typeof output.summary === 'string') run.summary = output.summary;
    if (typeof output.text === 'string') run.text = output.text;
    const annotations = output.annotations ?? [];
    if (annotations.length > 50) throw new ApiError(422, 'at most 50 annotations per request');
    run.annotations.push(...annotations); // GitHub appends: annotations are added, never replaced
  }
  run.writes++;
}

route('POST /repos/{owner}/{repo}/check-runs', (w, r) => {
  const repo = repoOf(w, r);
  const headSha = str(r.body.head_sha, 'head_sha');
  if (!w.git.commit(headSha)) throw new ApiError(422, 'No commit found for SHA');
  const run: CheckRun = { id: w.id(), name: str(r.body.name, 'name'), headSha, status: 'queued', title: '', summary: '', annotations: [], startedAt: w.stamp(), writes: 0 };
  writeRun(w, run, r.body);
  repo.checkRuns.push(run);
  return ok(checkRunJson(w, repo, run), 201);
});

route('PATCH /repos/{owner}/{repo}/check-runs/{id}', (w, r) => {
  const repo = repoOf(w, r);
  const run = repo.checkRuns.find((c) => c.id === Number(r.params.id));
  if (!run) throw new ApiError(404, 'Not Found');
  writeRun(w, run, r.body);
  return ok(checkRunJson(w, repo, run));
});

route('GET /repos/{owner}/{repo}/check-runs/{id}', (w, r) => {
  const repo = repoOf(w, r);
  const run = repo.checkRuns.find((c) => c.id === Number(r.params.id));
  if (!run) throw new ApiError(404, 'Not Found');
  return ok(checkRunJson(w, repo, run));
});

route('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', (w, r) => {
  const repo = repoOf(w, r);
  const sha = commitOf(w, repo, r.params.ref!);
  const name = r.query.get('check_name');
  let runs = repo.checkRuns.filter((c) => c.headSha === sha && (!name || c.name === name)).reverse();
  if (r.query.get('filter') !== 'all') runs = runs.filter((c, i) => runs.findIndex((x) => x.name === c.name) === i);
  return ok({ total_count: runs.length, check_runs: runs.map((c) => checkRunJson(w, repo, c)) });
});
