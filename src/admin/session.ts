// The signed session cookie: `base64url(JSON).base64url(HMAC-SHA256)`, signed with the
// first PJ_SESSION_SECRET and accepted with any of them (rotate by prepending a new one).
// It holds who signed in and which installations they may see, computed at sign-in; the
// GitHub user token itself is used once at sign-in and never kept.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Session {
  login: string;
  /** The installations this person may see, with their account logins. */
  installations: Array<{ id: number; login: string }>;
  /** The CSRF token every POST of this session must carry. */
  csrf: string;
  /** Expiry, epoch ms. */
  exp: number;
}

export const SESSION_COOKIE = 'pj_session';
export const STATE_COOKIE = 'pj_oauth_state';
export const SESSION_TTL_MS = 8 * 3600_000;

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** `payload.signature` with the first secret. */
export function sign(value: unknown, secrets: readonly string[]): string {
  const secret = secrets[0];
  if (!secret) throw new Error('no session secret');
  const payload = b64(JSON.stringify(value));
  return `${payload}.${b64(mac(secret, payload))}`;
}

/** The value, when any secret signed it; undefined otherwise. */
export function unsign<T>(token: string | undefined, secrets: readonly string[]): T | undefined {
  if (!token) return undefined;
  const dot = token.indexOf('.');
  if (dot <= 0) return undefined;
  const payload = token.slice(0, dot);
  let given: Buffer;
  try {
    given = Buffer.from(token.slice(dot + 1), 'base64url');
  } catch {
    return undefined;
  }
  const ok = secrets.some((s) => {
    const expected = mac(s, payload);
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!ok) return undefined;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export function newSession(login: string, installations: Session['installations'], now: Date): Session {
  return { login, installations, csrf: randomBytes(24).toString('base64url'), exp: now.getTime() + SESSION_TTL_MS };
}

export function readSession(token: string | undefined, secrets: readonly string[], now: Date): Session | undefined {
  const s = unsign<Session>(token, secrets);
  if (!s || typeof s.login !== 'string' || !Array.isArray(s.installations) || typeof s.csrf !== 'string' || typeof s.exp !== 'number') return undefined;
  return s.exp > now.getTime() ? s : undefined;
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function cookie(name: string, value: string, opts: { secure: boolean; maxAgeSeconds?: number; path?: string }): string {
  const parts = [`${name}=${value}`, `Path=${opts.path ?? '/'}`, 'HttpOnly', 'SameSite=Lax'];
  if (opts.secure) parts.push('Secure');
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${opts.maxAgeSeconds}`);
  return parts.join('; ');
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
