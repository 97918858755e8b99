// The playground's GitHub answers as GitHub does where the app depends on it: the App's JWT
// and installation tokens, ETags, 422s, annotations appended, loud 404s for what it does not
// serve, webhooks signed with the app's secret; and its pages render Markdown safely.
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World } from '../../src/playground/world.js';
import { GitHubServer } from '../../src/playground/server.js';
import { Actors } from '../../src/playground/actors.js';
import { Payloads, Webhooks } from '../../src/playground/webhooks.js';
import { seed } from '../../src/playground/seed.js';
import { renderMarkdown } from '../../src/playground/markdown.js';
import { testPrivateKey } from '../helpers/server.js';

function jwt(key: string, iss = 1): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat: now - 30, exp: now + 300, iss })}`;
  return `${body}.${createSign('RSA-SHA256').update(body).sign(key, 'base64url')}`;
}

let world: World;
let server: GitHubServer;
let base: string;
let token: string;
const warnings: string[] = [];
const received: Array<{ headers: Record<string, unknown>; body: string }> = [];
let hookUrl = '';
const hookServer = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(202).end();
  });
});

beforeAll(async () => {
  world = new World('acme', 1, 1, { login: 'puddlejumper[bot]', id: 99, type: 'Bot' });
  const hooks = new Webhooks(world, 'app-secret', () => hookUrl, { warn: (m) => warnings.push(m) });
  const actors = new Actors(world, hooks, new Payloads(world));
  server = new GitHubServer({ world, events: actors, privateKey: testPrivateKey(), sinkSecret: 'sink', log: { info: () => {}, warn: (m) => warnings.push(m) } });
  base = await server.listen(0);
  seed(world, `${base}/_sink`);
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', () => r()));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as { port: number }).port}/api/github/webhooks`;
  (globalThis as { actors?: Actors }).actors = actors;
  (globalThis as { hooks?: Webhooks }).hooks = hooks;
  const res = await fetch(`${base}/api/v3/app/installations/1/access_tokens`, { method: 'POST', headers: { authorization: `bearer ${jwt(testPrivateKey())}` } });
  token = ((await res.json()) as { token: string }).token;
});

afterAll(async () => {
  await server.close();
  await new Promise((r) => hookServer.close(r));
});

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${base}/api/v3${path}`, { ...init, headers: { authorization: `token ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) } });

describe('the playground GitHub API', () => {
  it('wants the App JWT signed with the App key on /app, and its installation token elsewhere', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect((await fetch(`${base}/api/v3/app`, { headers: { authorization: `bearer ${jwt(other)}` } })).status).toBe(401);
    expect((await fetch(`${base}/api/v3/app`, { headers: { authorization: `bearer ${jwt(testPrivateKey(), 2)}` } })).status).toBe(401);
    const app = await fetch(`${base}/api/v3/app`, { headers: { authorization: `bearer ${jwt(testPrivateKey())}` } });
    expect(await app.json()).toMatchObject({ slug: 'puddlejumper' });
    expect((await fetch(`${base}/api/v3/repos/acme/docs`)).status).toBe(401);
    expect((await fetch(`${base}/api/v3/repos/acme/docs`, { headers: { authorization: 'token ghs_made_up' } })).status).toBe(401);
    expect(await (await api('/repos/acme/docs')).json()).toMatchObject({ full_name: 'acme/docs', default_branch: 'main' });
  });

  it('answers the config repo head as a sha with an ETag, and 304 when it has not moved', async () => {
    const res = await api('/repos/acme/.github/commits/HEAD', { headers: { accept: 'application/vnd.github.sha' } });
    const sha = await res.text();
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(res.headers.get('etag')).toBe(`"${sha}"`);
    expect((await api('/repos/acme/.github/commits/HEAD', { headers: { accept: 'application/vnd.github.sha', 'if-none-match': `"${sha}"` } })).status).toBe(304);
    const tree = (await (await api(`/repos/acme/.github/git/trees/${sha}?recursive=1`)).json()) as { tree: Array<{ path: string; type: string }> };
    expect(tree.tree).toEqual(expect.arrayContaining([{ path: 'policy-packs', type: 'tree', mode: '040000', sha: expect.any(String) }]));
    expect(tree.tree.map((e) => e.path)).toContain('policy-packs/payments-api.yml');
  });

  it('refuses what GitHub refuses: a review from the author, more than 50 annotations a request', async () => {
    const actors = (globalThis as { actors?: Actors }).actors!;
    actors.push('acme/payments-api', 'devon', 'topic', { 'README.md': 'changed\n' }, 'change');
    const pr = actors.openPull('acme/payments-api', 'devon', { branch: 'topic', title: 'A change', body: '' });
    const own = await api(`/repos/acme/payments-api/pulls/${pr.number}/requested_reviewers`, { method: 'POST', body: JSON.stringify({ reviewers: ['devon'] }) });
    expect(own.status).toBe(422);
    const annotation = { path: 'README.md', start_line: 1, end_line: 1, annotation_level: 'warning', message: 'm' };
    const created = await api('/repos/acme/payments-api/check-runs', {
      method: 'POST',
      body: JSON.stringify({ name: 'c', head_sha: pr.pull.head.sha, status: 'completed', conclusion: 'neutral', output: { title: 't', summary: 's', annotations: [annotation] } }),
    });
    const id = ((await created.json()) as { id: number }).id;
    await api(`/repos/acme/payments-api/check-runs/${id}`, { method: 'PATCH', body: JSON.stringify({ output: { title: 't', summary: 's2', annotations: [annotation] } }) });
    expect(world.mustRepo('acme/payments-api').checkRuns.find((c) => c.id === id)).toMatchObject({ summary: 's2', annotations: [annotation, annotation] });
    const tooMany = await api(`/repos/acme/payments-api/check-runs/${id}`, { method: 'PATCH', body: JSON.stringify({ output: { title: 't', summary: 's', annotations: Array(51).fill(annotation) } }) });
    expect(tooMany.status).toBe(422);
  });

  it('answers an endpoint it does not serve with 404, and says so loudly', async () => {
    const res = await api('/repos/acme/docs/deployments');
    expect(res.status).toBe(404);
    expect(server.unknown).toContain('GET /repos/acme/docs/deployments');
    expect(warnings.some((w) => w.includes('NOT IMPLEMENTED IN THE PLAYGROUND: GET /repos/acme/docs/deployments'))).toBe(true);
  });

  it("signs each webhook with the app's secret over the exact body it sends", async () => {
    const actors = (globalThis as { actors?: Actors }).actors!;
    actors.comment('acme/payments-api', 1, 'sam', '/approve');
    await (globalThis as { hooks?: Webhooks }).hooks!.idle();
    const last = received.at(-1)!;
    expect(last.headers['x-github-event']).toBe('issue_comment');
    expect(last.headers['x-hub-signature-256']).toBe(`sha256=${createHmac('sha256', 'app-secret').update(last.body).digest('hex')}`);
    expect(JSON.parse(last.body)).toMatchObject({ action: 'created', comment: { body: '/approve', user: { login: 'sam' } }, issue: { number: 1, pull_request: {} }, installation: { id: 1 } });
  });
});

describe('Markdown as GitHub shows it', () => {
  it('renders tables, task boxes, mentions and links; hides comments; shows other HTML as text', () => {
    const html = renderMarkdown(
      '## Title\n\n| Rule | Where |\n|---|:-:|\n| `a\\|b` | **x** |\n\n- [x] done\n- [ ] todo\n\n<!-- puddlejumper:marker -->\n<details><summary>More</summary>\n\nhi @lena\n</details>\n\n<script>alert(1)</script>\n\n[bad](javascript:alert(1)) https://example.com/x',
    );
    expect(html).toContain('<h2>Title</h2>');
    expect(html).toContain('<thead><tr><th>Rule</th><th align="center">Where</th></tr></thead>');
    expect(html).toContain('<td><code>a|b</code></td><td align="center"><strong>x</strong></td>');
    expect(html).toContain('<input type="checkbox" disabled checked> done');
    expect(html).toContain('<input type="checkbox" disabled> todo');
    expect(html).not.toContain('puddlejumper:marker');
    expect(html).toContain('<details><summary>More</summary>');
    expect(html).toContain('<span class="mention">@lena</span>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('<p>bad ');
    expect(html).toContain('<a href="https://example.com/x">https://example.com/x</a>');
  });

  it('keeps a pipe table inside a code fence as code', () => {
    const html = renderMarkdown('```\n| a | b |\n|---|---|\n```\n');
    expect(html).not.toContain('<table>');
    expect(html).toContain('| a | b |');
  });
});
