// The control plane over real HTTP on 127.0.0.1: PuddleJumper (Probot server, the admin
// handler), a fake GitHub sign-in server (OAuth web flow and the user endpoints) on
// 127.0.0.1, and a store seeded with two installations' chains, actions and audit events.
// The App's own GitHub calls (installation token, check runs) go through nock in this process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startChain } from '../../src/approvals/chain.js';
import type { ChainTemplate } from '../../src/approvals/template.js';
import { DEFAULT_APPROVAL_OPTIONS } from '../../src/approvals/template.js';
import { loadSettings, type Settings } from '../../src/config.js';
import { controlPlane } from '../../src/control-plane.js';
import { wire, type RouteDeps, type Wiring } from '../../src/routes.js';
import { ActionStore } from '../../src/store/actions.js';
import { sqlChainRepository } from '../../src/store/chains.js';
import type { Db } from '../../src/store/database.js';
import { upsertInstallation } from '../../src/store/installations.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { startTestServer } from '../helpers/server.js';

export const SECRET = 's'.repeat(40);
export const ADMIN_TOKEN = 't'.repeat(40);
export const HEAD = 'a'.repeat(40);
export const OTHER_HEAD = 'b'.repeat(40);
export const XSS = '<img src=x onerror=alert(1)>';

/** A fake github.com for sign-in: /login/oauth/* and the user API the app reads with the user's token. */
export interface FakeGitHub {
  url: string;
  /** Who the next sign-in is (the authorize page signs them in at once). */
  signInAs(login: string): void;
  /** Installations and org roles per login. */
  users: Record<string, { installations: Array<{ id: number; account: string; type: 'Organization' | 'User' }>; adminOf: string[]; teams: string[] }>;
  requests: string[];
  stop(): Promise<void>;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  let next = 'alice';
  const codes = new Map<string, string>();
  const fake: Omit<FakeGitHub, 'url' | 'stop'> = {
    signInAs: (login) => {
      next = login;
    },
    users: {},
    requests: [],
  };
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    fake.requests.push(`${req.method} ${u.pathname}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (u.pathname === '/login/oauth/authorize') {
      const code = `code-${codes.size + 1}`;
      codes.set(code, next);
      const back = new URL(u.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', u.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      res.end();
      return;
    }
    if (u.pathname === '/login/oauth/access_token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const { code, client_secret } = JSON.parse(body) as { code: string; client_secret: string };
        const login = codes.get(code);
        codes.delete(code);
        if (!login || client_secret !== 'client-secret') return json(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
        json(200, { access_token: `user-token-${login}`, token_type: 'bearer' });
      });
      return;
    }
    const token = /^Bearer user-token-(.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const user = token ? fake.users[token] : undefined;
    if (!token || !user) return json(401, { message: 'Bad credentials' });
    if (u.pathname === '/user') return json(200, { login: token });
    if (u.pathname === '/user/installations') return json(200, { total_count: user.installations.length, installations: user.installations.map((i) => ({ id: i.id, account: { login: i.account, type: i.type } })) });
    const membership = /^\/user\/memberships\/orgs\/([^/]+)$/.exec(u.pathname);
    if (membership) return user.adminOf.includes(membership[1]!) ? json(200, { state: 'active', role: 'admin' }) : json(200, { state: 'active', role: 'member' });
    const team = /^\/orgs\/([^/]+)\/teams\/([^/]+)\/memberships\/([^/]+)$/.exec(u.pathname);
    if (team) return user.teams.includes(`${team[1]}/${team[2]}`) ? json(200, { state: 'active', role: 'member' }) : json(404, { message: 'Not Found' });
    json(404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, { url, stop: () => new Promise<void>((r) => server.close(() => r())) });
}

export function testSettings(fakeUrl: string, env: Record<string, string> = {}): Settings {
  const settings = loadSettings({
    GITHUB_CLIENT_ID: 'client-id',
    GITHUB_CLIENT_SECRET: 'client-secret',
    PJ_SESSION_SECRET: SECRET,
    PJ_ADMIN_TOKEN: ADMIN_TOKEN,
    GITHUB_OAUTH_URL: fakeUrl,
    ...env,
  });
  settings.admin.apiUrl = fakeUrl;
  return settings;
}

const TEMPLATE: ChainTemplate = {
  groups: [
    [{ tierId: 'lead', tier: { name: 'Team Lead', users: ['alice'], teams: [], requiredFor: ['high', 'critical'] } as never, packIds: ['payments'] }],
    [{ tierId: 'director', tier: { name: 'Director', users: ['bob'], teams: ['Codertocat/directors'], requiredFor: ['high', 'critical'] } as never, packIds: ['payments'] }],
  ],
};

export interface Seeded {
  chainId: number;
  otherChainId: number;
  failedActionId: number;
  pendingActionId: number;
  otherActionId: number;
}

/** Installation 1 (Codertocat: alice administers it) and 2 (other-org: alice does not). */
export async function seed(db: Db, wiring: Wiring, now: Date): Promise<Seeded> {
  await upsertInstallation(db, { id: 1, accountLogin: 'Codertocat', accountType: 'Organization', status: 'active', repositories: ['Codertocat/Hello-World'] }, now);
  await upsertInstallation(db, { id: 2, accountLogin: 'other-org', accountType: 'Organization', status: 'active', repositories: ['other-org/secret'] }, now);
  const chains = sqlChainRepository(db);
  const required = { template: TEMPLATE, options: DEFAULT_APPROVAL_OPTIONS };
  const pr = (repo: string, number: number, headSha: string) => ({ repo, number, headSha, author: { login: 'Codertocat' } });
  const a = await chains.insert(startChain(pr('Codertocat/Hello-World', 2, HEAD), 'high', required, new Date(now.getTime() - 3 * 3600_000)).chain, { templateHash: 'h', headSha: HEAD, base: 'main', findings: 'fp' });
  const b = await chains.insert(startChain(pr('other-org/secret', 9, OTHER_HEAD), 'critical', required, new Date(now.getTime() - 3600_000)).chain, { templateHash: 'h', headSha: OTHER_HEAD, base: 'main', findings: 'fp' });
  // The approvals check of HEAD already exists on GitHub as run 555: a decision updates it.
  await db.insertInto('check_runs').values({ installation_id: 1, repo: 'Codertocat/Hello-World', head_sha: HEAD, name: 'PuddleJumper / approvals', check_run_id: 555, updated_at: now.toISOString() }).execute();

  const store = new ActionStore(db);
  const check = (sha: string, title: string) => ({ name: 'PuddleJumper / contracts', headSha: sha, status: 'completed', conclusion: 'failure', title, summary: 'seeded', annotations: [], externalId: 'puddlejumper' });
  const insert = async (installationId: number, repo: string, key: string, payload: unknown, prNumber: number) =>
    store.insert({ installationId, kind: 'check_run.upsert', idempotencyKey: key, subject: { repo, prNumber, headSha: (payload as { headSha: string }).headSha } }, 1, JSON.stringify(payload), `hash-${key}`, now.toISOString());
  const failed = await insert(1, 'Codertocat/Hello-World', `check:Codertocat/Hello-World@${'c'.repeat(40)}:PuddleJumper / contracts`, check('c'.repeat(40), 'failed once'), 3);
  await store.transition(failed.id, 'proposed', 'failed', { attempts: 5, last_error: `HTTP 502 from GitHub ${XSS}`, reason: 'gave up after 5 attempts' }, now.toISOString());
  const pending = await insert(1, 'Codertocat/Hello-World', `check:Codertocat/Hello-World@${'d'.repeat(40)}:PuddleJumper / contracts`, check('d'.repeat(40), 'waiting'), 4);
  await store.transition(pending.id, 'proposed', 'approved', { next_attempt_at: new Date(now.getTime() + 3600_000).toISOString() }, now.toISOString());
  const other = await insert(2, 'other-org/secret', `check:other-org/secret@${OTHER_HEAD}:PuddleJumper / contracts`, check(OTHER_HEAD, 'secret'), 9);
  await store.transition(other.id, 'proposed', 'failed', { attempts: 5, last_error: 'other-org failure' }, now.toISOString());

  await wiring.audit.append({ installationId: 1, actor: 'app', type: 'evaluation.completed', subject: { repo: 'Codertocat/Hello-World', prNumber: 2, headSha: HEAD }, details: { note: XSS } });
  await wiring.audit.append({ installationId: 1, actor: 'user:carol', type: 'approval.refused', subject: { repo: 'Codertocat/Hello-World', prNumber: 2 }, details: { reason: 'not in tier' } });
  await wiring.audit.append({ installationId: 2, actor: 'app', type: 'evaluation.completed', subject: { repo: 'other-org/secret', prNumber: 9 }, details: { note: 'other-org-only' } });
  return { chainId: a.stored.id, otherChainId: b.stored.id, failedActionId: failed.id, pendingActionId: pending.id, otherActionId: other.id };
}

export interface Harness {
  url: string;
  db: Db;
  wiring: Wiring;
  fake: FakeGitHub;
  seeded: Seeded;
  stop(): Promise<void>;
}

export async function startHarness(env: Record<string, string> = {}, options: Pick<RouteDeps, 'untrusted'> = {}): Promise<Harness> {
  const fake = await startFakeGitHub();
  fake.users.alice = { installations: [{ id: 1, account: 'Codertocat', type: 'Organization' }, { id: 2, account: 'other-org', type: 'Organization' }], adminOf: ['Codertocat'], teams: [] };
  fake.users.bob = { installations: [{ id: 1, account: 'Codertocat', type: 'Organization' }], adminOf: [], teams: ['Codertocat/pj-admins'] };
  fake.users.mallory = { installations: [{ id: 2, account: 'other-org', type: 'Organization' }], adminOf: ['other-org'], teams: [] };
  const db = await openMemoryDatabase();
  const settings = testSettings(fake.url, { PJ_ADMIN_TEAM: 'pj-admins', ...env });
  let wiring: Wiring | undefined;
  const server = await startTestServer({
    db,
    routes: (app) => {
      wiring = wire({ app, db, settings, appSlug: async () => 'puddlejumper', ...(options.untrusted ? { untrusted: options.untrusted } : {}) });
      return wiring.routes;
    },
    handlers: () => [controlPlane({ wiring: wiring!, db, settings })],
    dispatch: (id) => wiring!.dispatch(id),
  });
  const seeded = await seed(db, wiring!, new Date());
  return {
    url: server.url,
    db,
    wiring: wiring!,
    fake,
    seeded,
    stop: async () => {
      await server.stop();
      await fake.stop();
    },
  };
}

/** A tiny cookie-keeping client for the HTTP tests. */
export class Browser {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(path.startsWith('http') ? path : `${this.base}${path}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: this.cookieHeader() } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (value === '' || /Max-Age=0/.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follows redirects (to the fake GitHub and back), keeping cookies. */
  async follow(path: string): Promise<Response> {
    let res = await this.request(path);
    for (let i = 0; i < 10 && res.status >= 300 && res.status < 400; i++) res = await this.request(res.headers.get('location')!);
    return res;
  }

  async signIn(fake: FakeGitHub, login: string): Promise<void> {
    fake.signInAs(login);
    const res = await this.follow('/admin/login');
    if (res.status !== 200) throw new Error(`sign-in ended with ${res.status}: ${await res.text()}`);
  }

  async page(path: string): Promise<{ status: number; text: string; res: Response }> {
    const res = await this.request(path);
    return { status: res.status, text: await res.text(), res };
  }

  /** The CSRF token of the signed-in page. */
  async csrf(): Promise<string> {
    const { text } = await this.page('/admin/approvals');
    const m = /name="csrf" value="([^"]+)"/.exec(text);
    if (!m) throw new Error('no CSRF token on the page');
    return m[1]!;
  }

  async post(path: string, form: Record<string, string>): Promise<Response> {
    return this.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }
}
