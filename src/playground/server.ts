// The playground's GitHub on 127.0.0.1: the REST API under /api/v3 (as GitHub Enterprise
// serves it, so the app reaches it with its GHE setting), the read-only pages at /, and the
// local notification sinks under /_sink (Slack Web API, PagerDuty Events, signed webhooks).
// The API checks what GitHub checks: the App's JWT (RS256, signed with the App's key) on
// /app routes, an installation token it issued on the others. An endpoint the playground
// does not implement answers 404 and is logged loudly — the app calling something new
// shows up at once.
import { createHmac, createPublicKey, randomBytes, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ApiError, findRoute, type ApiEvents } from './api.js';
import { renderPage } from './page.js';
import type { World } from './world.js';

export interface PlaygroundLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface GitHubServerOptions {
  world: World;
  events: ApiEvents;
  /** The App's private key (PEM): the public half verifies the App's JWTs. */
  privateKey: string;
  /** The secret of the signed webhooks the playground's packs send to the local sink. */
  sinkSecret: string;
  log: PlaygroundLog;
  /** Extra routes (the story's control endpoints), tried after the API and the sinks. */
  control?: (req: IncomingMessage, res: ServerResponse, body: string) => Promise<boolean>;
  /** Lines of the story so far, for the index page. */
  storyLines?: () => string[];
}

export const API_PREFIX = '/api/v3';

export class GitHubServer {
  readonly unknown: string[] = [];
  readonly requests: string[] = [];
  private readonly publicKey: KeyObject;
  private server?: Server;
  private slackTs = 1_700_000_000;

  constructor(private readonly o: GitHubServerOptions) {
    this.publicKey = createPublicKey(o.privateKey);
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as { port: number };
    const origin = `http://${host}:${address.port}`;
    this.o.world.webBase = origin;
    this.o.world.apiBase = `${origin}${API_PREFIX}`;
    return origin;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://playground');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    try {
      if (url.pathname.startsWith(`${API_PREFIX}/`)) return this.api(req, res, url, raw);
      if (url.pathname.startsWith('/_sink/')) return this.sink(req, res, url.pathname.slice('/_sink'.length), raw);
      if (url.pathname.startsWith('/login/oauth/')) return this.oauth(req, res, url, raw);
      if (this.o.control && (await this.o.control(req, res, raw))) return;
      if (req.method === 'GET') {
        const page = renderPage(this.o.world, url.pathname, { unknown: this.unknown, story: this.o.storyLines?.() ?? [] });
        if (page !== undefined) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:" });
          res.end(page);
          return;
        }
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    } catch (error) {
      this.o.log.warn(`[github] ${req.method} ${url.pathname} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('playground error');
    }
  }

  private api(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): void {
    const method = req.method ?? 'GET';
    const path = url.pathname.slice(API_PREFIX.length);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
        'x-github-request-id': randomBytes(4).toString('hex'),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': String(Math.max(0, 5000 - this.requests.length)),
        ...headers,
      });
      res.end(text);
    };
    this.requests.push(`${method} ${path}`);
    const found = path === '/graphql' ? undefined : findRoute(method, path);
    if (!found) {
      const line = `${method} ${path}${url.search}`;
      this.unknown.push(line);
      this.o.log.warn(`[github] 404 NOT IMPLEMENTED IN THE PLAYGROUND: ${line} — the app called an endpoint this fake GitHub does not serve`);
      return send(404, { message: 'Not Found (not implemented in the playground)', documentation_url: 'https://docs.github.com/rest' });
    }
    const auth = this.authenticate(path, String(req.headers.authorization ?? ''));
    if (auth) return send(401, { message: auth });
    const user = this.o.world.oauth.userTokens.get(String(req.headers.authorization ?? '').split(' ')[1] ?? '');
    let body: Record<string, unknown> = {};
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return send(400, { message: 'Problems parsing JSON' });
      }
    }
    try {
      const out = found.route.handler(this.o.world, { method, params: found.params, query: url.searchParams, headers: req.headers, body, ...(user !== undefined ? { user } : {}) }, this.o.events);
      send(out.status, out.body, out.headers);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status >= 422 || error.status === 403) this.o.log.warn(`[github] ${method} ${path}: ${error.status} ${error.message}`);
      send(error.status, { message: error.message, documentation_url: 'https://docs.github.com/rest' });
    }
  }

  /** undefined when allowed; otherwise why not (401). */
  private authenticate(path: string, header: string): string | undefined {
    const [scheme, credential = ''] = header.split(' ');
    if (path === '/app' || path.startsWith('/app/')) {
      if (scheme?.toLowerCase() !== 'bearer' || !this.validJwt(credential)) return 'A JSON web token could not be decoded';
      return undefined;
    }
    if (!['token', 'bearer'].includes(scheme?.toLowerCase() ?? '')) return 'Requires authentication';
    if (this.o.world.oauth.userTokens.has(credential)) return undefined;
    const token = this.o.world.tokens.get(credential);
    if (token === undefined || token.expiresAt < Date.now()) return 'Bad credentials';
    return undefined;
  }

  private validJwt(jwt: string): boolean {
    const [h, p, s] = jwt.split('.');
    if (!h || !p || !s) return false;
    if (!verify('RSA-SHA256', Buffer.from(`${h}.${p}`), this.publicKey, Buffer.from(s, 'base64url'))) return false;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { iss?: unknown; exp?: unknown };
    return String(claims.iss) === String(this.o.world.appId) && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
  }

  // ---- the OAuth web flow (the control plane's "Sign in with GitHub") -------------------------

  /** authorize: the playground's one person is signed in and agrees at once; access_token: code for a user token. */
  private oauth(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): void {
    const o = this.o.world.oauth;
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const redirect = url.searchParams.get('redirect_uri');
      if (url.searchParams.get('client_id') !== o.clientId || !redirect) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client_id or no redirect_uri');
        return;
      }
      const code = randomBytes(10).toString('hex');
      o.codes.set(code, this.o.world.signedIn);
      const to = new URL(redirect);
      to.searchParams.set('code', code);
      to.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: to.toString() }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      let body: Record<string, unknown> = {};
      try {
        body = raw.trim().startsWith('{') ? (JSON.parse(raw) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        // an empty body: refused below
      }
      const login = typeof body.code === 'string' ? o.codes.get(body.code) : undefined;
      const json = (b: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(b));
      if (body.client_id !== o.clientId || body.client_secret !== o.clientSecret) return void json({ error: 'incorrect_client_credentials' });
      if (login === undefined) return void json({ error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' });
      o.codes.delete(body.code as string);
      const token = `gho_playground${randomBytes(12).toString('hex')}`;
      o.userTokens.set(token, login);
      return void json({ access_token: token, token_type: 'bearer', scope: '' });
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
  }

  // ---- the local notification sinks ----------------------------------------------------------

  private sink(req: IncomingMessage, res: ServerResponse, path: string, raw: string): void {
    const w = this.o.world;
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      return json(400, { ok: false, error: 'invalid_json' });
    }
    if (path === '/slack/api/chat.postMessage' || path === '/slack/api/chat.update') {
      const ts = typeof body.ts === 'string' ? body.ts : `${this.slackTs++}.000100`;
      const update = path.endsWith('update');
      w.notifications.push({ at: w.stamp(), channel: 'slack', to: String(body.channel), summary: `${update ? 'updated' : 'posted'}: ${String(body.text ?? '')}`, body });
      this.o.log.info(`[slack] ${update ? 'chat.update' : 'chat.postMessage'} ${String(body.channel)}: ${String(body.text ?? '')}`);
      return json(200, { ok: true, channel: body.channel === '#payments' ? 'C0PAYMENTS' : String(body.channel), ts });
    }
    if (path === '/pagerduty/v2/enqueue') {
      const summary = `${String(body.event_action)}: ${String((body.payload as { summary?: unknown } | undefined)?.summary ?? body.dedup_key ?? '')}`;
      w.notifications.push({ at: w.stamp(), channel: 'pagerduty', to: 'PagerDuty', summary, body });
      this.o.log.info(`[pagerduty] ${String(body.event_action)}: ${summary}`);
      return json(202, { status: 'success', dedup_key: String(body.dedup_key ?? 'k') });
    }
    if (path.startsWith('/hooks/')) {
      const signature = String(req.headers['x-puddlejumper-signature-256'] ?? '');
      const expected = `sha256=${createHmac('sha256', this.o.sinkSecret).update(raw).digest('hex')}`;
      const good = signature.length === expected.length && timingSafeEqual(Buffer.from(signature), Buffer.from(expected));
      if (!good) {
        this.o.log.warn(`[webhook sink] refused a delivery with a bad signature`);
        return json(401, { ok: false });
      }
      const event = String(body.event ?? '?');
      const title = String((body.data as { title?: unknown } | undefined)?.title ?? '');
      w.notifications.push({ at: w.stamp(), channel: 'webhook', to: `${w.webBase}/_sink${path}`, summary: `${event}: ${title}`, body });
      this.o.log.info(`[webhook sink] ${event} (signature verified): ${title}`);
      return json(200, { ok: true });
    }
    this.unknown.push(`${req.method} /_sink${path}`);
    this.o.log.warn(`[sink] 404 no such sink: ${req.method} /_sink${path}`);
    json(404, { ok: false, error: 'unknown_method' });
  }
}
