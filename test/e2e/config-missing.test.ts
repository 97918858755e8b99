// Issue 9 item 14: a config repo the App cannot read (a 404: not installed on it, or no
// such repo) used to give every PR a green "No policy pack applies". It is said on the
// contracts check, neutral; with PJ_REQUIRE_CONFIG=1 the check fails.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { API, createTestApp, type TestApp } from '../helpers/app.js';

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/prs/${p}`, import.meta.url), 'utf8');
const synchronize = () => JSON.parse(fixture('pull_request.synchronize.json')) as Record<string, any>;
const REPO = '/repos/Codertocat/Hello-World';
const TITLE = 'No readable config repo `Codertocat/.github`: install the App on it';

interface CheckBody {
  name: string;
  status: string;
  conclusion?: string;
  output: { title: string; summary: string };
}

function mockCheck(scope: nock.Scope, bodies: CheckBody[]): void {
  scope.post(`${REPO}/check-runs`).reply(201, (_uri, body) => (bodies.push(body as CheckBody), { id: 1 }));
}

describe('a config repo the App cannot read', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.db.destroy();
    t = undefined;
  });

  it('a 404 makes the contracts check neutral, saying which repo and what to do', async () => {
    t = await createTestApp();
    const gh = nock(API);
    gh.get('/repos/Codertocat/.github/commits/HEAD').reply(404, { message: 'Not Found' });
    const checks: CheckBody[] = [];
    mockCheck(gh, checks);
    await t.receive('pull_request', synchronize());
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'PuddleJumper / contracts', status: 'completed', conclusion: 'neutral', output: { title: TITLE } });
    expect(checks[0]!.output.summary).toContain('PJ_REQUIRE_CONFIG');
    const audit = await t.db.selectFrom('audit_events').select(['type', 'details']).where('type', '=', 'evaluation.completed').execute();
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ configMissing: { repo: 'Codertocat/.github' } });
  });

  it('with PJ_REQUIRE_CONFIG=1 the same 404 fails the check', async () => {
    t = await createTestApp({ env: { PJ_REQUIRE_CONFIG: '1' } });
    const gh = nock(API);
    gh.get('/repos/Codertocat/.github/commits/HEAD').reply(404, { message: 'Not Found' });
    const checks: CheckBody[] = [];
    mockCheck(gh, checks);
    await t.receive('pull_request', synchronize());
    expect(checks[0]).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: TITLE } });
  });

  it('a config repo without the packs folder is said too (neutral), naming the folder', async () => {
    t = await createTestApp();
    const gh = nock(API);
    const sha = 'c'.repeat(40);
    gh.get('/repos/Codertocat/.github/commits/HEAD').reply(200, sha, { 'content-type': 'application/vnd.github.sha' });
    gh.get(`/repos/Codertocat/.github/git/trees/${sha}`).query({ recursive: '1' }).reply(200, { sha, truncated: false, tree: [{ path: 'README.md', type: 'blob', sha: 'a'.repeat(40), size: 3 }] });
    const checks: CheckBody[] = [];
    mockCheck(gh, checks);
    await t.receive('pull_request', synchronize());
    expect(checks[0]).toMatchObject({ conclusion: 'neutral', output: { title: 'No `policy-packs` folder in the config repo `Codertocat/.github`' } });
  });
});
