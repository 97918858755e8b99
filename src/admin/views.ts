// The control plane's pages, server-rendered. Every value goes through `html` (escaped);
// every form that changes something carries the session's CSRF token.
import type { ActionSummary, AuditSummary, ChainSummary, DashboardNumbers, EvaluationSummary, InstallationRow, StepRow } from '../store/admin.js';
import type { AuditVerification, PackStatus, TestRunView } from './deps.js';
import { age, href, html, shortSha, type Html } from './html.js';
import type { Session } from './session.js';

export type Nav = 'dashboard' | 'approvals' | 'dispatches' | 'audit' | 'packs' | 'drift' | 'test-run' | 'none';

export interface Flash {
  ok: boolean;
  text: string;
}

const NAV: Array<[Exclude<Nav, 'none'>, string, string]> = [
  ['dashboard', 'Dashboard', '/admin'],
  ['approvals', 'Approvals', '/admin/approvals'],
  ['dispatches', 'Dispatches', '/admin/dispatches'],
  ['audit', 'Audit', '/admin/audit'],
  ['packs', 'Packs', '/admin/packs'],
  ['drift', 'Drift', '/admin/drift'],
  ['test-run', 'Pack test run', '/admin/test-run'],
];

export function layout(title: string, session: Session | undefined, nav: Nav, body: Html, flash?: Flash): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · PuddleJumper</title><link rel="stylesheet" href="/admin/static/admin.css"></head>
<body><header class="top"><a class="brand" href="/admin">PuddleJumper</a>
${session ? html`<nav>${NAV.map(([id, label, path]) => html`<a href="${path}" class="${id === nav ? 'here' : ''}">${label}</a>`)}</nav>
<div class="who"><span>@${session.login}</span><form class="inline" method="post" action="/admin/logout"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit">Sign out</button></form></div>` : ''}
</header><main>${flash ? html`<div class="flash ${flash.ok ? 'ok' : 'bad'}" role="status">${flash.text}</div>` : ''}${body}</main></body></html>`.text;
}

export function notConfiguredPage(missing: string[]): string {
  return layout(
    'Sign-in is not configured',
    undefined,
    'none',
    html`<div class="center"><h1>Sign-in is not configured</h1>
<p>The control plane is never open: it needs GitHub sign-in. Set ${missing.map((m, i) => html`${i > 0 ? ', ' : ''}<code>${m}</code>`)} and restart.</p>
<ol><li><code>GITHUB_CLIENT_ID</code> and <code>GITHUB_CLIENT_SECRET</code>: the App's OAuth client (the App's settings page on GitHub, "Client secrets"; the setup flow writes them to <code>.env</code>).</li>
<li>The App's <em>Callback URL</em> on GitHub: <code>PJ_PUBLIC_URL/admin/oauth/callback</code> (e.g. <code>http://localhost:3000/admin/oauth/callback</code>).</li>
<li><code>PJ_SESSION_SECRET</code>: at least 32 random characters (<code>openssl rand -hex 32</code>); comma-separated to rotate (the first signs).</li>
<li>Optional: <code>PJ_ADMIN_TEAM</code> (a team whose members may see their organisation's installation), <code>PJ_ADMIN_TOKEN</code> (Bearer token for scripts on <code>/api/v1</code>).</li></ol></div>`,
  );
}

export function signInPage(next: string, error?: string): string {
  return layout(
    'Sign in',
    undefined,
    'none',
    html`<div class="center"><h1>PuddleJumper control plane</h1>
${error ? html`<p class="flash bad">${error}</p>` : ''}
<p>Sign in with GitHub to see the approval queue, the outbox and the audit log of the installations you administer.</p>
<p><a class="button primary" href="${href('/admin/login', { next })}">Sign in with GitHub</a></p></div>`,
  );
}

export function signedOutPage(): string {
  return layout('Signed out', undefined, 'none', html`<div class="center"><h1>Signed out</h1><p><a href="/admin">Sign in again</a></p></div>`);
}

export function errorPage(session: Session | undefined, status: number, text: string): string {
  return layout(`${status}`, session, 'none', html`<h1>${status}</h1><p>${text}</p>`);
}

const sevBadge = (s: string | undefined | null) => html`<span class="badge sev-${s ?? 'info'}">${s ?? '—'}</span>`;
const statusBadge = (s: string) => html`<span class="badge s-${s}">${s}</span>`;

function who(tier: ChainSummary['tiers'][string] | undefined): string {
  if (!tier) return '';
  const names = [...tier.users.map((u) => `@${u}`), ...tier.teams.map((t) => `@${t}`)];
  return names.length > 0 ? `any of ${names.join(', ')}` : 'nobody listed';
}

/** "step 2 of 3: Director (any of @acme/directors)" for each active step. */
export function describeActive(c: ChainSummary): string[] {
  return c.steps.flatMap((s, i) => (s.status === 'active' ? [`step ${i + 1} of ${c.steps.length}: ${s.tierName} (${who(c.tiers[s.tierId])})`] : []));
}

function decidedSoFar(c: ChainSummary): Html {
  const decided = c.steps.filter((s) => s.decidedBy);
  if (decided.length === 0) return html`<span class="muted">nobody yet</span>`;
  return html`${decided.map((s, i) => html`${i > 0 ? ', ' : ''}@${s.decidedBy} (${s.tierName}, ${s.status})`)}`;
}

function decideForms(session: Session, c: ChainSummary, s: StepRow): Html {
  if (s.status !== 'active' || c.status !== 'pending' || c.supersededAt) return html``;
  const action = `/admin/chains/${c.id}/steps/${encodeURIComponent(s.stepKey)}`;
  return html`<form class="inline" method="post" action="${action}/approve"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="primary" title="Approve ${s.tierName}">Approve ${s.tierName}</button></form>
<form class="inline" method="post" action="${action}/reject"><input type="hidden" name="csrf" value="${session.csrf}"><input name="reason" placeholder="reason" size="12" aria-label="reason"><button type="submit" class="danger">Reject</button></form>`;
}

export function prUrl(web: string, repo: string, n: number): string {
  return `${web}/${repo}/pull/${n}`;
}

export interface ApprovalsQuery {
  sort: 'age' | 'severity';
  dir: 'asc' | 'desc';
  repo?: string;
  page: number;
}

export function approvalsPage(session: Session, web: string, q: ApprovalsQuery, chains: ChainSummary[], total: number, pageSize: number, now: Date, flash?: Flash): string {
  const link = (over: Partial<ApprovalsQuery>) => href('/admin/approvals', { ...q, ...over });
  const sortLink = (sort: 'age' | 'severity', label: string) => {
    const dir = q.sort === sort && q.dir === 'asc' ? 'desc' : 'asc';
    return html`<a href="${link({ sort, dir, page: 1 })}">${label}${q.sort === sort ? (q.dir === 'asc' ? ' ▲' : ' ▼') : ''}</a>`;
  };
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return layout(
    'Approvals',
    session,
    'approvals',
    html`<h1>Approvals <span class="muted">(${total} pending)</span></h1>
<form class="filters" method="get" action="/admin/approvals"><label>Repository<input name="repo" value="${q.repo ?? ''}" placeholder="owner/name"></label>
<input type="hidden" name="sort" value="${q.sort}"><input type="hidden" name="dir" value="${q.dir}"><button type="submit">Filter</button></form>
<table><thead><tr><th>Repository</th><th>PR</th><th>Head</th><th>${sortLink('severity', 'Severity')}</th><th>Waiting on</th><th>${sortLink('age', 'Age')}</th><th>Decided so far</th><th>Decide</th></tr></thead><tbody>
${chains.length === 0 ? html`<tr><td colspan="8" class="muted">No pending approval chain.</td></tr>` : ''}
${chains.map(
  (c) => html`<tr data-chain="${c.id}"><td>${c.repo}</td><td><a href="/admin/chains/${c.id}">#${c.prNumber}</a> <a class="muted" href="${prUrl(web, c.repo, c.prNumber)}">GitHub</a></td>
<td class="mono">${shortSha(c.headSha ?? c.lastHeadSha)}</td><td>${sevBadge(c.severity)}</td>
<td>${describeActive(c).map((d) => html`<div>${d}</div>`)}</td><td title="${c.createdAt}">${age(c.createdAt, now)}</td><td>${decidedSoFar(c)}</td>
<td>${c.steps.filter((s) => s.status === 'active').map((s) => html`<div>${decideForms(session, c, s)}</div>`)}</td></tr>`,
)}
</tbody></table>
<div class="pager">${q.page > 1 ? html`<a href="${link({ page: q.page - 1 })}">← newer page</a>` : ''}<span class="muted">page ${q.page} of ${pages}</span>${q.page < pages ? html`<a href="${link({ page: q.page + 1 })}">next page →</a>` : ''}</div>`,
    flash,
  );
}

function evaluationBlock(e: EvaluationSummary | undefined): Html {
  if (!e) return html`<p class="muted">No stored evaluation for this head.</p>`;
  let parsed: { packs?: Array<{ packId: string; versionHash: string; mode: string; blocks: boolean; testMode: boolean; findings: Array<{ ruleId: string; severity: string; message: string; file?: string; line?: number }> }>; invalidPacks?: Array<{ file: string; errors: Array<{ message: string }> }> };
  try {
    parsed = JSON.parse(e.evaluation);
  } catch {
    return html`<p class="muted">The stored evaluation could not be read.</p>`;
  }
  return html`<p class="muted">Evaluated ${e.evaluatedAt} · gate ${e.gate}</p>
${(parsed.invalidPacks ?? []).map((p) => html`<p class="flash bad">Invalid pack ${p.file}: ${p.errors[0]?.message ?? ''}</p>`)}
<table><thead><tr><th>Pack</th><th>Version</th><th>Mode</th><th>Blocks</th><th>Findings</th></tr></thead><tbody>
${(parsed.packs ?? []).map(
  (p) => html`<tr><td>${p.packId}${p.testMode ? ' (test mode)' : ''}</td><td class="mono">${p.versionHash.slice(0, 12)}</td><td>${p.mode}</td><td>${p.blocks ? 'yes' : 'no'}</td>
<td>${p.findings.length === 0 ? html`<span class="muted">none</span>` : html`<ul class="steps">${p.findings.slice(0, 20).map((f) => html`<li>${sevBadge(f.severity)} <code>${f.ruleId}</code> ${f.message}${f.file ? html` <span class="muted">${f.file}${f.line ? `:${f.line}` : ''}</span>` : ''}</li>`)}</ul>`}</td></tr>`,
)}</tbody></table>`;
}

export function actionsTable(session: Session | undefined, actions: ActionSummary[], now: Date, opts: { controls: boolean }): Html {
  return html`<table><thead><tr><th class="num">#</th><th>Kind</th><th>Subject</th><th>Idempotency key</th><th>State</th><th class="num">Attempts</th><th>Next retry</th><th>Last error</th><th>Updated</th>${opts.controls ? html`<th></th>` : ''}</tr></thead><tbody>
${actions.length === 0 ? html`<tr><td colspan="10" class="muted">No action.</td></tr>` : ''}
${actions.map(
  (a) => html`<tr data-action="${a.id}"><td class="num">${a.id}</td><td>${a.kind}</td><td>${a.repo}${a.prNumber !== null ? `#${a.prNumber}` : ''} <span class="mono muted">${shortSha(a.headSha)}</span></td>
<td class="mono">${a.idempotencyKey} <span class="muted">r${a.revision}</span></td><td><span class="badge a-${a.status}">${a.status}</span>${a.reason && a.status !== 'failed' ? html`<div class="muted">${a.reason}</div>` : ''}</td><td class="num">${a.attempts}</td>
<td>${a.status === 'approved' && a.nextAttemptAt ? (Date.parse(a.nextAttemptAt) > now.getTime() ? `in ${age(now.toISOString(), new Date(Date.parse(a.nextAttemptAt)))}` : 'due') : '—'}</td>
<td>${a.lastError ?? ''}</td><td title="${a.updatedAt}">${age(a.updatedAt, now)} ago</td>
${opts.controls && session ? html`<td>${a.status === 'failed' ? html`<form class="inline" method="post" action="/admin/dispatches/${a.id}/retry"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="primary">Retry now</button></form>` : ''}
${a.status === 'proposed' || a.status === 'approved' ? html`<form class="inline" method="post" action="/admin/dispatches/${a.id}/cancel"><input type="hidden" name="csrf" value="${session.csrf}"><button type="submit" class="danger">Cancel</button></form>` : ''}</td>` : ''}</tr>`,
)}</tbody></table>`;
}

export function chainPage(session: Session, web: string, c: ChainSummary, evaluation: EvaluationSummary | undefined, actions: ActionSummary[], history: ChainSummary[], now: Date, flash?: Flash): string {
  return layout(
    `Chain ${c.key}`,
    session,
    'approvals',
    html`<h1>${c.repo} <a href="${prUrl(web, c.repo, c.prNumber)}">#${c.prNumber}</a> ${statusBadge(c.status)} ${sevBadge(c.severity)}</h1>
<p class="muted">Chain <code>${c.key}</code> · head <code>${c.headSha ?? `per PR, last ${c.lastHeadSha}`}</code> · author @${c.prAuthor} · started ${c.createdAt} (${age(c.createdAt, now)} ago)${c.supersededAt ? ` · superseded ${c.supersededAt}` : ''}</p>
<h2>Steps</h2>
<table><thead><tr><th>#</th><th>Group</th><th>Tier</th><th>Who may decide</th><th>State</th><th>Decided by</th><th>When</th><th>Via</th><th>Reason</th><th>Decide</th></tr></thead><tbody>
${c.steps.map(
  (s, i) => html`<tr data-step="${s.stepKey}"><td>${i + 1}</td><td>${s.group + 1}</td><td>${s.tierName}</td><td>${who(c.tiers[s.tierId])}</td><td>${statusBadge(s.status)}</td><td>${s.decidedBy ? `@${s.decidedBy}` : ''}</td>
<td>${s.decidedAt ?? (s.activatedAt ? `active for ${age(s.activatedAt, now)}` : '')}</td><td>${s.sourceKind ?? ''}</td><td>${s.reason ?? ''}</td><td>${decideForms(session, c, s)}</td></tr>`,
)}</tbody></table>
<h2>Evaluation of this head</h2>${evaluationBlock(evaluation)}
<h2>Actions of this PR</h2>${actionsTable(session, actions, now, { controls: true })}
${history.length > 1 ? html`<h2>Chains of this PR</h2><ul>${history.map((h) => html`<li><a href="/admin/chains/${h.id}">${h.key}</a> ${statusBadge(h.status)} ${h.supersededAt ? html`<span class="muted">superseded</span>` : ''}</li>`)}</ul>` : ''}`,
    flash,
  );
}

export interface DispatchQuery {
  status?: string;
  kind?: string;
  repo?: string;
  page: number;
}

export function dispatchesPage(session: Session, q: DispatchQuery, actions: ActionSummary[], hasMore: boolean, now: Date, flash?: Flash): string {
  const link = (over: Partial<DispatchQuery>) => href('/admin/dispatches', { ...q, ...over });
  const statuses = ['', 'proposed', 'approved', 'dispatching', 'dispatched', 'failed', 'denied', 'superseded', 'cancelled'];
  return layout(
    'Dispatches',
    session,
    'dispatches',
    html`<h1>Dispatches <span class="muted">(the outbox)</span></h1>
<form class="filters" method="get" action="/admin/dispatches"><label>State<select name="status">${statuses.map((s) => html`<option value="${s}"${s === (q.status ?? '') ? html` selected` : ''}>${s || 'any'}</option>`)}</select></label>
<label>Kind<input name="kind" value="${q.kind ?? ''}" placeholder="check_run.upsert"></label><label>Repository<input name="repo" value="${q.repo ?? ''}" placeholder="owner/name"></label><button type="submit">Filter</button></form>
${actionsTable(session, actions, now, { controls: true })}
<div class="pager">${q.page > 1 ? html`<a href="${link({ page: q.page - 1 })}">← newer</a>` : ''}<span class="muted">page ${q.page}</span>${hasMore ? html`<a href="${link({ page: q.page + 1 })}">older →</a>` : ''}</div>`,
    flash,
  );
}

export interface AuditQueryView {
  type?: string;
  actor?: string;
  repo?: string;
  since?: string;
  until?: string;
  before?: number;
}

/** The verified badge; a scoped viewer's is worded about their own events (admin/verify-scope.ts). */
function verificationBadge(v: AuditVerification): Html {
  const your = v.scoped ? 'your ' : '';
  if (v.ok) return html`<span class="badge ok" id="verified">chain verified up to ${your}event ${v.upTo}</span> <span class="muted">${v.count} ${v.count === 1 ? 'event' : 'events'}${v.scoped ? ' of your installations' : ''} checked</span>`;
  const where = v.brokenAt !== undefined ? html`; broken at ${your}event ${v.brokenAt}` : html``;
  return html`<span class="badge bad" id="verified">chain verified up to ${your}event ${v.upTo}${where}: ${v.reason ?? ''}</span>`;
}

export function auditPage(session: Session, q: AuditQueryView, types: string[], events: AuditSummary[], hasMore: boolean, verification: AuditVerification | undefined, flash?: Flash): string {
  const filters = { type: q.type, actor: q.actor, repo: q.repo, since: q.since, until: q.until };
  return layout(
    'Audit log',
    session,
    'audit',
    html`<h1>Audit log</h1>
<p>${verification ? verificationBadge(verification) : html`<a href="${href('/admin/audit', { ...filters, before: q.before, verify: 1 })}">Verify the hash chain now</a>`}
 · <a href="${href('/admin/audit/export', filters)}">Export these events (JSON lines)</a></p>
<form class="filters" method="get" action="/admin/audit"><label>Event type<select name="type"><option value="">any</option>${types.map((t) => html`<option value="${t}"${t === q.type ? html` selected` : ''}>${t}</option>`)}</select></label>
<label>Actor<input name="actor" value="${q.actor ?? ''}" placeholder="user:alice"></label><label>Repository<input name="repo" value="${q.repo ?? ''}" placeholder="owner/name"></label>
<label>From<input name="since" type="date" value="${q.since ?? ''}"></label><label>To<input name="until" type="date" value="${q.until ?? ''}"></label><button type="submit">Filter</button></form>
<table><thead><tr><th class="num">#</th><th>At</th><th>Type</th><th>Actor</th><th>Repository</th><th>Subject</th><th>Details</th></tr></thead><tbody>
${events.length === 0 ? html`<tr><td colspan="7" class="muted">No event matches.</td></tr>` : ''}
${events.map((e) => html`<tr data-event="${e.id}"><td class="num">${e.id}</td><td class="mono">${e.at}</td><td>${e.type}</td><td>${e.actor}</td><td>${e.repo ?? ''}</td><td class="mono">${e.subject}</td><td><pre>${e.details.length > 600 ? `${e.details.slice(0, 600)}…` : e.details}</pre></td></tr>`)}
</tbody></table>
<div class="pager">${q.before !== undefined ? html`<a href="${href('/admin/audit', filters)}">← newest</a>` : ''}${hasMore ? html`<a href="${href('/admin/audit', { ...filters, before: events.at(-1)?.id })}">older →</a>` : ''}</div>`,
    flash,
  );
}

export function packsPage(
  session: Session,
  web: string,
  sections: Array<{ installation: InstallationRow | { id: number; accountLogin: string }; status?: PackStatus; error?: string; evaluations: EvaluationSummary[] }>,
): string {
  return layout(
    'Packs',
    session,
    'packs',
    html`<h1>Policy packs</h1>
${sections.length === 0 ? html`<p class="muted">You administer no installation of this App.</p>` : ''}
${sections.map(
  (s) => html`<section data-installation="${s.installation.id}"><h2>${s.installation.accountLogin} <span class="muted">installation ${s.installation.id}</span></h2>
${s.error ? html`<p class="flash bad">Could not read the config repo: ${s.error}</p>` : ''}
${s.status ? html`<p class="muted">Config repo head <code>${s.status.configSha ?? 'none'}</code></p>${s.status.errors.map((e) => html`<p class="flash bad">${e}</p>`)}
<table><thead><tr><th>Pack</th><th>File</th><th>Status</th><th>Version hash</th><th>Valid</th><th>Repos it governs</th></tr></thead><tbody>
${s.status.packs.length === 0 ? html`<tr><td colspan="6" class="muted">No pack in the config repo.</td></tr>` : ''}
${s.status.packs.map((p) => html`<tr><td>${p.id}${p.name ? html`<div class="muted">${p.name}</div>` : ''}</td><td class="mono">${p.file}</td><td>${p.status ?? '—'}</td><td class="mono">${p.versionHash?.slice(0, 12) ?? '—'}</td>
<td>${p.valid ? html`<span class="badge ok">valid</span>` : html`<span class="badge bad">invalid</span><div>${p.errors.map((e) => html`<div class="mono">${e}</div>`)}</div>`}</td><td>${p.repos}</td></tr>`)}</tbody></table>` : ''}
<h3>Last evaluations</h3>
<table><thead><tr><th>When</th><th>PR</th><th>Head</th><th>Gate</th><th>Packs</th></tr></thead><tbody>
${s.evaluations.length === 0 ? html`<tr><td colspan="5" class="muted">No evaluation yet.</td></tr>` : ''}
${s.evaluations.map((e) => html`<tr><td class="mono">${e.evaluatedAt}</td><td><a href="${prUrl(web, e.repo, e.prNumber)}">${e.repo}#${e.prNumber}</a></td><td class="mono">${shortSha(e.headSha)}</td><td>${e.gate}</td><td>${packsOf(e)}</td></tr>`)}
</tbody></table></section>`,
)}`,
  );
}

function packsOf(e: EvaluationSummary): string {
  try {
    const parsed = JSON.parse(e.evaluation) as { packs?: Array<{ packId: string; findings: unknown[]; blocks: boolean }> };
    return (parsed.packs ?? []).map((p) => `${p.packId}: ${p.findings.length} finding${p.findings.length === 1 ? '' : 's'}${p.blocks ? ', blocks' : ''}`).join('; ') || 'none applied';
  } catch {
    return '?';
  }
}

export function percentile(values: number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const seconds = (v: number | undefined) => (v === undefined ? '—' : v < 10 ? `${v.toFixed(2)} s` : `${Math.round(v)} s`);
const pct = (n: number, d: number) => (d === 0 ? '—' : `${((100 * n) / d).toFixed(1)} %`);

export function dashboardPage(session: Session, n: DashboardNumbers, recent: ActionSummary[], windowLabel: string, now: Date): string {
  const finished = n.dispatched + n.failed;
  return layout(
    'Dashboard',
    session,
    'dashboard',
    html`<h1>Dashboard</h1>
<div class="cards">
<div class="card" id="pending"><div class="value">${n.pendingChains}</div><div class="label">pending approval chains (${n.pendingSteps} step${n.pendingSteps === 1 ? '' : 's'} waiting)</div></div>
<div class="card" id="success"><div class="value">${pct(n.dispatched, finished)}</div><div class="label">dispatch success rate, ${windowLabel} (${n.dispatched} of ${finished})</div></div>
<div class="card" id="retry"><div class="value">${pct(n.retried, finished)}</div><div class="label">needed a retry, ${windowLabel} (${n.retried})</div></div>
<div class="card" id="latency"><div class="value">${seconds(percentile(n.latencies, 50))} / ${seconds(percentile(n.latencies, 95))}</div><div class="label">webhook-to-check latency, median / p95 (${n.latencies.length} heads)</div></div>
</div>
<h2>Recent dispatches</h2>${actionsTable(session, recent, now, { controls: false })}
<p><a href="/admin/dispatches">All dispatches →</a></p>`,
  );
}

export interface TestRunForm {
  installation?: number;
  pack?: string;
  repo?: string;
  ref?: string;
  last?: number;
  pr?: number;
}

export function testRunFormPage(session: Session, installations: Array<{ id: number; login: string }>, form: TestRunForm, error?: string): string {
  return layout(
    'Pack test run',
    session,
    'test-run',
    html`<h1>Pack test run</h1>
<p class="muted">Runs one pack over recent pull requests and shows what it would do. Nothing is written to GitHub, to the outbox or to the audit log.</p>
${error ? html`<p class="flash bad">${error}</p>` : ''}
<form class="filters" method="post" action="/admin/test-run"><input type="hidden" name="csrf" value="${session.csrf}">
<label>Installation<select name="installation">${installations.map((i) => html`<option value="${i.id}"${i.id === form.installation ? html` selected` : ''}>${i.login}</option>`)}</select></label>
<label>Pack (id or file)<input name="pack" value="${form.pack ?? ''}" required></label>
<label>Config ref (branch, tag or sha)<input name="ref" value="${form.ref ?? ''}" placeholder="default branch"></label>
<label>Repository<input name="repo" value="${form.repo ?? ''}" placeholder="owner/name" required></label>
<label>Last N PRs<input name="last" type="number" min="1" max="50" value="${form.last ?? 10}"></label>
<label>or one PR<input name="pr" type="number" min="1" value="${form.pr ?? ''}"></label>
<button type="submit" class="primary">Run</button></form>`,
  );
}

function driftCell(d: TestRunView['prs'][number]['drift']): Html {
  if (!d) return html`<span class="muted">—</span>`;
  if (d.error) return html`<span class="muted">${d.doc}: ${d.error}</span>`;
  if (d.items.length === 0) return html`<span class="muted">nothing in ${d.doc}</span>`;
  return html`<div class="muted">${d.doc}</div><ul class="steps">${d.items.slice(0, 30).map(
    (i) => html`<li data-drift="${i.rule}">${sevBadge(i.severity)} <span class="badge">${i.band}</span> <code>${i.rule}</code> ${i.message}${i.docLine !== undefined ? html` <span class="muted">line ${i.docLine}</span>` : ''}${i.patch ? html`<details><summary>patch</summary><pre>${i.patch}</pre></details>` : ''}</li>`,
  )}</ul>`;
}

export function testRunResultPage(session: Session, web: string, repo: string, run: TestRunView, expires: string): string {
  const p = run.pack;
  const drift = run.prs.some((r) => r.drift !== undefined);
  return layout(
    'Pack test run',
    session,
    'test-run',
    html`<h1>Test run of ${p.id} on ${repo}</h1>
<p class="muted">Pack <code>${p.file}</code>${p.versionHash ? html` · version <code>${p.versionHash.slice(0, 12)}</code>` : ''}${p.status ? ` · status ${p.status}` : ''}${p.testMode ? ' · in test mode (run as if enforcing)' : ''} · config <code>${run.configSha ?? 'local'}</code> · this result expires ${expires}</p>
${p.valid ? '' : html`<p class="flash bad">The pack is invalid: ${p.errors.join('; ')}</p>`}
<table><thead><tr><th>PR</th><th>Title</th><th>Applies</th><th>Findings</th><th>Would block</th><th>Chain it would require</th>${drift ? html`<th>Drift it would raise</th>` : ''}</tr></thead><tbody>
${run.prs.length === 0 ? html`<tr><td colspan="7" class="muted">No pull request.</td></tr>` : ''}
${run.prs.map(
  (r) => html`<tr data-pr="${r.number}"><td><a href="${prUrl(web, repo, r.number)}">#${r.number}</a> <span class="muted">${r.state ?? ''}</span><div class="mono muted">${shortSha(r.headSha)}</div></td><td>${r.title ?? ''}</td>
<td>${r.error ? html`<span class="badge bad">error</span><div>${r.error}</div>` : r.applies ? 'yes' : html`<span class="muted">no (scope or paths)</span>`}</td>
<td>${r.findings.length === 0 ? html`<span class="muted">none</span>` : html`<ul class="steps">${r.findings.slice(0, 30).map((f) => html`<li>${sevBadge(f.severity)} <code>${f.ruleId}</code> ${f.message}${f.file ? html` <span class="muted">${f.file}${f.line ? `:${f.line}` : ''}</span>` : ''}</li>`)}</ul>`}</td>
<td>${r.wouldBlock ? html`<span class="badge bad">would block</span>` : html`<span class="badge ok">would pass</span>`}${r.highestSeverity ? html` ${sevBadge(r.highestSeverity)}` : ''}</td>
<td>${r.chain.length === 0 ? html`<span class="muted">none</span>` : html`<ol class="steps">${r.chain.map((g) => html`<li>${g.map((t, i) => html`${i > 0 ? ' and ' : ''}${t.name} (${[...t.users.map((u) => `@${u}`), ...t.teams.map((x) => `@${x}`)].join(', ') || 'nobody listed'})`)}</li>`)}</ol>`}</td>${drift ? html`<td>${driftCell(r.drift)}</td>` : ''}</tr>`,
)}</tbody></table>
<p><a href="/admin/test-run">Another test run</a></p>`,
  );
}
