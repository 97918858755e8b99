// The read-only pages of the playground's GitHub: what the app wrote, rendered the way
// github.com shows it. `/` lists the story, the pull requests with their checks, the
// notifications the local sinks received and any endpoint the app called that the
// playground does not serve; a pull request's page has its checks (Markdown summaries and
// annotations on the lines they name), its conversation and its files; a repo's page lists
// its files. No scripts: the pages are served with a CSP that forbids them.
import { escapeHtml as e, renderMarkdown } from './markdown.js';
import type { CheckRun, Issue, Repo, World } from './world.js';

const STYLE = `
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:10px 24px;display:flex;gap:16px;align-items:center}
header a{color:#fff;font-weight:600;text-decoration:none}
header .note{color:#9198a1;font-size:12px}
main{max-width:1040px;margin:0 auto;padding:16px 24px}
a{color:#0969da}
h1{font-size:24px;font-weight:400;margin:8px 0}
h2{font-size:16px;margin:24px 0 8px}
.box{background:#fff;border:1px solid #d1d9e0;border-radius:6px;margin:8px 0 16px;overflow:hidden}
.box>.head{background:#f6f8fa;border-bottom:1px solid #d1d9e0;padding:8px 16px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.box>.body{padding:8px 16px}
.markdown table{border-collapse:collapse;margin:8px 0}
.markdown th,.markdown td{border:1px solid #d1d9e0;padding:4px 10px}
.markdown th{background:#f6f8fa}
.markdown code{background:#eff1f3;padding:1px 4px;border-radius:4px;font-size:85%}
.markdown pre{background:#f6f8fa;padding:8px;overflow:auto}
.markdown pre code{background:none;padding:0}
.state{display:inline-block;border-radius:2em;padding:2px 10px;font-size:12px;font-weight:600;color:#fff}
.s-success,.s-open,.s-approved{background:#1a7f37}.s-failure,.s-rejected,.s-closed{background:#d1242f}.s-merged{background:#8250df}
.s-neutral,.s-skipped,.s-in_progress,.s-queued,.s-pending,.s-commented{background:#9a6700}
.mention{font-weight:600}
.annotation{border-left:4px solid #d1242f;background:#fff8f8;margin:6px 0;padding:4px 10px}
.annotation.warning{border-color:#9a6700;background:#fff8e5}.annotation.notice{border-color:#0969da;background:#f0f7ff}
.annotation pre{margin:4px 0;background:#f6f8fa;padding:4px 8px;overflow:auto}
.muted{color:#59636e;font-size:12px}
table.list{width:100%;border-collapse:collapse}table.list td{border-top:1px solid #d1d9e0;padding:6px 8px;vertical-align:top}
pre.diff{font-size:12px;margin:0;padding:8px;overflow:auto}
pre.diff .add{background:#dafbe1;display:block}pre.diff .del{background:#ffebe9;display:block}
.story{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;white-space:pre-wrap;margin:0;padding:8px 16px}
`;

function layout(w: World, title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${e(title)} · PuddleJumper playground</title><style>${STYLE}</style></head>
<body><header><a href="/">PuddleJumper playground</a><span class="note">a local GitHub for the ${e(w.org)} organisation — nothing here leaves this machine</span></header>
<main>${body}</main></body></html>`;
}

const badge = (state: string | undefined, label?: string) => `<span class="state s-${e(state ?? 'pending')}">${e(label ?? state ?? 'pending')}</span>`;
const md = (text: string) => `<div class="markdown">${renderMarkdown(text)}</div>`;

/** The latest run of each check name on a commit (the one GitHub shows). */
export function latestRuns(repo: Repo, sha: string): CheckRun[] {
  const out = new Map<string, CheckRun>();
  for (const run of repo.checkRuns) if (run.headSha === sha) out.set(run.name, run);
  return [...out.values()];
}

function pullState(i: Issue): string {
  return i.pull?.merged ? 'merged' : i.state;
}

function index(w: World, ctx: PageContext): string {
  const rows: string[] = [];
  for (const repo of w.repos.values()) {
    for (const i of [...repo.issues.values()].reverse()) {
      const runs = i.pull ? latestRuns(repo, i.pull.head.sha) : [];
      rows.push(`<tr data-pr="${e(repo.fullName)}#${i.number}"><td><a href="/${e(repo.fullName)}/${i.pull ? 'pull' : 'issues'}/${i.number}">${e(repo.fullName)}#${i.number}</a></td>
<td>${e(i.title)}<div class="muted">by @${e(i.user.login)}</div></td><td>${badge(pullState(i))}</td>
<td>${runs.map((r) => `<div>${badge(r.conclusion ?? r.status)} ${e(r.name)}</div>`).join('')}</td></tr>`);
    }
  }
  const notes = w.notifications.map((n) => `<tr data-notification="${e(n.channel)}"><td>${e(n.channel)}</td><td>${e(n.to)}</td><td>${e(n.summary)}</td><td class="muted">${e(n.at)}</td></tr>`);
  const unknown = ctx.unknown.length
    ? `<h2>Endpoints the app called that the playground does not serve</h2><div class="box"><div class="body"><pre>${e(ctx.unknown.join('\n'))}</pre></div></div>`
    : '';
  return layout(
    w,
    'Overview',
    `<h1>${e(w.org)}</h1>
<h2>Pull requests and issues</h2><div class="box"><table class="list">${rows.join('\n') || '<tr><td>None yet.</td></tr>'}</table></div>
${ctx.story.length ? `<h2>The story</h2><div class="box"><pre class="story">${e(ctx.story.join('\n'))}</pre></div>` : ''}
<h2>Notifications received by the local sinks</h2><div class="box"><table class="list">${notes.join('\n') || '<tr><td>None yet.</td></tr>'}</table></div>
<h2>Repositories</h2><div class="box"><table class="list">${[...w.repos.values()].map((r) => `<tr><td><a href="/${e(r.fullName)}">${e(r.fullName)}</a></td><td>${e(r.description)}</td></tr>`).join('')}</table></div>
${unknown}`,
  );
}

function checkRun(w: World, repo: Repo, run: CheckRun): string {
  const head = w.git.filesAt(run.headSha);
  const annotations = run.annotations
    .map((a) => {
      const blob = head.get(a.path);
      const line = blob ? w.git.blobs.get(blob)!.toString('utf8').split('\n')[a.start_line - 1] : undefined;
      return `<div class="annotation ${e(a.annotation_level)}"><div><strong>${e(a.title ?? a.annotation_level)}</strong> <span class="muted">${e(a.path)}:${a.start_line}</span></div>
${line !== undefined ? `<pre>${a.start_line}  ${e(line)}</pre>` : ''}<div>${e(a.message)}</div></div>`;
    })
    .join('');
  return `<div class="box check" data-check="${e(run.name)}"><div class="head">${badge(run.conclusion ?? run.status)} <strong>${e(run.name)}</strong> — ${e(run.title)}
<span class="muted">written ${run.writes} time${run.writes === 1 ? '' : 's'}</span></div>
<div class="body">${md(run.summary)}${run.text ? md(run.text) : ''}${annotations ? `<h3>Annotations (${run.annotations.length})</h3>${annotations}` : ''}</div></div>`;
}

function conversation(w: World, repo: Repo, i: Issue): string {
  const items: Array<{ at: string; html: string }> = [];
  for (const c of repo.comments.filter((x) => x.issueNumber === i.number)) {
    items.push({ at: c.createdAt, html: `<div class="box comment" data-author="${e(c.user.login)}"><div class="head"><strong>@${e(c.user.login)}</strong><span class="muted">commented ${e(c.createdAt)}${c.updatedAt !== c.createdAt ? ' (edited)' : ''}</span></div><div class="body">${md(c.body)}</div></div>` });
  }
  for (const r of i.pull?.reviews ?? []) {
    items.push({ at: r.submittedAt, html: `<div class="box review" data-author="${e(r.user.login)}"><div class="head"><strong>@${e(r.user.login)}</strong> ${badge(r.state.toLowerCase())} <span class="muted">reviewed ${e(r.commitId.slice(0, 7))} ${e(r.submittedAt)}</span></div>${r.body ? `<div class="body">${md(r.body)}</div>` : ''}</div>` });
  }
  return items.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).map((x) => x.html).join('\n');
}

function files(w: World, repo: Repo, i: Issue & { pull: NonNullable<Issue['pull']> }): string {
  return w
    .pullFiles(repo, i)
    .map((f) => {
      const lines = f.patch.split('\n').map((l) => `<span class="${l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : ''}">${e(l)}</span>`);
      return `<div class="box"><div class="head"><strong>${e(f.filename)}</strong><span class="muted">${e(f.status)} +${f.additions} −${f.deletions}</span></div><pre class="diff">${lines.join('\n')}</pre></div>`;
    })
    .join('');
}

function issuePage(w: World, repo: Repo, i: Issue): string {
  const p = i.pull;
  const runs = p ? latestRuns(repo, p.head.sha) : [];
  const requested = p ? [...p.requestedReviewers].map((u) => `@${u}`).concat([...p.requestedTeams].map((t) => `@${repo.owner}/${t}`)) : [];
  return layout(
    w,
    `${i.title} · ${repo.fullName}#${i.number}`,
    `<div class="muted"><a href="/${e(repo.fullName)}">${e(repo.fullName)}</a></div>
<h1>${e(i.title)} <span class="muted">#${i.number}</span></h1>
<div>${badge(pullState(i))} <strong>@${e(i.user.login)}</strong> ${p ? `wants to merge <code>${e(p.head.ref)}</code> into <code>${e(p.base.ref)}</code> · head <code>${e(p.head.sha.slice(0, 7))}</code>` : 'opened this issue'}</div>
${requested.length ? `<div class="muted" data-requested>Review requested from ${e(requested.join(', '))}</div>` : ''}
<div class="box"><div class="body">${md(i.body || '_No description._')}</div></div>
${p ? `<h2>Checks on ${e(p.head.sha.slice(0, 7))}</h2>${runs.map((r) => checkRun(w, repo, r)).join('') || '<p class="muted">No checks yet.</p>'}` : ''}
<h2>Conversation</h2>${conversation(w, repo, i) || '<p class="muted">No comments.</p>'}
${p ? `<h2>Files changed</h2>${files(w, repo, i as Issue & { pull: NonNullable<Issue['pull']> })}` : ''}`,
  );
}

function repoPage(w: World, repo: Repo, path?: string): string {
  const sha = repo.refs.get(repo.defaultBranch)!;
  if (path !== undefined) {
    const text = w.git.read(sha, path);
    if (text === undefined) return layout(w, 'Not found', `<h1>${e(repo.fullName)}: no ${e(path)}</h1>`);
    return layout(w, `${path} · ${repo.fullName}`, `<div class="muted"><a href="/${e(repo.fullName)}">${e(repo.fullName)}</a> / ${e(path)} at ${e(repo.defaultBranch)}</div><div class="box"><pre class="diff">${e(text)}</pre></div>`);
  }
  const list = [...w.git.filesAt(sha).keys()].sort().map((f) => `<tr><td><a href="/${e(repo.fullName)}/blob/${e(repo.defaultBranch)}/${e(f)}">${e(f)}</a></td></tr>`);
  const branches = [...repo.refs.keys()].map((b) => `<code>${e(b)}</code>`).join(' ');
  return layout(w, repo.fullName, `<h1>${e(repo.fullName)}</h1><p>${e(repo.description)}</p><p class="muted">branches: ${branches}</p><div class="box"><table class="list">${list.join('')}</table></div>`);
}

export interface PageContext {
  unknown: string[];
  story: string[];
}

/** The page at `path`, or undefined (404). */
export function renderPage(w: World, path: string, ctx: PageContext): string | undefined {
  if (path === '/') return index(w, ctx);
  const m = /^\/([^/]+)\/([^/]+)(?:\/(pull|issues)\/(\d+)|\/blob\/[^/]+\/(.+))?\/?$/.exec(path);
  if (!m) return undefined;
  const repo = w.repo(`${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`);
  if (!repo) return undefined;
  if (m[4] !== undefined) {
    const i = repo.issues.get(Number(m[4]));
    return i ? issuePage(w, repo, i) : undefined;
  }
  return repoPage(w, repo, m[5] !== undefined ? decodeURIComponent(m[5]) : undefined);
}
