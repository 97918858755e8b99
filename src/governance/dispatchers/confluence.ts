// Confluence Cloud (REST v2) as a doc target: the page body in storage format with its
// version number (read), and `confluence.page_update`, the dispatcher that writes a
// remediation with `version.number + 1` as the compare-and-set. A 409 (someone saved the
// page meanwhile) re-reads it: the same body under a newer version is written again; a
// changed body gets the edits re-applied where each one's surrounding text is found exactly
// once; otherwise it gives up (not retried) with a reason that names the page and versions.
// Credentials: CONFLUENCE_BASE_URL, CONFLUENCE_EMAIL, CONFLUENCE_API_TOKEN (basic auth).
import { z } from 'zod';
import { DispatchError } from '../retry.js';
import type { Dispatcher } from '../registry.js';
import { payloadProblem } from '../payloads.js';

export type ConfluenceFetch = typeof globalThis.fetch;

const Page = z.object({
  id: z.union([z.string(), z.number()]).transform(String),
  title: z.string(),
  version: z.object({ number: z.number().int() }),
  body: z.object({ storage: z.object({ value: z.string() }) }),
});

export const ConfluenceUpdateSchema = z.object({
  pageId: z.string().min(1),
  title: z.string().min(1),
  baseVersion: z.number().int().min(1),
  baseText: z.string(),
  text: z.string(),
  edits: z.array(z.object({ start: z.number().int().min(0), end: z.number().int().min(0), replacement: z.string() })),
  message: z.string().min(1),
});
export type ConfluenceUpdate = z.infer<typeof ConfluenceUpdateSchema>;

export type PageRead = { text: string; version: string; title: string } | { unavailable: string };

const CONTEXT = 40;
const MAX_CONFLICTS = 3;

/** Re-applies edits made on `base` to `current`: each edit's surrounding text must occur exactly once. */
export function rebaseEdits(base: string, current: string, edits: ConfluenceUpdate['edits']): string | undefined {
  const mapped: Array<{ start: number; end: number; replacement: string }> = [];
  for (const e of edits) {
    const from = Math.max(0, e.start - CONTEXT);
    const to = Math.min(base.length, e.end + CONTEXT);
    const anchor = base.slice(from, to);
    const at = current.indexOf(anchor);
    if (anchor.length === 0 || at === -1 || current.indexOf(anchor, at + 1) !== -1) return undefined;
    mapped.push({ start: at + (e.start - from), end: at + (e.end - from), replacement: e.replacement });
  }
  mapped.sort((a, b) => a.start - b.start);
  let out = '';
  let pos = 0;
  for (const m of mapped) {
    if (m.start < pos) return undefined;
    out += current.slice(pos, m.start) + m.replacement;
    pos = m.end;
  }
  return out + current.slice(pos);
}

export class ConfluenceClient {
  private readonly fetch: ConfluenceFetch;
  constructor(private readonly o: { env: Record<string, string | undefined>; fetch?: ConfluenceFetch }) {
    this.fetch = o.fetch ?? globalThis.fetch;
  }

  missingCredentials(): string | undefined {
    const missing = ['CONFLUENCE_BASE_URL', 'CONFLUENCE_EMAIL', 'CONFLUENCE_API_TOKEN'].filter((k) => !this.o.env[k]);
    return missing.length ? `Confluence has no credentials: set ${missing.join(', ')}` : undefined;
  }

  private url(pageId: string, query = ''): string {
    const base = this.o.env.CONFLUENCE_BASE_URL!.replace(/\/+$/, '');
    return `${base}${base.endsWith('/wiki') ? '' : '/wiki'}/api/v2/pages/${encodeURIComponent(pageId)}${query}`;
  }

  private headers(): Record<string, string> {
    const auth = Buffer.from(`${this.o.env.CONFLUENCE_EMAIL}:${this.o.env.CONFLUENCE_API_TOKEN}`).toString('base64');
    return { authorization: `Basic ${auth}`, accept: 'application/json' };
  }

  private async call(method: 'GET' | 'PUT', url: string, body?: unknown, signal?: AbortSignal): Promise<{ status: number; json: unknown; text: string }> {
    let res: Response;
    try {
      res = await this.fetch(url, {
        method,
        headers: { ...this.headers(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: signal ? AbortSignal.any([AbortSignal.timeout(15_000), signal]) : AbortSignal.timeout(15_000),
      });
    } catch (error) {
      throw new DispatchError(`Confluence ${method} failed: ${(error as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text };
  }

  async read(pageId: string, signal?: AbortSignal): Promise<PageRead> {
    const missing = this.missingCredentials();
    if (missing) return { unavailable: missing };
    const res = await this.call('GET', this.url(pageId, '?body-format=storage'), undefined, signal);
    if (res.status === 401 || res.status === 403) return { unavailable: `Confluence page ${pageId} is not readable with CONFLUENCE_EMAIL/CONFLUENCE_API_TOKEN (HTTP ${res.status})` };
    if (res.status === 404) return { unavailable: `Confluence page ${pageId} does not exist (HTTP 404)` };
    if (res.status >= 300) throw new DispatchError(`Confluence GET page ${pageId} answered ${res.status}: ${res.text.slice(0, 200)}`, { status: res.status });
    const page = Page.safeParse(res.json);
    if (!page.success) return { unavailable: `Confluence page ${pageId}: unexpected response (${page.error.issues[0]?.message ?? 'invalid'})` };
    return { text: page.data.body.storage.value, version: String(page.data.version.number), title: page.data.title };
  }

  /** PUT with version.number = `version` (the compare-and-set); the status tells a conflict (409). */
  async update(pageId: string, title: string, text: string, version: number, message: string, signal?: AbortSignal): Promise<{ status: number; text: string }> {
    const res = await this.call('PUT', this.url(pageId), { id: pageId, status: 'current', title, body: { representation: 'storage', value: text }, version: { number: version, message } }, signal);
    return { status: res.status, text: res.text };
  }
}

export function confluenceDispatcher(o: { env: Record<string, string | undefined>; fetch?: ConfluenceFetch }): Dispatcher<ConfluenceUpdate> {
  const client = new ConfluenceClient(o);
  return {
    kind: 'confluence.page_update',
    validate: (payload) => payloadProblem('confluence.page_update', ConfluenceUpdateSchema, payload) ?? (client.missingCredentials() ? `confluence.page_update has no credentials: ${client.missingCredentials()}` : undefined),
    async dispatch({ payload: p, signal }) {
      let text = p.text;
      let version = p.baseVersion;
      for (let conflicts = 0; ; conflicts++) {
        const res = await client.update(p.pageId, p.title, text, version + 1, p.message, signal);
        if (res.status < 300) return { pageId: p.pageId, version: version + 1, conflicts };
        if (res.status !== 409) {
          const permanent = res.status === 400 || res.status === 401 || res.status === 403 || res.status === 404;
          throw new DispatchError(`Confluence PUT page ${p.pageId} answered ${res.status}: ${res.text.slice(0, 200)}`, { status: res.status, ...(permanent ? { retryable: false } : {}) });
        }
        if (conflicts >= MAX_CONFLICTS) throw new DispatchError(`Confluence page ${p.pageId}: still conflicting after ${conflicts} re-reads; gave up`, { status: 409, retryable: false });
        const current = await client.read(p.pageId, signal);
        if ('unavailable' in current) throw new DispatchError(`Confluence page ${p.pageId} could not be re-read after a conflict: ${current.unavailable}`, { retryable: false });
        const rebased = current.text === p.baseText ? p.text : rebaseEdits(p.baseText, current.text, p.edits);
        if (rebased === undefined) {
          throw new DispatchError(
            `Confluence page ${p.pageId} changed since the drift patch was made (version ${p.baseVersion} -> ${current.version}) and the edits no longer apply where they were; not overwritten — the items wait for the next change`,
            { status: 409, retryable: false },
          );
        }
        text = rebased;
        version = Number(current.version);
      }
    },
  };
}
