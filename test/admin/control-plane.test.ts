// The control plane over HTTP: sign-in against a fake GitHub on 127.0.0.1, every page,
// every action, escaping, CSRF, scoping to the installations a person administers, the
// admin token on the API, rate limits.
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API } from '../helpers/app.js';
import { ADMIN_TOKEN, Browser, HEAD, SECRET, XSS, startHarness, type Harness } from './harness.js';
import { sign } from '../../src/admin/session.js';

let h: Harness;
afterEach(async () => {
  await h?.stop();
});

const token = (scope: nock.Scope, times = 1) => scope.post('/app/installations/1/access_tokens').times(times).reply(201, { token: 'inst-token', expires_at: new Date(Date.now() + 3600_000).toISOString() });

describe('sign-in', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  it('the pages are closed to a visitor, and open after GitHub sign-in, with a signed HttpOnly SameSite=Lax cookie', async () => {
    const b = new Browser(h.url);
    const before = await b.page('/admin/approvals');
    expect(before.status).toBe(401);
    expect(before.text).toContain('Sign in with GitHub');
    expect(before.text).not.toContain('Codertocat/Hello-World');

    const start = await b.request('/admin/login?next=/admin/approvals');
    expect(start.status).toBe(303);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(`${h.fake.url}/login/oauth/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe('client-id');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${h.url.replace('127.0.0.1', '127.0.0.1')}/admin/oauth/callback`);

    h.fake.signInAs('alice');
    const back = await b.request(authorize.toString());
    const callback = await b.request(back.headers.get('location')!);
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/admin/approvals');
    const set = callback.headers.getSetCookie().find((c) => c.startsWith('pj_session='))!;
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).not.toMatch(/Secure/); // not production
    expect(set).not.toContain('user-token'); // the GitHub token is never kept

    const after = await b.page('/admin/approvals');
    expect(after.status).toBe(200);
    expect(after.text).toContain('@alice');
  });

  it('a state that does not match the browser is refused', async () => {
    const b = new Browser(h.url);
    await b.request('/admin/login');
    const res = await b.page('/admin/oauth/callback?code=code-1&state=forged');
    expect(res.status).toBe(400);
    expect(res.text).toContain('state mismatch');
    expect((await b.page('/admin/approvals')).status).toBe(401);
  });

  it('a tampered or foreign-secret cookie is no session; a rotated secret still accepts the old one', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const value = b.cookies.get('pj_session')!;
    const [payload, mac] = value.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    forged.installations.push({ id: 2, login: 'other-org' });
    b.cookies.set('pj_session', `${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`);
    expect((await b.page('/admin/approvals')).status).toBe(401);
    b.cookies.set('pj_session', sign(forged, ['x'.repeat(40)]));
    expect((await b.page('/admin/approvals')).status).toBe(401);
    await h.stop();

    // Rotation: a new first secret signs; the old one (second) still verifies.
    h = await startHarness({ PJ_SESSION_SECRET: `${'n'.repeat(40)},${'s'.repeat(40)}` });
    const c = new Browser(h.url);
    c.cookies.set('pj_session', value);
    expect((await c.page('/admin/approvals')).status).toBe(200);
  });

  it('sign-out needs the CSRF token and ends the session', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const csrf = await b.csrf();
    expect((await b.post('/admin/logout', {})).status).toBe(403);
    const out = await b.post('/admin/logout', { csrf });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/admin/signed-out');
    expect((await b.page('/admin/approvals')).status).toBe(401);
  });
});

describe('nothing configured', () => {
  it('the pages say how to configure sign-in and are never open; the API refuses', async () => {
    h = await startHarness({ GITHUB_CLIENT_ID: '', GITHUB_CLIENT_SECRET: '', PJ_SESSION_SECRET: '', PJ_ADMIN_TOKEN: '' });
    const b = new Browser(h.url);
    for (const path of ['/admin', '/admin/approvals', '/admin/audit', '/admin/login']) {
      const p = await b.page(path);
      expect(p.status).toBe(503);
      expect(p.text).toContain('GITHUB_CLIENT_ID');
      expect(p.text).not.toContain('Hello-World');
    }
    const api = await fetch(`${h.url}/api/v1/chains`);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { hint: string }).hint).toContain('PJ_ADMIN_TOKEN');
    const guessed = await fetch(`${h.url}/api/v1/chains`, { headers: { authorization: 'Bearer ' } });
    expect(guessed.status).toBe(401);
  });
});

describe('pages and actions', () => {
  beforeEach(async () => {
    h = await startHarness();
  });

  it('Approvals: the pending chain with the waiting step, who may decide, its age; another installation never shows', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const { text, res } = await b.page('/admin/approvals?sort=severity&dir=asc');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(text).toContain('Codertocat/Hello-World');
    expect(text).toContain('step 1 of 2: Team Lead (any of @alice)');
    expect(text).toContain('3 h 0 min');
    expect(text).not.toContain('other-org'); // alice is only a member there
    expect((await b.page(`/admin/chains/${h.seeded.otherChainId}`)).status).toBe(404);
    const api = await b.request('/api/v1/chains');
    const body = (await api.json()) as { chains: Array<{ repo: string }> };
    expect(body.chains.map((c) => c.repo)).toEqual(['Codertocat/Hello-World']);
  });

  it('a team admin (PJ_ADMIN_TEAM) sees their organisation; an org admin elsewhere sees only theirs', async () => {
    const bob = new Browser(h.url);
    await bob.signIn(h.fake, 'bob');
    expect((await bob.page('/admin/approvals')).text).toContain('Codertocat/Hello-World');
    const mallory = new Browser(h.url);
    await mallory.signIn(h.fake, 'mallory');
    const page = (await mallory.page('/admin/approvals')).text;
    expect(page).toContain('other-org/secret');
    expect(page).not.toContain('Codertocat/Hello-World');
    const audit = (await mallory.page('/admin/audit')).text;
    expect(audit).toContain('other-org-only');
    expect(audit).not.toContain('not in tier');
    // Her session cannot act on installation 1's outbox.
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
    const r = await mallory.post(`/admin/dispatches/${h.seeded.failedActionId}/retry`, { csrf });
    expect(r.status).toBe(303);
    expect((await h.wiring.outbox.get(h.seeded.failedActionId))!.status).toBe('failed');
  });

  it('approving from the page goes through the approval use case: audited with source admin, the check run updated on GitHub', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const csrf = await b.csrf();
    const bodies: Array<Record<string, any>> = [];
    const gh = nock(API);
    token(gh);
    gh.patch('/repos/Codertocat/Hello-World/check-runs/555').reply(200, (_u, body) => {
      bodies.push(body as Record<string, any>);
      return { id: 555 };
    });
    const res = await b.post(`/admin/chains/${h.seeded.chainId}/steps/0.lead/approve`, { csrf });
    expect(res.status).toBe(303);
    const page = await b.page(res.headers.get('location')!);
    expect(page.text).toContain('Approved Team Lead as @alice');
    expect((await b.page('/admin/approvals')).text).toContain('step 2 of 2: Director (any of @bob, @Codertocat/directors)');
    expect(bodies).toHaveLength(1);
    expect(bodies[0]!.status).toBe('in_progress');
    expect(JSON.stringify(bodies[0]!.output)).toContain('Director');

    const events = await h.db.selectFrom('audit_events').selectAll().where('type', '=', 'approval.step_approved').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.actor).toBe('user:alice');
    expect(JSON.parse(events[0]!.details)).toMatchObject({ source: { kind: 'admin' }, trigger: { kind: 'admin' } });
    const step = await h.db.selectFrom('approval_steps').selectAll().where('step_key', '=', '0.lead').where('chain_id', '=', h.seeded.chainId).executeTakeFirstOrThrow();
    expect(step).toMatchObject({ status: 'approved', decided_by: 'alice', source_kind: 'admin' });
  });

  it('the same eligibility as /approve: alice cannot approve the Director step; the refusal is audited', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const csrf = await b.csrf();
    const res = await b.post(`/admin/chains/${h.seeded.chainId}/steps/1.director/approve`, { csrf });
    const page = await b.page(res.headers.get('location')!);
    expect(page.text).toContain('Director is waiting, not waiting for a decision');
    const refused = await h.db.selectFrom('audit_events').selectAll().where('type', '=', 'approval.refused').where('actor', '=', 'user:alice').execute();
    expect(refused).toHaveLength(1);
    expect((await h.db.selectFrom('approval_steps').select('status').where('chain_id', '=', h.seeded.chainId).execute()).map((s) => s.status)).toEqual(['active', 'waiting']);
  });

  it('a POST without the CSRF token, or from another site, changes nothing', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const csrf = await b.csrf();
    const missing = await b.post(`/admin/chains/${h.seeded.chainId}/steps/0.lead/approve`, {});
    expect(missing.status).toBe(403);
    const wrong = await b.post(`/admin/chains/${h.seeded.chainId}/steps/0.lead/approve`, { csrf: `${csrf}x` });
    expect(wrong.status).toBe(403);
    const cross = await b.request(`/admin/dispatches/${h.seeded.pendingActionId}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: new URLSearchParams({ csrf }).toString(),
    });
    expect(cross.status).toBe(403);
    expect((await h.db.selectFrom('approval_steps').select('status').where('chain_id', '=', h.seeded.chainId).execute())[0]!.status).toBe('active');
    expect((await h.wiring.outbox.get(h.seeded.pendingActionId))!.status).toBe('approved');
  });

  it('Dispatches: retry now sends a failed action again; cancel stops a pending one; both audited', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const csrf = await b.csrf();
    const list = await b.page('/admin/dispatches?status=failed');
    expect(list.text).toContain('HTTP 502 from GitHub &lt;img src=x onerror=alert(1)&gt;');
    expect(list.text).not.toContain('other-org failure');
    const gh = nock(API);
    token(gh);
    gh.post('/repos/Codertocat/Hello-World/check-runs').reply(201, { id: 777 });
    const retried = await b.post(`/admin/dispatches/${h.seeded.failedActionId}/retry`, { csrf });
    expect((await b.page(retried.headers.get('location')!)).text).toContain(`Action ${h.seeded.failedActionId} retried: it is dispatched`);
    expect((await h.wiring.outbox.get(h.seeded.failedActionId))!.status).toBe('dispatched');

    await b.post(`/admin/dispatches/${h.seeded.pendingActionId}/cancel`, { csrf });
    expect((await h.wiring.outbox.get(h.seeded.pendingActionId))!.status).toBe('cancelled');
    const again = await b.post(`/admin/dispatches/${h.seeded.pendingActionId}/cancel`, { csrf });
    expect((await b.page(again.headers.get('location')!)).text).toContain('only a pending action (proposed or approved) can be cancelled');
    const audit = await h.db.selectFrom('audit_events').select(['type', 'actor', 'details']).where('actor', '=', 'user:alice').orderBy('id').execute();
    expect(audit.map((a) => a.type)).toEqual(['action.approved', 'action.cancelled']);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ code: 'manual_retry', previousAttempts: 5 });
  });

  it('Audit: filters, the verified badge on demand, export; everything escaped', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const all = await b.page('/admin/audit');
    expect(all.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(all.text).not.toContain(XSS);
    expect(all.text).not.toContain('other-org-only');
    const filtered = await b.page('/admin/audit?type=approval.refused');
    expect(filtered.text).toContain('user:carol');
    expect(filtered.text).not.toContain('evaluation.completed</td>');
    const verified = await b.page('/admin/audit?verify=1');
    // alice sees installation 1 only: its events are 1 and 2 (3 is other-org's; test/admin/audit-verify-scope.test.ts).
    expect(verified.text).toMatch(/chain verified up to your event 2/);
    const exp = await b.request('/admin/audit/export?actor=user:carol');
    expect(exp.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await exp.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['approval.refused']);
    expect((await b.page('/admin/audit?since=yesterday')).status).toBe(400);
  });

  it('Dashboard and chain detail render; a PR title, reason or error with markup is text', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const dash = await b.page('/admin');
    expect(dash.status).toBe(200);
    expect(dash.text).toContain('pending approval chains');
    expect(dash.text).toMatch(/<div class="value">1<\/div><div class="label">pending approval chains/);
    const csrf = await b.csrf();
    await b.post(`/admin/chains/${h.seeded.chainId}/steps/0.lead/reject`, { csrf, reason: XSS });
    const detail = await b.page(`/admin/chains/${h.seeded.chainId}`);
    expect(detail.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(detail.text).not.toContain(XSS);
    expect(detail.text).toContain(HEAD);
  });
});

describe('the JSON API', () => {
  beforeEach(async () => {
    h = await startHarness({ PJ_API_RATE_LIMIT_IP: '5' });
  });

  it('the admin token sees every installation and can retry; a wrong token is 401', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const chains = await fetch(`${h.url}/api/v1/chains?sort=severity`, { headers: auth });
    expect(chains.status).toBe(200);
    expect(((await chains.json()) as { chains: Array<{ repo: string; waitingOn: string[] }> }).chains.map((c) => c.repo)).toEqual(['other-org/secret', 'Codertocat/Hello-World']);
    expect((await fetch(`${h.url}/api/v1/chains`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    const audit = (await (await fetch(`${h.url}/api/v1/audit?limit=2`, { headers: auth })).json()) as { events: Array<{ id: number }>; next: string };
    expect(audit.events.map((e) => e.id)).toEqual([3, 2]);
    expect(audit.next).toContain('before=2');
    const cancel = await fetch(`${h.url}/api/v1/actions/${h.seeded.pendingActionId}/cancel`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'not needed' }) });
    expect(cancel.status).toBe(200);
    expect(((await cancel.json()) as { action: { status: string; reason: string } }).action).toMatchObject({ status: 'cancelled', reason: 'not needed' });
  });

  it('the dashboard numbers: pending chains, success and retry rates over the finished actions', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const d = (await (await fetch(`${h.url}/api/v1/dashboard`, { headers: auth })).json()) as Record<string, any>;
    // Two pending chains; two failed actions (5 attempts each), nothing dispatched yet.
    expect(d).toMatchObject({ pendingChains: 2, pendingSteps: 2, dispatchSuccessRate: 0, retryRate: 1, webhookToCheckSeconds: { heads: 0, median: null } });
    const mine = (await (await fetch(`${h.url}/api/v1/dashboard?installation=2`, { headers: auth })).json()) as Record<string, any>;
    expect(mine).toMatchObject({ pendingChains: 1, dispatchSuccessRate: 0 });
  });

  it('rate limits per client IP: headers on every answer, 429 with Retry-After past the limit', async () => {
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const seen: Array<[number, string | null]> = [];
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${h.url}/api/v1/installations`, { headers: auth });
      seen.push([r.status, r.headers.get('x-ratelimit-remaining')]);
      if (r.status === 429) {
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(r.headers.get('x-ratelimit-limit')).toBe('5');
        expect(Number(r.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000 - 1);
      }
    }
    expect(seen).toEqual([
      [200, '4'],
      [200, '3'],
      [200, '2'],
      [200, '1'],
      [200, '0'],
      [429, '0'],
    ]);
  });
});

describe('per-installation rate limit', () => {
  it('counts requests that name an installation against it; another installation keeps its budget; a stranger spends none', async () => {
    h = await startHarness({ PJ_API_RATE_LIMIT_INSTALLATION: '2' });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    // Unauthenticated requests naming installation 1 are refused before they count.
    for (let i = 0; i < 3; i++) expect((await fetch(`${h.url}/api/v1/actions?installation=1`)).status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${h.url}/api/v1/actions?installation=1`, { headers: auth })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const other = await fetch(`${h.url}/api/v1/actions?installation=2`, { headers: auth });
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-limit')).toBe('2');
    expect(other.headers.get('x-ratelimit-remaining')).toBe('1');
    const body = (await other.json()) as { actions: Array<{ installationId: number }> };
    expect(new Set(body.actions.map((a) => a.installationId))).toEqual(new Set([2]));
  });
});

describe('secrets', () => {
  const WEBHOOK_SECRET = 'whsec-never-shown-0123456789';
  const SLACK = 'xoxb-never-shown-0123456789';
  beforeEach(async () => {
    h = await startHarness({ WEBHOOK_SECRET, SLACK_BOT_TOKEN: SLACK });
  });

  it('no secret or token is ever rendered, on any page or API answer; the admin token opens no page', async () => {
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const session = b.cookies.get('pj_session')!;
    const csrf = await b.csrf();
    const never = [SECRET, ADMIN_TOKEN, 'client-secret', 'user-token', WEBHOOK_SECRET, SLACK, session];
    const pages = ['/admin', '/admin/approvals', `/admin/chains/${h.seeded.chainId}`, '/admin/dispatches', '/admin/audit', '/admin/audit?verify=1', '/admin/audit/export', '/admin/test-run', '/admin/nope'];
    const apis = ['/api/v1/installations', '/api/v1/dashboard', '/api/v1/chains', `/api/v1/chains/${h.seeded.chainId}`, '/api/v1/actions', '/api/v1/audit', '/api/v1/audit/verify', '/api/v1/evaluations'];
    let seen = 0;
    for (const path of [...pages, ...apis]) {
      const { status, text, res } = await b.page(path);
      expect(status, path).toBeLessThan(500);
      const all = `${text}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
      for (const secret of never) expect(all.includes(secret), `${path} shows ${secret.slice(0, 8)}…`).toBe(false);
      seen += text.length;
    }
    expect(seen).toBeGreaterThan(10_000); // the pages did render
    // The CSRF token is on the page (forms need it) but is not a credential by itself.
    expect((await b.page('/admin/approvals')).text).toContain(csrf);

    const withToken = await fetch(`${h.url}/admin/approvals`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(withToken.status).toBe(401);
    expect(await withToken.text()).not.toContain('Codertocat/Hello-World');
  });
});
