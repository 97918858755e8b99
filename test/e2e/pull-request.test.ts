// A pull request from webhook to check runs, through the whole app: packs from the
// config repo, Track A on the changed spec, the approval chain, the governance pipeline.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API, createTestApp, mockConfigRepo, mockConfigUnchanged, recordCalls, type TestApp } from '../helpers/app.js';
import { examplePayload } from '../helpers/payloads.js';
import { TestOctokit } from '../helpers/server.js';
import { githubPatch } from '../helpers/patch.js';

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/prs/${p}`, import.meta.url), 'utf8');
const synchronize = () => JSON.parse(fixture('pull_request.synchronize.json')) as Record<string, any>;
const BASE_SPEC = fixture('petstore/base.yaml');
const HEAD_SPEC = fixture('petstore/head.yaml');
const PACK = fixture('petstore/pack.yml');
const CONFIG_SHA = 'c'.repeat(40);
const HEAD_BLOB = '9'.repeat(40);
const REPO = '/repos/Codertocat/Hello-World';

const TIERS = `
approvalTiers:
  lead: { name: Team Lead, users: [Alice], requiredFor: [high, critical] }
  director: { name: Director, users: [bob], requiredFor: [high, critical] }
`;

function mockSpecChange(scope: nock.Scope, pr: Record<string, any>, file = 'openapi/openapi.yaml', headBlob = HEAD_BLOB, headSpec = HEAD_SPEC): void {
  scope
    .get(`${REPO}/pulls/2/files`)
    .query(true)
    .reply(200, [{ filename: file, status: 'modified', sha: headBlob }]);
  if (file !== 'openapi/openapi.yaml') return;
  scope
    .get(`${REPO}/contents/openapi%2Fopenapi.yaml`)
    .query({ ref: pr.pull_request.base.sha })
    .reply(200, BASE_SPEC, { 'content-type': 'application/vnd.github.raw' })
    .get(`${REPO}/git/blobs/${headBlob}`)
    .reply(200, headSpec, { 'content-type': 'application/vnd.github.raw' });
}

interface CheckBody {
  name: string;
  status: string;
  conclusion?: string;
  output: { title: string; summary: string; annotations: Array<{ path: string; start_line: number }> };
}

/** Check-run creations and updates, as the bodies GitHub received. */
function mockChecks(scope: nock.Scope, bodies: CheckBody[]): void {
  let id = 100;
  const names = new Map<number, string>();
  scope
    .post(`${REPO}/check-runs`)
    .times(10)
    .optionally()
    .reply(201, (_uri, body) => {
      bodies.push(body as CheckBody);
      names.set(++id, (body as CheckBody).name);
      return { id, name: (body as CheckBody).name };
    });
  scope
    .patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+/)
    .times(20)
    .optionally()
    .reply(200, (uri, body) => {
      const checkId = Number(uri.split('/').pop());
      bodies.push({ name: names.get(checkId)!, ...(body as Omit<CheckBody, 'name'>) });
      return { id: checkId };
    });
}

const last = (bodies: CheckBody[], name: string) => bodies.filter((b) => b.name === name).at(-1)!;

/** A real issue_comment.created payload, edited into a comment by `login` on PR #2 (authored by Codertocat). */
function comment(login: string, body: string, id = 1): Record<string, any> {
  const p = examplePayload('issue_comment', 'created');
  p.installation = { id: 1 };
  p.issue.number = 2;
  p.issue.pull_request = { url: `https://api.github.com${REPO}/pulls/2` };
  p.issue.user = { ...p.issue.user, login: 'Codertocat' };
  p.comment = { ...p.comment, id, body, created_at: new Date().toISOString(), user: { ...p.comment.user, login, type: 'User' } };
  p.sender = { ...p.sender, login, type: 'User' };
  return p;
}

/** An event that names PR #2 without its shas: the PR is fetched, then evaluated as usual. */
function mockReevaluation(pr: Record<string, any>): CheckBody[] {
  const gh = nock(API);
  gh.get(`${REPO}/pulls/2`).reply(200, { ...pr.pull_request, state: 'open' });
  mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
  mockSpecChange(gh, pr);
  const checks: CheckBody[] = [];
  mockChecks(gh, checks);
  return checks;
}

describe('pull request → PuddleJumper / contracts', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(async () => {
    await t.db.destroy();
  });

  async function warmPacks(files: Record<string, string>): Promise<void> {
    const gh = nock(API);
    mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, files);
    await t.services.packs.load(new TestOctokit({ auth: { token: 't' } }), 1, 'Codertocat');
  }

  /** The packs are in the sha-keyed cache; the PR event arrives; GitHub answers with the fixture spec change. */
  /** `change` mocks what GitHub says the PR changed (default: the fixture spec change). */
  async function receivePr(
    packs: Record<string, string>,
    change: (gh: nock.Scope, pr: Record<string, any>) => void = (gh, pr) => mockSpecChange(gh, pr),
  ) {
    await warmPacks(packs);
    const pr = synchronize();
    const gh = nock(API);
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    change(gh, pr);
    const checks: CheckBody[] = [];
    mockChecks(gh, checks);
    const calls = recordCalls(gh);
    await t.receive('pull_request', pr);
    return { pr, gh, checks, calls };
  }

  it('synchronize with one pack and one changed spec: at most 5 counted calls, failure with annotations on the spec lines', async () => {
    const gh = nock(API);
    mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': PACK });
    // The first event loads the packs; the one measured finds them in the sha-keyed cache.
    const warm = synchronize();
    mockSpecChange(gh, warm);
    const bodies: CheckBody[] = [];
    mockChecks(gh, bodies);
    await t.receive('pull_request', warm);
    nock.cleanAll();

    // A new push: new head blob, and a rebased base (nothing of it is cached).
    const pr = synchronize();
    pr.pull_request.head.sha = 'd'.repeat(40);
    pr.pull_request.base.sha = 'e'.repeat(40);
    const measured = nock(API);
    mockConfigUnchanged(measured, 'Codertocat', CONFIG_SHA);
    mockSpecChange(measured, pr, 'openapi/openapi.yaml', '8'.repeat(40));
    const checks: CheckBody[] = [];
    mockChecks(measured, checks);
    const calls = recordCalls(measured);
    await t.receive('pull_request', pr);

    const counted = calls.filter((c) => !c.includes('/.github/commits/HEAD'));
    expect(counted).toHaveLength(5);
    expect(counted).toEqual(expect.arrayContaining([
      `GET ${REPO}/pulls/2/files`,
      `POST ${REPO}/check-runs`,
      `GET ${REPO}/contents/openapi%2Fopenapi.yaml`,
      `GET ${REPO}/git/blobs/${'8'.repeat(40)}`,
      expect.stringMatching(new RegExp(`^PATCH ${REPO}/check-runs/\\d+$`)),
    ]));
    expect(checks[0]).toMatchObject({ name: 'PuddleJumper / contracts', status: 'in_progress' });
    const done = checks[1]!;
    expect(done).toMatchObject({ status: 'completed', conclusion: 'failure', output: { title: '2 breaking changes, 1 problem' } });
    expect(done.output.annotations.map((a) => [a.path, a.start_line]).sort()).toEqual([
      ['openapi/openapi.yaml', 12],
      ['openapi/openapi.yaml', 24],
      ['openapi/openapi.yaml', 4],
    ]);
    expect(done.output.summary).toMatch(/hello-world-api/);
    // The decision is evidence: the evaluation and every action transition are audited.
    const types = (await t.db.selectFrom('audit_events').select('type').execute()).map((r) => r.type);
    expect(types).toContain('evaluation.completed');
    expect(types.filter((x) => x === 'action.dispatched').length).toBeGreaterThanOrEqual(4);
  });

  it('a PR that touches no pack glob: at most 2 counted calls and "no policy pack applies"', async () => {
    const { checks, calls } = await receivePr({ 'policy-packs/hello.yml': PACK }, (gh, pr) => mockSpecChange(gh, pr, 'README.md'));
    expect(calls.filter((c) => !c.includes('/.github/commits/HEAD'))).toEqual([`GET ${REPO}/pulls/2/files`, `POST ${REPO}/check-runs`]);
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(checks[0]!.output.title).toMatch(/no policy pack applies/i);
  });

  it('an invalid pack that would govern the PR fails the check, naming its file and error', async () => {
    await warmPacks({ 'policy-packs/hello.yml': PACK.replace('enforcement:', 'enforcment:') });
    const pr = synchronize();
    const gh = nock(API);
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    gh.get(`${REPO}/pulls/2/files`).query(true).reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: HEAD_BLOB }]);
    const checks: CheckBody[] = [];
    mockChecks(gh, checks);
    await t.receive('pull_request', pr);
    const done = last(checks, 'PuddleJumper / contracts');
    expect(done.conclusion).toBe('failure');
    expect(`${done.output.title}\n${done.output.summary}`).toMatch(/policy-packs\/hello\.yml:\d+:\d+/);
    expect(done.output.summary).toMatch(/enforcment/);
  });

  it('a test-mode pack never blocks: neutral, "[test mode] would have failed", no approvals check', async () => {
    const { checks } = await receivePr({ 'policy-packs/hello.yml': `${PACK}testMode: { enabled: true }\n${TIERS}` });
    const done = last(checks, 'PuddleJumper / contracts');
    expect(done).toMatchObject({ conclusion: 'neutral' });
    expect(done.output.title).toMatch(/^\[test mode\] would have failed: /);
    expect(checks.some((c) => c.name === 'PuddleJumper / approvals')).toBe(false);
  });

  it('block mode waits for the chain: /approve by each tier in turn turns the contracts check green', async () => {
    const { gh, checks } = await receivePr({ 'policy-packs/hello.yml': `${PACK}${TIERS}` });

    expect(last(checks, 'PuddleJumper / contracts')).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Team Lead' } });
    expect(last(checks, 'PuddleJumper / approvals')).toMatchObject({ status: 'in_progress' });

    // The author may not approve: refused with a reply, nothing changes.
    const replies: string[] = [];
    gh.post(`${REPO}/issues/2/comments`).times(5).optionally().reply(201, (_u, body) => {
      replies.push((body as { body: string }).body);
      return { id: 900 + replies.length };
    });
    await t.receive('issue_comment', comment('Codertocat', '/approve', 501));
    expect(replies.at(-1)).toMatch(/`Codertocat` .*author/i);
    expect(last(checks, 'PuddleJumper / contracts').output.title).toBe('Waiting for approval: Team Lead');

    // Logins are compared case-insensitively: "alice" fills the tier that lists "Alice".
    await t.receive('issue_comment', comment('alice', '/approve', 502));
    expect(last(checks, 'PuddleJumper / contracts')).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Director' } });

    // An action that needs the chain (the governance seam) waits for it, then goes out once.
    const { key } = await t.db.selectFrom('approval_chains').select('key').executeTakeFirstOrThrow();
    const waiting = await t.services.outbox.propose({
      installationId: 1,
      kind: 'comment.upsert',
      idempotencyKey: 'after-approval',
      subject: { repo: 'Codertocat/Hello-World', prNumber: 2 },
      payload: { repo: 'Codertocat/Hello-World', issueNumber: 2, body: 'released by the chain', marker: 'after-approval' },
      awaitChain: key,
    });
    expect(waiting.status).toBe('proposed');

    await t.receive('issue_comment', comment('bob', 'Looks right.\n/approve', 503));
    expect((await t.services.outbox.get(waiting.id))?.status).toBe('dispatched');
    expect(replies.at(-1)).toMatch(/released by the chain/);
    const contracts = last(checks, 'PuddleJumper / contracts');
    expect(contracts).toMatchObject({ conclusion: 'success', output: { title: 'Approved by @alice (Team Lead), @bob (Director)' } });
    expect(last(checks, 'PuddleJumper / approvals')).toMatchObject({ status: 'completed', conclusion: 'success' });
    // The findings' annotations went out once, with the first completed check.
    const withAnnotations = checks.filter((c) => c.name === 'PuddleJumper / contracts' && c.output.annotations.length > 0);
    expect(withAnnotations).toHaveLength(1);
  });

  it('approving reviews drive the chain; a bot review is refused; a push starts a new chain for the new head', async () => {
    const { pr, gh, checks } = await receivePr({ 'policy-packs/hello.yml': `${PACK}${TIERS}` });

    const review = (login: string, type: string, state: string, id: number, commit = pr.pull_request.head.sha) => {
      const p = examplePayload('pull_request_review', 'submitted', 1);
      p.installation = { id: 1 };
      p.review = { ...p.review, id, state, commit_id: commit, user: { ...p.review.user, login, type } };
      p.sender = { ...p.sender, login, type };
      p.pull_request.head.sha = pr.pull_request.head.sha;
      return p;
    };
    await t.receive('pull_request_review', review('dependabot[bot]', 'Bot', 'approved', 1));
    expect(last(checks, 'PuddleJumper / contracts').output.title).toBe('Waiting for approval: Team Lead');
    const refused = await t.db.selectFrom('audit_events').select('details').where('type', '=', 'approval.refused').execute();
    expect(refused.map((r) => r.details).join()).toMatch(/bots cannot approve/);

    await t.receive('pull_request_review', review('alice', 'User', 'approved', 2));
    expect(last(checks, 'PuddleJumper / contracts').output.title).toBe('Waiting for approval: Director');

    // A push: the new head needs its own approvals (invalidateOnPush), the old ones stay with the old head.
    const pushed = synchronize();
    pushed.pull_request.head.sha = 'f'.repeat(40);
    pushed.pull_request.base.sha = 'e'.repeat(40);
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    mockSpecChange(gh, pushed, 'openapi/openapi.yaml', '7'.repeat(40));
    await t.receive('pull_request', pushed);
    const newHead = checks.filter((c) => c.name === 'PuddleJumper / contracts').at(-1)!;
    expect(newHead.output.title).toBe('Waiting for approval: Team Lead');
    // Bob approves the old head: its chain is superseded, so nothing moves — neither chain.
    await t.receive('pull_request_review', review('bob', 'User', 'approved', 3));
    const chains = await t.db.selectFrom('approval_chains').select(['head_sha', 'status', 'superseded_reason']).orderBy('id').execute();
    expect(chains).toEqual([
      { head_sha: pr.pull_request.head.sha, status: 'pending', superseded_reason: 'newer_head' },
      { head_sha: 'f'.repeat(40), status: 'pending', superseded_reason: null },
    ]);
  });

  it('check_run.rerequested re-runs the evaluation of the PR it belongs to', async () => {
    await warmPacks({ 'policy-packs/hello.yml': PACK });
    const pr = synchronize();
    const payload = examplePayload('check_run', 'rerequested');
    payload.installation = { id: 1 };
    payload.repository = pr.repository;
    payload.check_run = { ...payload.check_run, head_sha: pr.pull_request.head.sha, pull_requests: [{ number: 2 }] };
    const checks = mockReevaluation(pr);
    await t.receive('check_run', payload);
    expect(last(checks, 'PuddleJumper / contracts')).toMatchObject({ conclusion: 'failure', output: { title: '2 breaking changes, 1 problem' } });
  });

  it('an API error that outlives the retries fails the check with the reason, and the delivery can be redelivered', async () => {
    await warmPacks({ 'policy-packs/hello.yml': PACK });
    const pr = synchronize();
    const gh = nock(API);
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    gh.get(`${REPO}/pulls/2/files`).query(true).reply(502, { message: 'Server Error' });
    const checks: CheckBody[] = [];
    mockChecks(gh, checks);
    await expect(t.receive('pull_request', pr)).rejects.toThrow();
    expect(last(checks, 'PuddleJumper / contracts')).toMatchObject({ conclusion: 'failure', output: { title: 'Evaluation failed' } });
    expect(last(checks, 'PuddleJumper / contracts').output.summary).toMatch(/Server Error/);
    const delivery = await t.db.selectFrom('webhook_deliveries').select('status').executeTakeFirstOrThrow();
    expect(delivery.status).toBe('failed');
  });

  it('/pj recheck re-runs the evaluation', async () => {
    await warmPacks({ 'policy-packs/hello.yml': PACK });
    const checks = mockReevaluation(synchronize());
    await t.receive('issue_comment', comment('carol', '/pj recheck'));
    expect(last(checks, 'PuddleJumper / contracts')).toMatchObject({ conclusion: 'failure', output: { title: '2 breaking changes, 1 problem' } });
  });

  it('an edit re-evaluates only when it moved the base branch', async () => {
    await warmPacks({ 'policy-packs/hello.yml': PACK });
    const edited = synchronize();
    edited.action = 'edited';
    edited.changes = { title: { from: 'Old title' } };
    await t.receive('pull_request', edited); // no request at all: nock would refuse it

    const rebased = synchronize();
    rebased.action = 'edited';
    rebased.changes = { base: { ref: { from: 'develop' }, sha: { from: '0'.repeat(40) } } };
    const gh = nock(API);
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    mockSpecChange(gh, rebased);
    const checks: CheckBody[] = [];
    mockChecks(gh, checks);
    await t.receive('pull_request', rebased);
    expect(last(checks, 'PuddleJumper / contracts')).toMatchObject({ conclusion: 'failure' });
  });

  it('test mode on a clean PR completes neutral, never left in progress', async () => {
    const { checks } = await receivePr({ 'policy-packs/hello.yml': `${PACK}testMode: { enabled: true }\n` }, (gh, pr) =>
      mockSpecChange(gh, pr, 'openapi/openapi.yaml', HEAD_BLOB, BASE_SPEC),
    );
    expect(last(checks, 'PuddleJumper / contracts')).toMatchObject({ status: 'completed', conclusion: 'neutral', output: { title: '[test mode] No contract problems found' } });
  });

  const WARN_PACK = `id: hello-advisory
name: Hello advisory
scope: { type: repo, ref: Codertocat/Hello-World }
pathGlobs: ["openapi/**"]
trackA:
  comparators:
    - { type: openapi.diff, severity: high, config: { spec: openapi/openapi.yaml } }
  enforcement: { mode: warn }
${TIERS}`;

  it("a warn pack's approvers can never lift another pack's block", async () => {
    const { checks } = await receivePr({ 'policy-packs/hello.yml': PACK, 'policy-packs/advisory.yml': WARN_PACK });
    const contracts = last(checks, 'PuddleJumper / contracts');
    expect(contracts.conclusion).toBe('failure');
    expect(contracts.output.title).not.toMatch(/Waiting for approval/);
    // The blocking pack requires no chain, so there is none to approve.
    expect(last(checks, 'PuddleJumper / approvals')).toMatchObject({ conclusion: 'success', output: { title: 'No approval required' } });
  });

  it('warn mode shows the chain but never blocks: the approvals check completes neutral', async () => {
    const { checks } = await receivePr({ 'policy-packs/advisory.yml': WARN_PACK });
    expect(last(checks, 'PuddleJumper / contracts').conclusion).toBe('neutral');
    expect(last(checks, 'PuddleJumper / approvals')).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
      output: { title: 'Advisory (warn mode): Waiting for approval: Team Lead' },
    });
  });

  it('adding the waiver label re-runs the check; any other label costs nothing', async () => {
    await warmPacks({ 'policy-packs/hello.yml': PACK.replace('trackA:\n  comparators:\n', 'trackA:\n  comparators:\n    - { type: changelog.updated, config: { waiverLabel: no-changelog-needed } }\n') });
    const labeled = (name: string) => Object.assign(synchronize(), { action: 'labeled', label: { name } });
    const gh = nock(API);
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    await t.receive('pull_request', labeled('bug')); // only the conditional head lookup: 304

    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    const pr = labeled('no-changelog-needed');
    mockSpecChange(gh, pr);
    const checks: CheckBody[] = [];
    mockChecks(gh, checks);
    await t.receive('pull_request', pr);
    expect(last(checks, 'PuddleJumper / contracts').conclusion).toBe('failure');
  });

  it('compares against the merge base rebuilt from the listed patch: the moved-on base tip is never read, at no request', async () => {
    const { checks, calls } = await receivePr({ 'policy-packs/hello.yml': PACK }, (gh) => {
      // Only the merge base, rebuilt from the patch, is read: a request for the base tip's contents is not mocked and would fail this test.
      gh.get(`${REPO}/pulls/2/files`)
        .query(true)
        .reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: HEAD_BLOB, patch: githubPatch(BASE_SPEC, HEAD_SPEC) }]);
      gh.get(`${REPO}/git/blobs/${HEAD_BLOB}`).reply(200, HEAD_SPEC, { 'content-type': 'application/vnd.github.raw' });
    });
    expect(calls.filter((c) => !c.includes('/.github/commits/HEAD'))).toHaveLength(4);
    expect(last(checks, 'PuddleJumper / contracts')).toMatchObject({ conclusion: 'failure', output: { title: '2 breaking changes, 1 problem' } });
  });
});
