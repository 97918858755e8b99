// The control plane's routes, for Probot's `addHandler`: the pages under /admin (GitHub
// sign-in, signed session cookie, CSRF token on every POST) and the JSON API under /api/v1
// (the same session, or `Authorization: Bearer PJ_ADMIN_TOKEN`, with rate limits).
// Everything a person sees is scoped to the installations they administer.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scope } from '../store/admin.js';
import type { AdminDeps, OperationResult, StoredTestRun, TestRunResults } from './deps.js';
import { SECURITY_HEADERS, HttpError, backTo, crossOrigin, isoTime, positiveInt, readForm, readJson, redirect, sendHtml, sendJson } from './http.js';
import { authorizeUrl, exchangeCode, resolveAccess, SignInError } from './oauth.js';
import { RateLimiter, type RateDecision } from './rate-limit.js';
import { SESSION_COOKIE, SESSION_TTL_MS, STATE_COOKIE, cookie, newSession, parseCookies, readSession, sameToken, sign, unsign, type Session } from './session.js';
import { ADMIN_CSS } from './style.js';
import * as views from './views.js';
import { driftPage, type DriftQueryView } from './drift-views.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

const FLASH_COOKIE = 'pj_flash';
const PAGE = 50;
const AUDIT_PAGE = 100;
const DRIFT_PAGE = 25;
const TEST_RUN_TTL_MS = 3600_000;
const DASHBOARD_WINDOW_MS = 7 * 86400_000;

interface Who {
  /** The signed-in person (pages, and the API with a session). */
  session?: Session;
  /** The admin token (API only). */
  token?: boolean;
  scope: Scope;
  actor: string;
}

export function missingSignInSettings(deps: AdminDeps): string[] {
  const s = deps.settings;
  return [!s.clientId && 'GITHUB_CLIENT_ID', !s.clientSecret && 'GITHUB_CLIENT_SECRET', s.sessionSecrets.length === 0 && 'PJ_SESSION_SECRET'].filter((m): m is string => typeof m === 'string');
}

export function controlPlaneHandler(deps: AdminDeps): Handler {
  const s = deps.settings;
  const limiter = new RateLimiter(s.rateLimit.windowSeconds);
  const testRuns = deps.testRunResults ?? memoryTestRuns();
  const f = deps.fetch ?? fetch;
  const web = s.oauthUrl;

  const sessionOf = (req: IncomingMessage): Session | undefined => readSession(parseCookies(req.headers.cookie)[SESSION_COOKIE], s.sessionSecrets, deps.now());
  const scopeOf = (session: Session): Scope => session.installations;
  const secure = s.secureCookies;

  function flashOf(req: IncomingMessage, res: ServerResponse): views.Flash | undefined {
    const raw = parseCookies(req.headers.cookie)[FLASH_COOKIE];
    if (!raw) return undefined;
    res.setHeader('set-cookie', cookie(FLASH_COOKIE, '', { secure, maxAgeSeconds: 0 }));
    return unsign<views.Flash>(raw, s.sessionSecrets);
  }
  const flashCookie = (flash: views.Flash) => cookie(FLASH_COOKIE, sign(flash, s.sessionSecrets), { secure, maxAgeSeconds: 60 });
  const done = (res: ServerResponse, to: string, r: OperationResult) => redirect(res, to, { 'set-cookie': flashCookie(r.ok ? { ok: true, text: r.message } : { ok: false, text: r.reason }) });

  function redirectUri(req: IncomingMessage): string {
    return `${s.publicUrl ?? `http://${req.headers.host ?? 'localhost'}`}/admin/oauth/callback`;
  }

  /** The installation of a repo, among those the reader may see. */
  async function installationOfRepo(scope: Scope, repo: string): Promise<{ id: number; login: string } | undefined> {
    const owner = repo.slice(0, repo.indexOf('/')).toLowerCase();
    const list = scope === 'all' ? (await deps.queries.installations()).map((i) => ({ id: i.id, login: i.accountLogin })) : scope;
    return list.find((i) => i.login.toLowerCase() === owner);
  }

  // ---- pages -----------------------------------------------------------------------------

  async function pages(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/admin';
    if (path === '/admin/static/admin.css') {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'public, max-age=300', 'x-content-type-options': 'nosniff' });
      res.end(ADMIN_CSS);
      return;
    }
    const missing = missingSignInSettings(deps);
    if (missing.length > 0) return sendHtml(res, 503, views.notConfiguredPage(missing));

    if (path === '/admin/login' && req.method === 'GET') {
      const state = randomBytes(18).toString('base64url');
      const next = safeNext(url.searchParams.get('next'));
      res.setHeader('set-cookie', cookie(STATE_COOKIE, sign({ state, next, exp: deps.now().getTime() + 600_000 }, s.sessionSecrets), { secure, maxAgeSeconds: 600 }));
      return redirect(res, authorizeUrl(s, redirectUri(req), state));
    }
    if (path === '/admin/oauth/callback' && req.method === 'GET') return callback(req, res, url);
    if (path === '/admin/signed-out') return sendHtml(res, 200, views.signedOutPage());

    const session = sessionOf(req);
    if (!session) {
      if (req.method !== 'GET') return sendHtml(res, 403, views.signInPage('/admin', 'Your session has ended: sign in again.'));
      return sendHtml(res, 401, views.signInPage(`${url.pathname}${url.search}`));
    }
    if (req.method === 'POST') return post(req, res, path, session);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method not allowed');
    const flash = flashOf(req, res);
    const now = deps.now();
    const scope = scopeOf(session);
    const q = url.searchParams;

    if (path === '/admin') {
      const numbers = await deps.queries.dashboard(scope, new Date(now.getTime() - DASHBOARD_WINDOW_MS).toISOString());
      const recent = await deps.queries.actions(scope, { offset: 0, limit: 15 });
      return sendHtml(res, 200, views.dashboardPage(session, numbers, recent.items, 'last 7 days', now));
    }
    if (path === '/admin/approvals') {
      const view: views.ApprovalsQuery = {
        sort: q.get('sort') === 'severity' ? 'severity' : 'age',
        dir: q.get('dir') === 'desc' ? 'desc' : 'asc',
        page: positiveInt(q.get('page'), 1),
        ...(q.get('repo') ? { repo: q.get('repo')! } : {}),
      };
      const page = await deps.queries.pendingChains(scope, { sort: view.sort, desc: view.dir === 'desc', offset: (view.page - 1) * PAGE, limit: PAGE, ...(view.repo ? { repo: view.repo } : {}) });
      return sendHtml(res, 200, views.approvalsPage(session, web, view, page.items, page.total ?? 0, PAGE, now, flash));
    }
    const chainMatch = /^\/admin\/chains\/(\d+)$/.exec(path);
    if (chainMatch) {
      const chain = await deps.queries.chain(scope, Number(chainMatch[1]));
      if (!chain) throw new HttpError(404, 'No such approval chain among your installations.');
      const [evaluation, actions, history] = await Promise.all([
        deps.queries.evaluation(chain.repo, chain.headSha ?? chain.lastHeadSha),
        deps.queries.actionsOfChain(chain),
        deps.queries.chainsOfPr(chain.repo, chain.prNumber),
      ]);
      return sendHtml(res, 200, views.chainPage(session, web, chain, evaluation, actions, history, now, flash));
    }
    if (path === '/admin/dispatches') {
      const view: views.DispatchQuery = { page: positiveInt(q.get('page'), 1), ...opt('status', q), ...opt('kind', q), ...opt('repo', q) };
      const page = await deps.queries.actions(scope, { offset: (view.page - 1) * PAGE, limit: PAGE, ...(view.status ? { status: view.status } : {}), ...(view.kind ? { kind: view.kind } : {}), ...(view.repo ? { repo: view.repo } : {}) });
      return sendHtml(res, 200, views.dispatchesPage(session, view, page.items, (page.total ?? 0) > view.page * PAGE, now, flash));
    }
    if (path === '/admin/audit') {
      const view = auditView(q);
      const events = await deps.queries.audit(scope, { ...auditFilter(view), limit: AUDIT_PAGE + 1 });
      const verification = q.get('verify') ? await deps.verifyAudit(scope) : undefined;
      return sendHtml(res, 200, views.auditPage(session, view, await deps.queries.auditTypes(), events.slice(0, AUDIT_PAGE), events.length > AUDIT_PAGE, verification, flash));
    }
    if (path === '/admin/audit/export') return exportAudit(res, scope, auditView(q));
    if (path === '/admin/packs') {
      const only = q.get('installation');
      const visible = session.installations.filter((i) => !only || String(i.id) === only);
      const sections = await Promise.all(
        visible.map(async (i) => {
          const evaluations = await deps.queries.evaluations(i.id, 20);
          try {
            return { installation: { id: i.id, accountLogin: i.login }, status: await deps.packs(i.id, i.login), evaluations };
          } catch (error) {
            return { installation: { id: i.id, accountLogin: i.login }, error: (error as Error).message, evaluations };
          }
        }),
      );
      return sendHtml(res, 200, views.packsPage(session, web, sections));
    }
    if (path === '/admin/drift') {
      const view = driftView(q);
      return sendHtml(res, 200, driftPage(session, web, view, await driftData(scope, view), now));
    }
    if (path === '/admin/test-run') {
      return sendHtml(res, 200, views.testRunFormPage(session, session.installations, { ...(session.installations[0] ? { installation: session.installations[0].id } : {}), last: 10 }));
    }
    const runMatch = /^\/admin\/test-runs\/([A-Za-z0-9_-]+)$/.exec(path);
    if (runMatch) {
      const run = await testRuns.get(runMatch[1]!, now);
      if (!run || run.login !== session.login) throw new HttpError(404, 'This test run expired or is not yours; run it again.');
      return sendHtml(res, 200, views.testRunResultPage(session, web, run.repo, run.view, new Date(run.expires).toISOString()));
    }
    throw new HttpError(404, 'No such page.');
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const saved = unsign<{ state: string; next: string; exp: number }>(parseCookies(req.headers.cookie)[STATE_COOKIE], s.sessionSecrets);
    const state = url.searchParams.get('state');
    const code = url.searchParams.get('code');
    const clearState = cookie(STATE_COOKIE, '', { secure, maxAgeSeconds: 0 });
    if (!saved || !state || saved.exp < deps.now().getTime() || !sameToken(saved.state, state)) {
      return sendHtml(res, 400, views.signInPage('/admin', 'The sign-in could not be matched to this browser (state mismatch or expired): try again.'), { 'set-cookie': clearState });
    }
    if (!code) return sendHtml(res, 400, views.signInPage('/admin', `GitHub did not sign you in: ${url.searchParams.get('error_description') ?? url.searchParams.get('error') ?? 'no code'}`), { 'set-cookie': clearState });
    try {
      const token = await exchangeCode(f, s, code, redirectUri(req));
      const access = await resolveAccess(f, s, token);
      const session = newSession(access.login, access.installations, deps.now());
      deps.log?.info({ login: access.login, installations: access.installations.map((i) => i.id) }, 'control plane: signed in');
      return redirect(res, saved.next, {
        'set-cookie': [clearState, cookie(SESSION_COOKIE, sign(session, s.sessionSecrets), { secure, maxAgeSeconds: SESSION_TTL_MS / 1000 })],
      });
    } catch (error) {
      const text = error instanceof SignInError ? error.message : 'GitHub could not be reached to finish the sign-in';
      if (!(error instanceof SignInError)) deps.log?.warn({ err: error }, 'control plane: sign-in failed');
      return sendHtml(res, 502, views.signInPage('/admin', text), { 'set-cookie': clearState });
    }
  }

  async function post(req: IncomingMessage, res: ServerResponse, path: string, session: Session): Promise<void> {
    if (crossOrigin(req)) throw new HttpError(403, 'Cross-site request refused.');
    const form = await readForm(req);
    if (!sameToken(form.get('csrf') ?? undefined, session.csrf)) throw new HttpError(403, 'The form is stale or did not come from this site (CSRF token missing or wrong): reload the page and try again.');
    const scope = scopeOf(session);
    const actor = `user:${session.login}`;
    if (path === '/admin/logout') {
      return redirect(res, '/admin/signed-out', { 'set-cookie': cookie(SESSION_COOKIE, '', { secure, maxAgeSeconds: 0 }) });
    }
    const decide = /^\/admin\/chains\/(\d+)\/steps\/([^/]+)\/(approve|reject)$/.exec(path);
    if (decide) {
      const r = await decideStep(scope, session.login, Number(decide[1]), decodeURIComponent(decide[2]!), decide[3] as 'approve' | 'reject', form.get('reason') ?? undefined);
      return done(res, backTo(req, `/admin/chains/${decide[1]}`), r);
    }
    const op = /^\/admin\/dispatches\/(\d+)\/(retry|cancel)$/.exec(path);
    if (op) {
      const r = await operate(scope, actor, Number(op[1]), op[2] as 'retry' | 'cancel', form.get('reason') ?? '');
      return done(res, backTo(req, '/admin/dispatches'), r);
    }
    if (path === '/admin/test-run') {
      const input = {
        installation: positiveInt(form.get('installation'), 0),
        pack: (form.get('pack') ?? '').trim(),
        repo: (form.get('repo') ?? '').trim(),
        ref: (form.get('ref') ?? '').trim(),
        last: positiveInt(form.get('last'), 10, 50),
        pr: form.get('pr') ? positiveInt(form.get('pr'), 0) : undefined,
      };
      const inst = session.installations.find((i) => i.id === input.installation);
      const invalid = !inst ? 'Pick one of your installations.' : !input.pack ? 'Name a pack (its id or file).' : !/^[\w.-]+\/[\w.-]+$/.test(input.repo) ? 'Name the repository as owner/name.' : input.repo.toLowerCase().startsWith(`${inst.login.toLowerCase()}/`) ? undefined : `${input.repo} is not in ${inst.login}'s installation.`;
      const formView = { installation: input.installation, pack: input.pack, repo: input.repo, ref: input.ref, last: input.last, ...(input.pr ? { pr: input.pr } : {}) };
      if (invalid || !inst) return sendHtml(res, 400, views.testRunFormPage(session, session.installations, formView, invalid));
      try {
        const view = await deps.testRun({ installationId: inst.id, pack: input.pack, repo: input.repo, ...(input.ref ? { ref: input.ref } : {}), ...(input.pr ? { pr: input.pr } : { last: input.last }) }, inst.login);
        const id = randomBytes(12).toString('base64url');
        const now = deps.now();
        await testRuns.put(id, { login: session.login, repo: input.repo, view, expires: now.getTime() + TEST_RUN_TTL_MS }, now);
        return redirect(res, `/admin/test-runs/${id}`);
      } catch (error) {
        return sendHtml(res, 422, views.testRunFormPage(session, session.installations, formView, `The test run failed: ${(error as Error).message}`));
      }
    }
    throw new HttpError(404, 'No such action.');
  }

  async function decideStep(scope: Scope, login: string, chainId: number, stepId: string, kind: 'approve' | 'reject', reason?: string): Promise<OperationResult> {
    const chain = await deps.queries.chain(scope, chainId);
    if (!chain) return { ok: false, reason: 'No such approval chain among your installations.' };
    const inst = await installationOfRepo(scope, chain.repo);
    if (!inst) return { ok: false, reason: `${chain.repo} is in no installation you administer.` };
    return deps.decide(inst.id, { chainId, stepId, kind, login, ...(reason ? { reason } : {}) });
  }

  async function operate(scope: Scope, actor: string, id: number, op: 'retry' | 'cancel', reason: string): Promise<OperationResult> {
    const action = await deps.queries.action(scope, id);
    if (!action) return { ok: false, reason: `No action ${id} among your installations.` };
    return op === 'retry' ? deps.retryAction(id, actor, action.installationId) : deps.cancelAction(id, actor, reason, action.installationId);
  }

  async function exportAudit(res: ServerResponse, scope: Scope, view: views.AuditQueryView): Promise<void> {
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'application/x-ndjson; charset=utf-8', 'content-disposition': 'attachment; filename="puddlejumper-audit.jsonl"' });
    let before: number | undefined = view.before;
    for (let pages = 0; pages < 1000; pages++) {
      const rows = await deps.queries.audit(scope, { ...auditFilter({ ...view, ...(before !== undefined ? { before } : {}) }), limit: 1000 });
      for (const r of rows) res.write(`${JSON.stringify({ id: r.id, at: r.at, installationId: r.installationId, actor: r.actor, type: r.type, repo: r.repo, subject: JSON.parse(r.subject), details: JSON.parse(r.details) })}\n`);
      if (rows.length < 1000) break;
      before = rows.at(-1)!.id;
    }
    res.end();
  }

  async function driftData(scope: Scope, view: DriftQueryView) {
    const q = { ...(view.pack ? { packId: view.pack } : {}), ...(view.remediations === 'all' ? { allRemediations: true } : {}), offset: (view.page - 1) * DRIFT_PAGE, limit: DRIFT_PAGE };
    const [windows, remediations, digests] = await Promise.all([deps.drift.windows(scope, q), deps.drift.remediations(scope, q), deps.drift.digests(scope, q)]);
    return { windows: windows.items, more: windows.more, remediations, digests };
  }

  // ---- JSON API --------------------------------------------------------------------------

  function whoForApi(req: IncomingMessage): Who | undefined {
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (m && s.adminToken && sameToken(m[1]!.trim(), s.adminToken)) return { token: true, scope: 'all', actor: 'token:admin' };
      return undefined;
    }
    if (s.sessionSecrets.length === 0) return undefined;
    const session = sessionOf(req);
    return session ? { session, scope: scopeOf(session), actor: `user:${session.login}` } : undefined;
  }

  function limitHeaders(d: RateDecision): Record<string, string> {
    return { 'x-ratelimit-limit': String(d.limit), 'x-ratelimit-remaining': String(d.remaining), 'x-ratelimit-reset': String(d.reset) };
  }

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const now = deps.now();
    const ip = req.socket.remoteAddress ?? 'unknown';
    const decisions = [limiter.take(`ip:${ip}`, s.rateLimit.perIp, now)];
    const charge = (installationId: number) => decisions.push(limiter.take(`installation:${installationId}`, s.rateLimit.perInstallation, now));
    const named = url.searchParams.get('installation');
    const send = (status: number, body: unknown) => {
      const tightest = decisions.reduce((a, b) => (b.remaining < a.remaining || (!b.allowed && a.allowed) ? b : a));
      sendJson(res, status, body, limitHeaders(tightest));
    };
    const refused = () => decisions.find((d) => !d.allowed);
    const tooMany = () => {
      const d = refused()!;
      res.setHeader('retry-after', String(Math.max(1, d.reset - Math.floor(now.getTime() / 1000))));
      send(429, { error: 'rate limit exceeded', retryAfterSeconds: Math.max(1, d.reset - Math.floor(now.getTime() / 1000)) });
    };
    if (refused()) return tooMany();

    const who = whoForApi(req);
    if (!who) {
      const missing = missingSignInSettings(deps);
      const hint = s.adminToken || missing.length === 0 ? 'send Authorization: Bearer <PJ_ADMIN_TOKEN>, or sign in at /admin' : `nothing is configured: set PJ_ADMIN_TOKEN (scripts) or ${missing.join(', ')} (sign-in)`;
      res.setHeader('www-authenticate', 'Bearer realm="puddlejumper"');
      return send(401, { error: 'unauthorized', hint });
    }
    const path = url.pathname.replace(/\/+$/, '');
    const q = url.searchParams;
    if (named && (!/^\d+$/.test(named) || (who.scope !== 'all' && !who.scope.some((i) => String(i.id) === named)))) return send(404, { error: `no installation ${named} among yours` });
    // An installation's budget is spent only by those who may see it.
    if (named) {
      charge(Number(named));
      if (refused()) return tooMany();
    }
    const scope: Scope = named ? (who.scope === 'all' ? (await deps.queries.installations([Number(named)])).map((i) => ({ id: i.id, login: i.accountLogin })) : who.scope.filter((i) => String(i.id) === named)) : who.scope;

    if (req.method === 'POST') {
      if (who.session && !sameToken(String(req.headers['x-csrf-token'] ?? ''), who.session.csrf)) return send(403, { error: 'POST with a session needs the X-CSRF-Token header' });
      if (crossOrigin(req)) return send(403, { error: 'cross-site request refused' });
      const op = /^\/api\/v1\/actions\/(\d+)\/(retry|cancel)$/.exec(path);
      if (op) {
        const action = await deps.queries.action(scope, Number(op[1]));
        if (!action) return send(404, { error: `no action ${op[1]}` });
        charge(action.installationId);
        if (refused()) return tooMany();
        const body = await readJson(req);
        const r = op[2] === 'retry' ? await deps.retryAction(action.id, who.actor, action.installationId) : await deps.cancelAction(action.id, who.actor, typeof body.reason === 'string' ? body.reason : '', action.installationId);
        return send(r.ok ? 200 : 409, r.ok ? { ok: true, message: r.message, action: await deps.queries.action(scope, action.id) } : { ok: false, error: r.reason });
      }
      const decide = /^\/api\/v1\/chains\/(\d+)\/steps\/([^/]+)\/(approve|reject)$/.exec(path);
      if (decide) {
        if (!who.session) return send(403, { error: 'approving or rejecting needs a signed-in GitHub user (the admin token has no identity to check eligibility against)' });
        const body = await readJson(req);
        const r = await decideStep(scope, who.session.login, Number(decide[1]), decodeURIComponent(decide[2]!), decide[3] as 'approve' | 'reject', typeof body.reason === 'string' ? body.reason : undefined);
        return send(r.ok ? 200 : 409, r.ok ? { ok: true, message: r.message } : { ok: false, error: r.reason });
      }
      if (path === '/api/v1/test-runs') {
        const body = await readJson(req);
        const pack = typeof body.pack === 'string' ? body.pack : '';
        const repo = typeof body.repo === 'string' ? body.repo : '';
        if (!pack || !/^[\w.-]+\/[\w.-]+$/.test(repo)) return send(400, { error: 'give "pack" (id or file) and "repo" (owner/name)' });
        const inst = await installationOfRepo(scope, repo);
        if (!inst) return send(404, { error: `${repo} is in no installation you may see` });
        charge(inst.id);
        if (refused()) return tooMany();
        const last = typeof body.last === 'number' && Number.isInteger(body.last) && body.last > 0 ? Math.min(body.last, 50) : 10;
        const pr = typeof body.pr === 'number' && Number.isInteger(body.pr) && body.pr > 0 ? body.pr : undefined;
        const ref = typeof body.ref === 'string' && body.ref ? body.ref : undefined;
        try {
          return send(200, await deps.testRun({ installationId: inst.id, pack, repo, ...(ref ? { ref } : {}), ...(pr ? { pr } : { last }) }, inst.login));
        } catch (error) {
          return send(422, { error: (error as Error).message });
        }
      }
      return send(404, { error: 'no such endpoint' });
    }
    if (req.method !== 'GET') return send(405, { error: 'method not allowed' });

    if (path === '/api/v1/installations') {
      const list = who.scope === 'all' ? await deps.queries.installations() : await deps.queries.installations(who.scope.map((i) => i.id));
      return send(200, { installations: list });
    }
    if (path === '/api/v1/dashboard') {
      const n = await deps.queries.dashboard(scope, new Date(now.getTime() - DASHBOARD_WINDOW_MS).toISOString());
      const finished = n.dispatched + n.failed;
      return send(200, {
        window: 'P7D',
        pendingChains: n.pendingChains,
        pendingSteps: n.pendingSteps,
        dispatchSuccessRate: finished === 0 ? null : n.dispatched / finished,
        retryRate: finished === 0 ? null : n.retried / finished,
        webhookToCheckSeconds: { median: views.percentile(n.latencies, 50) ?? null, p95: views.percentile(n.latencies, 95) ?? null, heads: n.latencies.length },
      });
    }
    if (path === '/api/v1/chains') {
      const page = positiveInt(q.get('page'), 1);
      const limit = positiveInt(q.get('limit'), PAGE, 200);
      const r = await deps.queries.pendingChains(scope, { sort: q.get('sort') === 'severity' ? 'severity' : 'age', desc: q.get('dir') === 'desc', offset: (page - 1) * limit, limit, ...(q.get('repo') ? { repo: q.get('repo')! } : {}) });
      return send(200, { total: r.total, page, chains: r.items.map((c) => ({ ...c, waitingOn: views.describeActive(c) })) });
    }
    const chainMatch = /^\/api\/v1\/chains\/(\d+)$/.exec(path);
    if (chainMatch) {
      const chain = await deps.queries.chain(scope, Number(chainMatch[1]));
      if (!chain) return send(404, { error: `no chain ${chainMatch[1]}` });
      const inst = await installationOfRepo(scope, chain.repo);
      if (inst) charge(inst.id);
      if (refused()) return tooMany();
      const evaluation = await deps.queries.evaluation(chain.repo, chain.headSha ?? chain.lastHeadSha);
      return send(200, { chain, evaluation: evaluation ? { ...evaluation, evaluation: JSON.parse(evaluation.evaluation) } : null, actions: await deps.queries.actionsOfChain(chain) });
    }
    if (path === '/api/v1/actions') {
      const page = positiveInt(q.get('page'), 1);
      const limit = positiveInt(q.get('limit'), PAGE, 200);
      const r = await deps.queries.actions(scope, { offset: (page - 1) * limit, limit, ...opt('status', q), ...opt('kind', q), ...opt('repo', q) });
      return send(200, { page, hasMore: (r.total ?? 0) > page * limit, actions: r.items });
    }
    const actionMatch = /^\/api\/v1\/actions\/(\d+)$/.exec(path);
    if (actionMatch) {
      const a = await deps.queries.action(scope, Number(actionMatch[1]));
      return a ? send(200, { action: a }) : send(404, { error: `no action ${actionMatch[1]}` });
    }
    if (path === '/api/v1/audit') {
      const limit = positiveInt(q.get('limit'), AUDIT_PAGE, 1000);
      const rows = await deps.queries.audit(scope, { ...auditFilter(auditView(q)), limit: limit + 1 });
      const events = rows.slice(0, limit).map((r) => ({ ...r, subject: JSON.parse(r.subject), details: JSON.parse(r.details) }));
      return send(200, { events, next: rows.length > limit ? href(url.pathname, q, { before: events.at(-1)!.id }) : null });
    }
    if (path === '/api/v1/audit/verify') return send(200, await deps.verifyAudit(scope));
    if (path === '/api/v1/packs') {
      const list = scope === 'all' ? (await deps.queries.installations()).map((i) => ({ id: i.id, login: i.accountLogin })) : scope;
      const out = [];
      for (const i of list) {
        charge(i.id);
        if (refused()) return tooMany();
        try {
          out.push({ installationId: i.id, account: i.login, ...(await deps.packs(i.id, i.login)) });
        } catch (error) {
          out.push({ installationId: i.id, account: i.login, error: (error as Error).message });
        }
      }
      return send(200, { installations: out });
    }
    if (path === '/api/v1/drift') {
      const view = driftView(q);
      const d = await driftData(scope, view);
      return send(200, { page: view.page, windows: d.windows, next: d.more ? href(url.pathname, q, { page: view.page + 1 }) : null, remediations: d.remediations, digests: d.digests });
    }
    if (path === '/api/v1/evaluations') {
      const list = scope === 'all' ? (await deps.queries.installations()).map((i) => ({ id: i.id, login: i.accountLogin })) : scope;
      const limit = positiveInt(q.get('limit'), 20, 200);
      const out = [];
      for (const i of list) for (const e of await deps.queries.evaluations(i.id, limit)) out.push({ ...e, evaluation: JSON.parse(e.evaluation) });
      return send(200, { evaluations: out });
    }
    return send(404, { error: 'no such endpoint' });
  }

  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isPage = url.pathname === '/admin' || url.pathname.startsWith('/admin/');
    const isApi = url.pathname === '/api/v1' || url.pathname.startsWith('/api/v1/');
    if (!isPage && !isApi) return false;
    try {
      if (isPage) await pages(req, res, url);
      else await api(req, res, url);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const text = error instanceof HttpError ? error.message : 'Something went wrong; the error is in the log.';
      if (!(error instanceof HttpError)) deps.log?.error({ err: error, path: url.pathname }, 'control plane request failed');
      if (res.headersSent) {
        res.end();
        return true;
      }
      if (isApi) sendJson(res, status, { error: text });
      else sendHtml(res, status, views.errorPage(sessionOf(req), status, text));
    }
    return true;
  };
}

function opt(name: 'status' | 'kind' | 'repo', q: URLSearchParams): Partial<Record<typeof name, string>> {
  const v = q.get(name);
  return v ? { [name]: v } : {};
}

function driftView(q: URLSearchParams): DriftQueryView {
  return { page: positiveInt(q.get('page'), 1), ...(q.get('pack') ? { pack: q.get('pack')! } : {}), ...(q.get('remediations') === 'all' ? { remediations: 'all' as const } : {}) };
}

function auditView(q: URLSearchParams): views.AuditQueryView {
  const before = q.get('before');
  return {
    ...(q.get('type') ? { type: q.get('type')! } : {}),
    ...(q.get('actor') ? { actor: q.get('actor')! } : {}),
    ...(q.get('repo') ? { repo: q.get('repo')! } : {}),
    ...(q.get('since') ? { since: q.get('since')! } : {}),
    ...(q.get('until') ? { until: q.get('until')! } : {}),
    ...(before ? { before: positiveInt(before, 1) } : {}),
  };
}

function auditFilter(v: views.AuditQueryView) {
  const since = isoTime(v.since ?? null, 'since');
  const until = isoTime(v.until ?? null, 'until', true);
  return { ...(v.type ? { type: v.type } : {}), ...(v.actor ? { actor: v.actor } : {}), ...(v.repo ? { repo: v.repo } : {}), ...(since ? { since } : {}), ...(until ? { until } : {}), ...(v.before !== undefined ? { before: v.before } : {}) };
}

function href(path: string, q: URLSearchParams, over: Record<string, string | number>): string {
  const next = new URLSearchParams(q);
  for (const [k, v] of Object.entries(over)) next.set(k, String(v));
  return `${path}?${next.toString()}`;
}

/** Only a local path: never an absolute URL (an open redirect after sign-in). */
function safeNext(next: string | null): string {
  return next && next.startsWith('/admin') && !next.startsWith('//') && !next.includes('\\') ? next : '/admin/approvals';
}

/** Test-run results in this process's memory (when no store is given: one replica only). */
function memoryTestRuns(): TestRunResults {
  const runs = new Map<string, StoredTestRun>();
  return {
    async put(id, run, now) {
      for (const [k, v] of runs) if (v.expires < now.getTime()) runs.delete(k);
      runs.set(id, run);
    },
    async get(id, now) {
      const run = runs.get(id);
      return run && run.expires >= now.getTime() ? run : undefined;
    },
  };
}
