// Pack test runs — the page, the API and `pj test-run`: one pack from the config repo at a
// ref (a draft in a config branch) over recent PRs; findings, would-block, the chain. Nothing
// is written to GitHub (only GETs reach it), to the outbox or to the audit log.
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { API, recordCalls } from '../helpers/app.js';
import { testPrivateKey } from '../helpers/server.js';
import { ADMIN_TOKEN, Browser, XSS, startHarness, type Harness } from './harness.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli.js';
import { untrustedDocuments } from '../../src/sandbox/untrusted.js';

const CONFIG_SHA = 'f'.repeat(40);
const PACK = `id: payments
name: Payments
status: draft
scope: { type: repo, ref: Codertocat/Hello-World }
trackA:
  comparators:
    - { type: changelog.updated, severity: high, config: { file: CHANGELOG.md } }
  enforcement: { mode: block }
approvalTiers:
  lead: { name: Team Lead, users: [alice], requiredFor: [high, critical] }
`;

const pr = (number: number, title: string) => ({
  number,
  title,
  state: 'open',
  merged_at: null,
  base: { sha: '1'.repeat(40), ref: 'main' },
  head: { sha: String(number).repeat(40).slice(0, 40) },
  user: { login: 'Codertocat', type: 'User' },
  labels: [],
  changed_files: 1,
});

/** GitHub for one test run: the config branch, two PRs (one touches the changelog). */
function mockRun(gh: nock.Scope): void {
  gh.get('/repos/Codertocat/.github/commits/draft-pack').reply(200, CONFIG_SHA, { 'content-type': 'application/vnd.github.sha' });
  gh.get(`/repos/Codertocat/.github/git/trees/${CONFIG_SHA}`)
    .query({ recursive: '1' })
    .reply(200, { sha: CONFIG_SHA, truncated: false, tree: [{ path: 'policy-packs', type: 'tree', sha: 't'.repeat(40) }, { path: 'policy-packs/payments.yml', type: 'blob', sha: 'p'.repeat(40), size: PACK.length }] });
  gh.get(`/repos/Codertocat/.github/git/blobs/${'p'.repeat(40)}`).reply(200, { content: Buffer.from(PACK).toString('base64'), encoding: 'base64' });
  gh.get('/repos/Codertocat/Hello-World/pulls').query({ state: 'all', sort: 'updated', direction: 'desc', per_page: '2' }).reply(200, [pr(7, XSS), pr(8, 'docs and changelog')]);
  gh.get('/repos/Codertocat/Hello-World/pulls/7/files').query(true).reply(200, [{ filename: 'src/app.ts', status: 'modified', sha: 'e'.repeat(40) }]);
  gh.get('/repos/Codertocat/Hello-World/pulls/8/files').query(true).reply(200, [{ filename: 'CHANGELOG.md', status: 'modified', sha: 'e'.repeat(40) }, { filename: 'src/app.ts', status: 'modified', sha: 'e'.repeat(40) }]);
}

/** A Track B pack on the config branch: its primary doc is Codertocat/docs's runbook. */
const DRIFT_PACK = `id: payments-docs
name: Payments docs
status: draft
scope: { type: repo, ref: Codertocat/Hello-World }
trackB:
  primaryDoc: { system: github, repo: Codertocat/docs, path: runbooks/payments.md, class: runbook }
  driftTypes:
    - { type: instruction }
`;

/** GitHub for a test run of DRIFT_PACK: the config branch and one PR (the doc is the test's). */
function mockDriftRun(gh: nock.Scope): void {
  gh.get('/repos/Codertocat/.github/commits/draft-pack').reply(200, CONFIG_SHA, { 'content-type': 'application/vnd.github.sha' });
  gh.get(`/repos/Codertocat/.github/git/trees/${CONFIG_SHA}`)
    .query({ recursive: '1' })
    .reply(200, { sha: CONFIG_SHA, truncated: false, tree: [{ path: 'policy-packs/payments-docs.yml', type: 'blob', sha: 'd'.repeat(40), size: DRIFT_PACK.length }] });
  gh.get(`/repos/Codertocat/.github/git/blobs/${'d'.repeat(40)}`).reply(200, { content: Buffer.from(DRIFT_PACK).toString('base64'), encoding: 'base64' });
  gh.get('/repos/Codertocat/Hello-World/pulls').query(true).reply(200, [pr(7, 'a change')]);
}

/** POST /api/v1/test-runs for DRIFT_PACK on the last PR. */
function postDriftRun(harness: Harness): Promise<Response> {
  return fetch(`${harness.url}/api/v1/test-runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ pack: 'payments-docs', repo: 'Codertocat/Hello-World', ref: 'draft-pack', last: 1 }),
  });
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function counts(harness: Harness) {
  const a = await harness.db.selectFrom('actions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const e = await harness.db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  return { actions: Number(a?.n), audit: Number(e?.n) };
}

describe('pack test runs', () => {
  it('the page: a draft pack from a config branch over the last 2 PRs; titles are text; nothing written anywhere', async () => {
    h = await startHarness();
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const csrf = await b.csrf();
    const before = await counts(h);
    const gh = nock(API);
    const calls = recordCalls(gh);
    gh.post('/app/installations/1/access_tokens').reply(201, { token: 'inst-token', expires_at: new Date(Date.now() + 3600_000).toISOString() });
    mockRun(gh);
    const res = await b.post('/admin/test-run', { csrf, installation: '1', pack: 'payments', ref: 'draft-pack', repo: 'Codertocat/Hello-World', last: '2' });
    expect(res.status).toBe(303);
    const page = await b.page(res.headers.get('location')!);
    expect(page.text).toContain('Test run of payments on Codertocat/Hello-World');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page.text).not.toContain(XSS);
    const row7 = page.text.slice(page.text.indexOf('data-pr="7"'), page.text.indexOf('data-pr="8"'));
    expect(row7).toContain('would block');
    expect(row7).toContain('changelog-not-updated');
    expect(row7).toContain('Team Lead (@alice)');
    const row8 = page.text.slice(page.text.indexOf('data-pr="8"'));
    expect(row8).toContain('would pass');
    expect(calls.filter((c) => !c.startsWith('GET ') && c !== 'POST /app/installations/1/access_tokens')).toEqual([]);
    expect(await counts(h)).toEqual(before);
    // Another person cannot open this result.
    const bob = new Browser(h.url);
    await bob.signIn(h.fake, 'bob');
    expect((await bob.page(res.headers.get('location')!)).status).toBe(404);
  });

  it('the page refuses a repo outside the chosen installation', async () => {
    h = await startHarness();
    const b = new Browser(h.url);
    await b.signIn(h.fake, 'alice');
    const csrf = await b.csrf();
    const res = await b.post('/admin/test-run', { csrf, installation: '1', pack: 'payments', repo: 'other-org/secret', last: '2' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('other-org/secret is not in Codertocat&#39;s installation.');
  });

  it('the API: the same run as JSON with the admin token', async () => {
    h = await startHarness();
    const before = await counts(h);
    const gh = nock(API);
    gh.post('/app/installations/1/access_tokens').reply(201, { token: 'inst-token', expires_at: new Date(Date.now() + 3600_000).toISOString() });
    mockRun(gh);
    const res = await fetch(`${h.url}/api/v1/test-runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pack: 'payments', repo: 'Codertocat/Hello-World', ref: 'draft-pack', last: 2 }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { configSha: string; pack: { status: string }; prs: Array<{ number: number; wouldBlock: boolean; chain: unknown[] }> };
    expect(body.configSha).toBe(CONFIG_SHA);
    expect(body.pack.status).toBe('draft');
    expect(body.prs.map((p) => [p.number, p.wouldBlock, p.chain.length])).toEqual([
      [7, true, 1],
      [8, false, 0],
    ]);
    expect(await counts(h)).toEqual(before);
  });

  it('a Track B pack: the drift it would raise, reading the doc with the App (a missing doc says so)', async () => {
    h = await startHarness();
    const before = await counts(h);
    const gh = nock(API);
    gh.post('/app/installations/1/access_tokens').reply(201, { token: 'inst-token', expires_at: new Date(Date.now() + 3600_000).toISOString() });
    mockDriftRun(gh);
    gh.get('/repos/Codertocat/Hello-World/pulls/7/files').query(true).reply(200, [{ filename: 'src/app.ts', status: 'modified', sha: 'e'.repeat(40) }]);
    gh.get('/repos/Codertocat/docs').reply(404, { message: 'Not Found' });
    const calls = recordCalls(gh);
    const res = await postDriftRun(h);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { prs: Array<{ number: number; applies: boolean; wouldBlock: boolean; drift: { doc: string; items: Array<{ rule: string; message: string }> } }> };
    expect(body.prs[0]).toMatchObject({ number: 7, applies: true, wouldBlock: false, drift: { doc: 'Codertocat/docs:runbooks/payments.md' } });
    expect(body.prs[0]!.drift.items.map((i) => i.rule)).toEqual(['problem.doc-missing']);
    expect(body.prs[0]!.drift.items[0]!.message).toContain('Codertocat/docs is not readable by the app (HTTP 404)');
    expect(calls).toContain('GET /repos/Codertocat/docs');
    expect(calls.filter((c) => !c.startsWith('GET ') && !c.endsWith('/access_tokens'))).toEqual([]);
    expect(await counts(h)).toEqual(before);
  });
});

describe('pack test runs and untrusted documents', () => {
  // A test run reads what anyone may have written — the PRs' specs, a config branch's pack,
  // the docs — so it parses them as the app's own checks do: in a worker, within
  // PJ_PARSE_DEADLINE_MS. A doc past it is not read, and the result says why.
  const HOSTILE = `# Runbook\n\n${'[a]('.repeat(36_000)}\n`; // about 10 s to parse in this thread
  function mockDoc(gh: nock.Scope): void {
    gh.get('/repos/Codertocat/docs').reply(200, { default_branch: 'main' });
    gh.get(/\/repos\/Codertocat\/docs\/contents\//).query(true).reply(200, { type: 'file', encoding: 'base64', content: Buffer.from(HOSTILE).toString('base64'), sha: 'd'.repeat(40), size: HOSTILE.length });
    gh.get('/repos/Codertocat/Hello-World/pulls/7/files').query(true).reply(200, [{ filename: 'src/app.ts', status: 'modified', sha: 'e'.repeat(40) }]);
  }
  const TOO_COMPLEX = /^problem\.doc-missing: runbooks\/payments\.md: too complex to parse within 200 ms \(PJ_PARSE_DEADLINE_MS\), so it was not read: nothing was checked for drift/;

  it('the API: a doc past the deadline is named as not read, in 200 ms, not parsed for 10 s', async () => {
    const sandbox = untrustedDocuments({ deadlineMs: 200, size: 1 });
    try {
      h = await startHarness({}, { untrusted: sandbox });
      const gh = nock(API);
      gh.post('/app/installations/1/access_tokens').reply(201, { token: 'inst-token', expires_at: new Date(Date.now() + 3600_000).toISOString() });
      mockDriftRun(gh);
      mockDoc(gh);
      const res = await postDriftRun(h);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { prs: Array<{ drift: { items: Array<{ rule: string; message: string }> } }> };
      expect(body.prs[0]!.drift.items.map((i) => `${i.rule}: ${i.message}`)).toEqual([expect.stringMatching(TOO_COMPLEX)]);
    } finally {
      await sandbox.close();
    }
  });

  it('pj test-run: a local pack file, a doc past PJ_PARSE_DEADLINE_MS named as not read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pj-test-run-'));
    try {
      writeFileSync(join(dir, 'payments-docs.yml'), DRIFT_PACK);
      const gh = nock(API);
      gh.get('/repos/Codertocat/Hello-World/installation').reply(200, { id: 1 });
      gh.post('/app/installations/1/access_tokens').reply(201, { token: 'inst-token', expires_at: new Date(Date.now() + 3600_000).toISOString() });
      gh.get('/repos/Codertocat/Hello-World/pulls/7').reply(200, pr(7, 'a change'));
      mockDoc(gh);
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(['test-run', '--pack', 'payments-docs.yml', '--repo', 'Codertocat/Hello-World', '--pr', '7', '--format', 'json'], {
        out: (t: string) => out.push(t),
        err: (t: string) => err.push(t),
        cwd: dir,
        env: { APP_ID: '1', PRIVATE_KEY: testPrivateKey(), PJ_PARSE_DEADLINE_MS: '200' },
      } as never);
      expect(err.join('')).toBe('');
      expect(code).toBe(0);
      const result = JSON.parse(out.join('')) as { pack: { valid: boolean }; prs: Array<{ drift: { items: Array<{ rule: string; message: string }> } }> };
      expect(result.pack.valid).toBe(true);
      expect(result.prs[0]!.drift.items.map((i) => `${i.rule}: ${i.message}`)).toEqual([expect.stringMatching(TOO_COMPLEX)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('pj test-run', () => {
  it('runs with the App credentials and exits 1 when a PR would be blocked', async () => {
    const gh = nock(API);
    const calls = recordCalls(gh);
    gh.get('/repos/Codertocat/Hello-World/installation').reply(200, { id: 1 });
    gh.post('/app/installations/1/access_tokens').reply(201, { token: 'inst-token', expires_at: new Date(Date.now() + 3600_000).toISOString() });
    mockRun(gh);
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['test-run', '--pack', 'payments', '--repo', 'Codertocat/Hello-World', '--last', '2', '--ref', 'draft-pack'], {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      cwd: process.cwd(),
      env: { APP_ID: '1', PRIVATE_KEY: testPrivateKey() },
    } as never);
    expect(err.join('')).toBe('');
    expect(code).toBe(1);
    const text = out.join('');
    expect(text).toContain(`#7 ${XSS}: WOULD BLOCK (highest high), 1 finding`);
    expect(text).toContain('chain: 1. Team Lead (@alice)');
    expect(text).toContain('#8 docs and changelog: would pass');
    expect(calls.filter((c) => !c.startsWith('GET ') && c !== 'POST /app/installations/1/access_tokens')).toEqual([]);
  });

  it('says what is missing', async () => {
    const err: string[] = [];
    const code = await runCli(['test-run', '--pack', 'payments', '--repo', 'Codertocat/Hello-World', '--last', '2', '--pr', '3'], { out: () => {}, err: (t: string) => err.push(t), cwd: process.cwd() });
    expect(code).toBe(2);
    expect(err.join('')).toContain('give --last or --pr, not both');
    const err2: string[] = [];
    expect(await runCli(['test-run', '--pack', 'p', '--repo', 'a/b'], { out: () => {}, err: (t: string) => err2.push(t), cwd: process.cwd(), env: {} } as never)).toBe(2);
    expect(err2.join('')).toContain('set APP_ID and PRIVATE_KEY');
  });
});
