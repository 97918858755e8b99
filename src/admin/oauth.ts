// GitHub's OAuth web flow with the App's client id and secret, and what a signed-in person
// may see: the installations of this App that GET /user/installations lists for them
// whose account is theirs, or an organisation they administer (role admin), or whose
// PJ_ADMIN_TEAM they are an active member of. Nothing else.
import { z } from 'zod';
import type { AdminSettings } from '../config.js';

export type Fetch = typeof fetch;

export class SignInError extends Error {}

export function authorizeUrl(s: AdminSettings, redirectUri: string, state: string): string {
  const q = new URLSearchParams({ client_id: s.clientId ?? '', redirect_uri: redirectUri, state, allow_signup: 'false' });
  return `${s.oauthUrl}/login/oauth/authorize?${q.toString()}`;
}

const TokenResponse = z.object({ access_token: z.string().min(1) }).or(z.object({ error: z.string(), error_description: z.string().optional() }));
const User = z.object({ login: z.string() });
const Installations = z.object({
  total_count: z.number().optional(),
  installations: z.array(z.object({ id: z.number(), account: z.object({ login: z.string(), type: z.string().optional() }).nullable() })),
});
const Membership = z.object({ state: z.string(), role: z.string().optional() });

async function api(f: Fetch, s: AdminSettings, token: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await f(`${s.apiUrl}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'puddlejumper-control-plane', 'x-github-api-version': '2022-11-28' },
  });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

export async function exchangeCode(f: Fetch, s: AdminSettings, code: string, redirectUri: string): Promise<string> {
  const res = await f(`${s.oauthUrl}/login/oauth/access_token`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'puddlejumper-control-plane' },
    body: JSON.stringify({ client_id: s.clientId, client_secret: s.clientSecret, code, redirect_uri: redirectUri }),
  });
  if (!res.ok) throw new SignInError(`GitHub refused the sign-in code (HTTP ${res.status})`);
  const parsed = TokenResponse.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) throw new SignInError('GitHub answered the sign-in with something unexpected');
  if ('error' in parsed.data) throw new SignInError(`GitHub refused the sign-in: ${parsed.data.error_description ?? parsed.data.error}`);
  return parsed.data.access_token;
}

/** Who the token belongs to and which installations they may see. */
export async function resolveAccess(f: Fetch, s: AdminSettings, token: string): Promise<{ login: string; installations: Array<{ id: number; login: string }> }> {
  const me = await api(f, s, token, '/user');
  if (me.status !== 200) throw new SignInError(`GitHub did not say who signed in (HTTP ${me.status})`);
  const login = User.parse(me.body).login;
  const visible: Array<{ id: number; login: string }> = [];
  for (let page = 1; page <= 10; page++) {
    const r = await api(f, s, token, `/user/installations?per_page=100&page=${page}`);
    if (r.status !== 200) throw new SignInError(`GitHub did not list your installations (HTTP ${r.status})`);
    const list = Installations.parse(r.body).installations;
    for (const inst of list) {
      const account = inst.account;
      if (!account) continue;
      if (await mayAdminister(f, s, token, login, account.login, account.type ?? 'Organization')) visible.push({ id: inst.id, login: account.login });
    }
    if (list.length < 100) break;
  }
  return { login, installations: visible };
}

async function mayAdminister(f: Fetch, s: AdminSettings, token: string, login: string, account: string, type: string): Promise<boolean> {
  if (type === 'User') return account.toLowerCase() === login.toLowerCase();
  const m = await api(f, s, token, `/user/memberships/orgs/${encodeURIComponent(account)}`);
  if (m.status === 200) {
    const membership = Membership.safeParse(m.body);
    if (membership.success && membership.data.state === 'active' && membership.data.role === 'admin') return true;
  }
  if (!s.adminTeam) return false;
  const [org, slug] = s.adminTeam.includes('/') ? (s.adminTeam.split('/') as [string, string]) : [account, s.adminTeam];
  if (org.toLowerCase() !== account.toLowerCase()) return false;
  const t = await api(f, s, token, `/orgs/${encodeURIComponent(org)}/teams/${encodeURIComponent(slug)}/memberships/${encodeURIComponent(login)}`);
  if (t.status !== 200) return false;
  const membership = Membership.safeParse(t.body);
  return membership.success && membership.data.state === 'active';
}
