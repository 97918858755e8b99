// The Drift page (Track B): the accumulation windows that are open (what each holds, when
// it flushes), the remediation PRs and Confluence proposals, and the digest per source repo
// and pack with its issue. Read-only: Track B acts on merges, the sweep and the digest's
// checkboxes, not on this page. Every value goes through `html` (escaped).
import type { DriftDigestView, DriftItemView, DriftRemediationView, DriftWindowView } from '../store/admin-drift.js';
import { age, href, html, shortSha, type Html } from './html.js';
import type { Session } from './session.js';
import { layout, prUrl } from './views.js';

export interface DriftQueryView {
  pack?: string;
  remediations?: 'all';
  page: number;
}

const sev = (s: string) => html`<span class="badge sev-${s}">${s}</span>`;

function sources(web: string, item: DriftItemView): Html {
  return html`${item.sources.map((s, i) => html`${i > 0 ? ', ' : ''}${s.number !== undefined ? html`<a href="${prUrl(web, s.repo, s.number)}">${s.repo}#${s.number}</a>` : html`${s.repo}@<span class="mono">${shortSha(s.sha)}</span>`}`)}`;
}

function itemRows(web: string, items: Array<DriftItemView & { status?: string }>): Html {
  return html`<table><thead><tr><th>Severity</th><th>Class</th><th>Rule</th><th>What</th><th>Where in the doc</th><th>From</th><th>Patch</th></tr></thead><tbody>
${items.map(
  (it) => html`<tr data-item="${it.fingerprint}"><td>${sev(it.severity)}</td><td>${it.changeClass}</td><td><code>${it.rule}</code>${it.status === 'ignored' ? html` <span class="muted">(its PR was closed)</span>` : ''}</td><td>${it.message}</td>
<td>${it.docPath}${it.docLine !== undefined ? `:${it.docLine}` : ''}${it.section ? html`<div class="muted">${it.section}</div>` : ''}</td><td>${sources(web, it)}</td>
<td>${it.patch ? html`<details><summary>diff</summary><pre>${it.patch}</pre></details>` : html`<span class="muted">flagged only</span>`}</td></tr>`,
)}</tbody></table>`;
}

function windowsSection(web: string, windows: DriftWindowView[], now: Date): Html {
  if (windows.length === 0) return html`<p class="muted">No window is open: nothing is waiting to be flushed.</p>`;
  return html`${windows.map(
    (w) => html`<section class="window" data-window="${w.installationId}:${w.packId}:${w.docKey}"><h3><code>${w.docKey}</code> <span class="muted">pack ${w.packId}</span></h3>
<p class="muted">Opened ${w.openedAt} (${age(w.openedAt, now)} ago) · ${w.dueAt ? (Date.parse(w.dueAt) > now.getTime() ? `flushes in ${age(now.toISOString(), new Date(Date.parse(w.dueAt)))} (${w.dueAt})` : `due since ${w.dueAt}: the next sweep flushes it`) : 'no due time'} · ${w.items.length} item${w.items.length === 1 ? '' : 's'}</p>
${itemRows(web, w.items)}</section>`,
  )}`;
}

function remediationsSection(web: string, rows: DriftRemediationView[], now: Date, all: boolean): Html {
  return html`<table><thead><tr><th>Doc</th><th>Pack</th><th>Where</th><th>State</th><th class="num">Items</th><th>Opened</th><th>Why</th></tr></thead><tbody>
${rows.length === 0 ? html`<tr><td colspan="7" class="muted">${all ? 'No remediation yet.' : 'No remediation PR is open.'}</td></tr>` : ''}
${rows.map(
  (r) => html`<tr data-remediation="${r.id}"><td><code>${r.docKey}</code></td><td>${r.packId}</td>
<td>${r.system === 'github' && r.prNumber !== null ? html`<a href="${prUrl(web, r.repo, r.prNumber)}">${r.repo}#${r.prNumber}</a>` : html`${r.repo}${r.prNumber !== null ? `#${r.prNumber}` : ''}`} <div class="muted mono">${r.branch}</div></td>
<td><span class="badge r-${r.status}">${r.status}</span></td><td class="num">${r.items}</td><td title="${r.openedAt}">${age(r.openedAt, now)} ago</td><td>${r.reason ?? ''}</td></tr>`,
)}</tbody></table>`;
}

function digestsSection(web: string, digests: DriftDigestView[]): Html {
  if (digests.length === 0) return html`<p class="muted">The digest is empty: no item was routed to it.</p>`;
  return html`${digests.map((d) => {
    const open = d.counts.digest;
    const shown = d.items.length < d.counts.digest + d.counts.ignored ? html` · the newest ${d.items.length} of ${d.counts.digest + d.counts.ignored} shown (the issue lists them all)` : '';
    const issue = d.issue
      ? html`${d.issue.issueNumber !== undefined ? html`<a href="${`${web}/${d.repo}/issues/${d.issue.issueNumber}`}">issue #${d.issue.issueNumber}</a>` : 'issue not created yet'} · <a href="${href('/admin/dispatches', { kind: 'issue.upsert', repo: d.repo })}">action ${d.issue.actionId}</a> <span class="badge a-${d.issue.status}">${d.issue.status}</span>${d.issue.closed ? ' · closed (empty)' : ''}`
      : html`no digest issue proposed yet`;
    return html`<section class="digest" data-digest="${d.installationId}:${d.repo}:${d.packId}"><h3>${d.repo} <span class="muted">pack ${d.packId}</span></h3>
<p class="muted">${open} item${open === 1 ? '' : 's'} in the digest${d.counts.ignored ? ` (and ${d.counts.ignored} closed with their PR)` : ''} · ${issue}${shown}</p>${itemRows(web, d.items)}</section>`;
  })}`;
}

export function driftPage(session: Session, web: string, q: DriftQueryView, data: { windows: DriftWindowView[]; more: boolean; remediations: DriftRemediationView[]; digests: DriftDigestView[] }, now: Date): string {
  const link = (over: Partial<DriftQueryView>) => href('/admin/drift', { ...q, ...over });
  const pending = data.windows.reduce((n, w) => n + w.items.length, 0);
  return layout(
    'Drift',
    session,
    'drift',
    html`<h1>Documentation drift <span class="muted">(Track B)</span></h1>
<form class="filters" method="get" action="/admin/drift"><label>Pack<input name="pack" value="${q.pack ?? ''}" placeholder="pack id"></label>
<label>Remediations<select name="remediations"><option value="">open and stopped</option><option value="all"${q.remediations === 'all' ? html` selected` : ''}>all, newest first</option></select></label><button type="submit">Filter</button></form>
<h2 id="windows">Accumulating windows <span class="muted">(${data.windows.length} open, ${pending} item${pending === 1 ? '' : 's'} waiting)</span></h2>
${windowsSection(web, data.windows, now)}
<div class="pager">${q.page > 1 ? html`<a href="${link({ page: q.page - 1 })}">← sooner</a>` : ''}<span class="muted">page ${q.page}</span>${data.more ? html`<a href="${link({ page: q.page + 1 })}">later →</a>` : ''}</div>
<h2 id="remediations">Remediation PRs</h2>
${remediationsSection(web, data.remediations, now, q.remediations === 'all')}
<h2 id="digest">Digest</h2>
${digestsSection(web, data.digests)}`,
  );
}
