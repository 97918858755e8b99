// Packs are validated where admins work: pushes and pull requests to the config repo
// get the `PuddleJumper / policy packs` check; a push to its default branch
// re-evaluates the open pull requests the changed packs govern.
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API, createTestApp, type TestApp } from '../helpers/app.js';
import { examplePayload } from '../helpers/payloads.js';

const packs = (p: string) => readFileSync(new URL(`../../fixtures/packs/broken/${p}`, import.meta.url), 'utf8');
const SHA = 'a'.repeat(40);
const CONFIG = '/repos/Codertocat/.github';

function pushPayload(files: string[], ref = 'refs/heads/master') {
  const p = examplePayload('push', undefined, 4);
  p.ref = ref;
  p.after = SHA;
  p.deleted = false;
  p.installation = { id: 1 };
  p.repository = { ...p.repository, name: '.github', full_name: 'Codertocat/.github', default_branch: 'master' };
  p.commits = [{ ...p.commits?.[0], added: [], removed: [], modified: files }];
  return p;
}

function mockTree(scope: nock.Scope, files: Record<string, string>): void {
  const entries = Object.entries(files).map(([path, text], i) => ({ path, text, sha: String(i + 1).padEnd(40, 'f') }));
  scope
    .get(`${CONFIG}/git/trees/${SHA}`)
    .query({ recursive: '1' })
    .reply(200, { sha: SHA, tree: [{ path: 'policy-packs', type: 'tree', sha: 'd'.repeat(40) }, ...entries.map((e) => ({ path: e.path, type: 'blob', sha: e.sha, size: e.text.length }))] });
  for (const e of entries) scope.get(`${CONFIG}/git/blobs/${e.sha}`).reply(200, { content: Buffer.from(e.text).toString('base64'), encoding: 'base64' });
}

interface Check {
  name: string;
  head_sha: string;
  conclusion: string;
  output: { title: string; summary: string; annotations: Array<{ path: string; start_line: number; start_column?: number; message: string }> };
}

describe('the config repo', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.db.destroy();
  });

  it('a push on a branch gets a failing check with one annotation per error at its file:line', async () => {
    const gh = nock(API);
    mockTree(gh, { 'policy-packs/payments.yml': packs('payments.yml'), 'policy-packs/services.yml': packs('services.yml'), 'policy-packs/syntax.yml': packs('syntax.yml') });
    let check: Check | undefined;
    gh.post(`${CONFIG}/check-runs`).reply(201, (_u, body) => ((check = body as Check), { id: 1 }));
    await t.receive('push', pushPayload(['policy-packs/payments.yml'], 'refs/heads/tighten-payments'));

    expect(check).toMatchObject({ name: 'PuddleJumper / policy packs', head_sha: SHA, conclusion: 'failure' });
    const where = check!.output.annotations.map((a) => `${a.path}:${a.start_line}:${a.start_column} ${a.message}`);
    expect(where).toContain('policy-packs/payments.yml:6:3 unknown key "enforcment" in trackA (did you mean "enforcement"?)');
    expect(where.some((w) => w.startsWith('policy-packs/payments.yml:8:'))).toBe(true); // unknown comparator type, on its line
    expect(where.some((w) => w.startsWith('policy-packs/syntax.yml:'))).toBe(true);
    const audit = await t.db.selectFrom('audit_events').select(['type', 'details']).where('type', '=', 'packs.validated').execute();
    expect(audit).toHaveLength(1);
  });

  it('5,000 errors: 500 annotations in 10 writes, and the summary says how many more', async () => {
    const gh = nock(API);
    const keys = Array.from({ length: 5000 }, (_, i) => `typo${i}: 1`).join('\n');
    mockTree(gh, { 'policy-packs/huge.yml': `${packs('good.yml')}\n${keys}\n` });
    const writes: Check[] = [];
    gh.post(`${CONFIG}/check-runs`).reply(201, (_u, body) => (writes.push(body as Check), { id: 1 }));
    gh.patch(`${CONFIG}/check-runs/1`).times(9).reply(200, (_u, body) => (writes.push(body as Check), { id: 1 }));
    await t.receive('push', pushPayload(['policy-packs/huge.yml'], 'refs/heads/many-typos'));
    expect(writes).toHaveLength(10);
    expect(writes.flatMap((w) => w.output.annotations)).toHaveLength(500);
    expect(writes[0]).toMatchObject({ conclusion: 'failure', output: { title: '5000 errors in policy packs' } });
    expect(writes[0]!.output.summary).toContain('and 4500 more are not');
  });

  it('a valid set succeeds, listing each pack with its version hash', async () => {
    const gh = nock(API);
    mockTree(gh, { 'policy-packs/good.yml': packs('good.yml') });
    let check: Check | undefined;
    gh.post(`${CONFIG}/check-runs`).reply(201, (_u, body) => ((check = body as Check), { id: 1 }));
    await t.receive('push', pushPayload(['policy-packs/good.yml'], 'refs/heads/feature'));
    expect(check?.conclusion).toBe('success');
    expect(check?.output.summary).toMatch(/[0-9a-f]{12}/);
  });

  it('a push to the default branch invalidates the cached packs and re-evaluates the governed open PRs, oldest first', async () => {
    const pack = readFileSync(new URL('../../fixtures/prs/petstore/pack.yml', import.meta.url), 'utf8');
    const gh = nock(API);
    mockTree(gh, { 'policy-packs/hello.yml': pack });
    gh.post(`${CONFIG}/check-runs`).reply(201, { id: 1 });
    // The new head: loaded again — the head is asked for, the pack listing and the blob come
    // from the pack cache in the database (the push's validation read that commit just now).
    gh.get(`${CONFIG}/commits/HEAD`).reply(200, SHA, { 'content-type': 'application/vnd.github.sha', etag: '"head-a"' });
    // Each re-evaluated PR asks again, conditionally: 304, free against the rate limit.
    gh.get(`${CONFIG}/commits/HEAD`).matchHeader('if-none-match', '"head-a"').times(2).reply(304);
    gh.get('/installation/repositories').query(true).reply(200, { total_count: 2, repositories: [{ full_name: 'Codertocat/Hello-World' }, { full_name: 'Codertocat/other' }] });
    const pr = (n: number, created: string) => ({ number: n, created_at: created, base: { sha: 'b'.repeat(40) }, head: { sha: String(n).padEnd(40, 'e') }, user: { login: 'Codertocat', type: 'User' }, labels: [] });
    gh.get('/repos/Codertocat/Hello-World/pulls').query(true).reply(200, [pr(7, '2026-01-02T00:00:00Z'), pr(3, '2026-01-01T00:00:00Z')]);
    const evaluated: number[] = [];
    for (const n of [3, 7]) {
      gh.get(`/repos/Codertocat/Hello-World/pulls/${n}/files`).query(true).reply(200, () => (evaluated.push(n), [{ filename: 'README.md', status: 'modified', sha: 'c'.repeat(40) }]));
    }
    gh.post('/repos/Codertocat/Hello-World/check-runs').times(2).reply(201, (_u, body) => ({ id: 5, name: (body as Check).name }));
    await t.receive('push', pushPayload(['policy-packs/hello.yml']));
    // Codertocat/other is not governed by the pack (repo scope): its PRs are not even listed.
    expect(evaluated).toEqual([3, 7]);
  });
});
