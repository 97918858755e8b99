// Attacks on the approval inputs, over HTTP with signed deliveries (issue 9 items 9, 12
// and 13): a hidden `/approve`, an approving comment edited away, a dismissed review
// re-sent, and an outsider's command spam that used to page the approvers every time.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config.js';
import { wire, type Wiring } from '../../src/routes.js';
import type { Db } from '../../src/store/database.js';
import { contentCache } from '../../src/change/blob-cache.js';
import { API, mockConfigRepo, mockConfigUnchanged } from '../helpers/app.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { examplePayload } from '../helpers/payloads.js';
import { postWebhook, startTestServer, TestOctokit } from '../helpers/server.js';

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/prs/${p}`, import.meta.url), 'utf8');
const synchronize = () => JSON.parse(fixture('pull_request.synchronize.json')) as Record<string, any>;
const BASE_SPEC = fixture('petstore/base.yaml');
const HEAD_SPEC = fixture('petstore/head.yaml');
const PACK = `${fixture('petstore/pack.yml')}
approvalTiers:
  lead: { name: Team Lead, users: [alice], requiredFor: [high, critical] }
  director: { name: Director, users: [bob], requiredFor: [high, critical] }
`;
const CONFIG_SHA = 'c'.repeat(40);
const HEAD_BLOB = '9'.repeat(40);
const REPO = '/repos/Codertocat/Hello-World';
const CONTRACTS = 'PuddleJumper / contracts';

interface CheckBody {
  name: string;
  status: string;
  conclusion?: string;
  output: { title: string; summary: string };
}

/** What GitHub received: check-run bodies by name and PR comments, in order. */
interface Received {
  checks: CheckBody[];
  comments: string[];
  /** "check" or "comment", in the order the requests reached GitHub. */
  order: string[];
}

function mockGitHub(gh: nock.Scope, got: Received): void {
  let id = 100;
  const names = new Map<number, string>();
  gh.post(`${REPO}/check-runs`)
    .times(20)
    .optionally()
    .reply(201, (_uri, body) => {
      got.checks.push(body as CheckBody);
      got.order.push('check');
      names.set(++id, (body as CheckBody).name);
      return { id, name: (body as CheckBody).name };
    });
  gh.patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+/)
    .times(60)
    .optionally()
    .reply(200, (uri, body) => {
      const checkId = Number(uri.split('/').pop());
      got.checks.push({ name: names.get(checkId)!, ...(body as Omit<CheckBody, 'name'>) });
      got.order.push('check');
      return { id: checkId };
    });
  gh.post(`${REPO}/issues/2/comments`)
    .times(60)
    .optionally()
    .reply(201, (_uri, body) => {
      got.comments.push((body as { body: string }).body);
      got.order.push('comment');
      return { id: 900 + got.comments.length };
    });
}

const title = (got: Received) => got.checks.filter((c) => c.name === CONTRACTS).at(-1)?.output.title;

/** A real issue_comment payload on PR #2 (authored by Codertocat), by `login`. */
function comment(login: string, body: string, id: number, edit?: { from: string }): Record<string, any> {
  const p = examplePayload('issue_comment', edit ? 'edited' : 'created');
  p.installation = { id: 1 };
  p.issue.number = 2;
  p.issue.pull_request = { url: `https://api.github.com${REPO}/pulls/2` };
  p.issue.user = { ...p.issue.user, login: 'Codertocat' };
  p.comment = { ...p.comment, id, body, created_at: new Date().toISOString(), user: { ...p.comment.user, login, type: 'User' } };
  p.sender = { ...p.sender, login, type: 'User' };
  if (edit) p.changes = { body: { from: edit.from } };
  return p;
}

/** A real pull_request_review payload on the PR's head. */
function review(login: string, id: number, action: 'submitted' | 'dismissed', head: string): Record<string, any> {
  const p = examplePayload('pull_request_review', 'submitted', 1);
  p.action = action;
  p.installation = { id: 1 };
  p.review = { ...p.review, id, state: action === 'dismissed' ? 'dismissed' : 'approved', commit_id: head, user: { ...p.review.user, login, type: 'User' } };
  p.sender = { ...p.sender, login, type: 'User' };
  p.pull_request.head.sha = head;
  return p;
}

describe('attacks on approval inputs, over HTTP', () => {
  let db: Db;
  let server: { url: string; stop: () => Promise<void> } | undefined;
  let services: Wiring;
  let gh: nock.Scope;
  let got: Received;

  /** The app on a real HTTP server over `db` (a second call is a restart on the same database). */
  async function start(): Promise<void> {
    contentCache.clear();
    server = await startTestServer({
      db,
      routes: (app) => {
        services = wire({ app, db, settings: loadSettings({}), appSlug: async () => 'puddlejumper' });
        return services.routes;
      },
      dispatch: (installationId) => services.dispatch(installationId),
    });
    // The installation token, once per process.
    nock(API).post('/app/installations/1/access_tokens').reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {}, repository_selection: 'all' });
    gh = nock(API);
    mockGitHub(gh, got);
  }

  /** The packs are loaded; the PR's synchronize arrives; its contracts check waits for the Team Lead. */
  async function openPr(): Promise<Record<string, any>> {
    const warm = nock(API);
    mockConfigRepo(warm, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': PACK });
    await services.packs.load(new TestOctokit({ auth: { token: 't' } }), 1, 'Codertocat');
    const pr = synchronize();
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    gh.get(`${REPO}/pulls/2/files`).query(true).reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: HEAD_BLOB }]);
    gh.get(`${REPO}/contents/openapi%2Fopenapi.yaml`).query({ ref: pr.pull_request.base.sha }).reply(200, BASE_SPEC, { 'content-type': 'application/vnd.github.raw' });
    gh.get(`${REPO}/git/blobs/${HEAD_BLOB}`).reply(200, HEAD_SPEC, { 'content-type': 'application/vnd.github.raw' });
    await send('pull_request', pr);
    expect(title(got)).toBe('Waiting for approval: Team Lead');
    return pr;
  }

  async function send(event: string, payload: Record<string, any>): Promise<void> {
    const res = await postWebhook(server!.url, event, payload);
    expect(res.status).toBe(200);
  }

  beforeEach(async () => {
    db = await openMemoryDatabase();
    got = { checks: [], comments: [], order: [] };
    await start();
  });

  afterEach(async () => {
    await server?.stop();
    await db.destroy();
  });

  it('a /approve hidden in an HTML comment under "Not yet" approves nothing', async () => {
    await openPr();
    await send('issue_comment', comment('alice', 'Not yet\n<!--\n/approve\n-->', 1));
    expect(title(got)).toBe('Waiting for approval: Team Lead');
    expect(got.comments).toEqual([]);
    // The same person's visible /approve does.
    await send('issue_comment', comment('alice', 'Looks right now.\n\n/approve', 2));
    expect(title(got)).toBe('Waiting for approval: Director');
  });

  it('editing an approving comment so it no longer says /approve retracts the approval; an edit never approves', async () => {
    await openPr();
    await send('issue_comment', comment('alice', '/approve', 1));
    expect(title(got)).toBe('Waiting for approval: Director');
    // Still saying /approve (with more words) keeps it.
    await send('issue_comment', comment('alice', 'Checked the clients too.\n\n/approve', 1, { from: '/approve' }));
    expect(title(got)).toBe('Waiting for approval: Director');
    await send('issue_comment', comment('alice', 'Not yet: the clients break.', 1, { from: 'Checked the clients too.\n\n/approve' }));
    expect(title(got)).toBe('Waiting for approval: Team Lead');
    const steps = await db.selectFrom('approval_steps').select(['tier_id', 'status']).orderBy('position').execute();
    expect(steps).toEqual([
      { tier_id: 'lead', status: 'active' },
      { tier_id: 'director', status: 'waiting' },
    ]);
    // Editing /approve back in does not approve again: only a new comment does.
    await send('issue_comment', comment('alice', '/approve', 1, { from: 'Not yet: the clients break.' }));
    expect(title(got)).toBe('Waiting for approval: Team Lead');
    expect(got.comments.at(-1)).toMatch(/edited comments are not read/);
  });

  it('a dismissed review re-sent under a new delivery id never approves again', async () => {
    const pr = await openPr();
    const head = pr.pull_request.head.sha as string;
    const approving = review('alice', 77, 'submitted', head);
    await send('pull_request_review', approving);
    expect(title(got)).toBe('Waiting for approval: Director');
    await send('pull_request_review', review('bob', 77, 'dismissed', head));
    expect(title(got)).toBe('Waiting for approval: Team Lead');
    // The very same submission again (postWebhook gives it a fresh delivery id).
    await send('pull_request_review', approving);
    expect(title(got)).toBe('Waiting for approval: Team Lead');
    // After a restart too: the dismissal is in the database.
    await server!.stop();
    server = undefined;
    nock.cleanAll();
    await start();
    await send('pull_request_review', approving);
    expect(await db.selectFrom('approval_steps').select('status').where('tier_id', '=', 'lead').executeTakeFirstOrThrow()).toEqual({ status: 'active' });
    const ignored = await db.selectFrom('audit_events').select('details').where('type', '=', 'approval.ignored').execute();
    expect(ignored.filter((r) => r.details.includes('a dismissed review never decides again'))).toHaveLength(2);
    // Alice's new review is a new review: it approves.
    await send('pull_request_review', review('alice', 78, 'submitted', head));
    expect(await db.selectFrom('approval_steps').select('status').where('tier_id', '=', 'lead').executeTakeFirstOrThrow()).toEqual({ status: 'approved' });
  });

  it("40 outsider /approve comments: one reply, mentioning nobody, and still none after a restart; a real approval's check goes out", async () => {
    await openPr();
    for (let i = 0; i < 40; i++) await send('issue_comment', comment('mallory', '/approve', 100 + i));
    expect(got.comments).toHaveLength(1);
    expect(got.comments[0]).toMatch(/`mallory` is not in Team Lead \(`alice`\)\. Nothing was changed\./);
    expect(got.comments[0]).not.toMatch(/@[A-Za-z0-9]/);
    // Each refusal is still evidence.
    const refused = await db.selectFrom('audit_events').select('details').where('type', '=', 'approval.refused').execute();
    expect(refused).toHaveLength(40);

    // A restart on the same database: the hour has not passed, so still no reply.
    await server!.stop();
    server = undefined;
    nock.cleanAll();
    await start();
    await send('issue_comment', comment('mallory', '/approve', 200));
    await send('issue_comment', comment('mallory', '/approve tier9 @alice', 201));
    expect(got.comments).toHaveLength(1);
    // Another person's first refusal is answered, without a mention either.
    await send('issue_comment', comment('Codertocat', '/approve', 202));
    expect(got.comments).toHaveLength(2);
    expect(got.comments[1]).toMatch(/^`Codertocat` is the author of this pull request\. Nothing was changed\./);
    expect(got.comments[1]).not.toMatch(/@[A-Za-z0-9]/);

    await send('issue_comment', comment('alice', '/approve', 300));
    expect(title(got)).toBe('Waiting for approval: Director');
  });
});
