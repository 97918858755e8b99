// Small HTTP helpers of the control plane: bodies, security headers, redirects.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Strict: no script at all, styles from our own stylesheet only, forms post only to us. */
export const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.startsWith('application/x-www-form-urlencoded')) throw new HttpError(415, 'expected a form (application/x-www-form-urlencoded)');
  return new URLSearchParams(await readBody(req));
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (text.trim() === '') return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'the body is not a JSON object');
}

export function sendHtml(res: ServerResponse, status: number, body: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body, null, 2));
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(303, { ...SECURITY_HEADERS, location, ...headers });
  res.end();
}

/** A POST from another site: its Origin (when sent) names another host. */
export function crossOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/** Where to go back after a form: the Referer's path when it is ours, else `fallback`. */
export function backTo(req: IncomingMessage, fallback: string): string {
  const ref = req.headers.referer;
  if (!ref) return fallback;
  try {
    const u = new URL(ref);
    if (u.host !== req.headers.host || !u.pathname.startsWith('/admin')) return fallback;
    return `${u.pathname}${u.search}`;
  } catch {
    return fallback;
  }
}

export function positiveInt(v: string | null | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === null || v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new HttpError(400, `not a positive whole number: ${v}`);
  return Math.min(n, max);
}

/** `YYYY-MM-DD` or an ISO time, as ISO; `end` makes a bare date the end of that day. */
export function isoTime(v: string | null, what: string, end = false): string | undefined {
  if (!v) return undefined;
  const bare = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const t = Date.parse(bare ? `${v}T${end ? '23:59:59.999' : '00:00:00.000'}Z` : v);
  if (Number.isNaN(t)) throw new HttpError(400, `${what} is not a date: ${v}`);
  return new Date(t).toISOString();
}
