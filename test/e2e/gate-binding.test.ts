// Issue 9, "the gate can be settled by the wrong thing": three ways a PR author got a
// breaking change past a blocking gate, each played as the attacker would, end to end —
// signed webhook deliveries over HTTP into the whole app, GitHub mocked by nock.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { puddleJumperApp } from '../../src/app.js';
import { contentCache } from '../../src/change/blob-cache.js';
import { loadSettings } from '../../src/config.js';
import { wire, type Wiring } from '../../src/routes.js';
import type { Db } from '../../src/store/database.js';
import { API, mockConfigRepo, mockConfigUnchanged } from '../helpers/app.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { examplePayload } from '../helpers/payloads.js';
import { TestOctokit, postWebhook, startTestServer } from '../helpers/server.js';

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/prs/${p}`, import.meta.url), 'utf8');
const BASE_SPEC = fixture('petstore/base.yaml');
const HEAD_SPEC = fixture('petstore/head.yaml');
const PACK = fixture('petstore/pack.yml');
const TIERS = `
approvalTiers:
  lead: { name: Team Lead, users: [alice], requiredFor: [high, critical] }
  director: { name: Director, users: [bob], requiredFor: [high, critical] }
`;
const CONFIG_SHA = 'c'.repeat(40);
const REPO = '/repos/Codertocat/Hello-World';
const CONTRACTS = 'PuddleJumper / contracts';
const APPROVALS = 'PuddleJumper / approvals';

interface CheckBody {
  name: string;
  head_sha?: string;
  status: string;
  conclusion?: string;
  output: { title: string; summary: string };
}

interface App {
  db: Db;
  services: Wiring;
  url: string;
  stop(): Promise<void>;
}

/** The whole app behind a real HTTP server; every delivery is signed with the webhook secret. */
async function startApp(): Promise<App> {
  contentCache.clear();
  const db = await openMemoryDatabase();
  let services: Wiring | undefined;
  const server = await startTestServer({
    db,
    routes: (app) => {
      services = wire({ app, db, settings: loadSettings({}), appSlug: async () => 'puddlejumper' });
      return services.routes;
    },
    dispatch: (id) => services!.dispatch(id),
  });
  return { db, services: services!, url: server.url, stop: server.stop };
}

describe('the gate is settled only by what was approved (issue 9, items 1–3)', () => {
  let app: App;
  let gh: nock.Scope;
  /** Check-run bodies as GitHub received them, with the head sha they belong to. */
  let checks: CheckBody[];
  /** What this test's GitHub already served (the content cache never asks twice). */
  let read: Set<string>;

  beforeEach(async () => {
    app = await startApp();
    gh = nock(API);
    // The app authenticates as installation 1 (Probot caches the token).
    gh.post('/app/installations/1/access_tokens').optionally().times(20).reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z', permissions: {} });
    checks = [];
    read = new Set();
    let id = 100;
    const runs = new Map<number, { name: string; head_sha: string }>();
    gh.post(`${REPO}/check-runs`)
      .optionally()
      .times(50)
      .reply(201, (_uri, body) => {
        const b = body as CheckBody & { head_sha: string };
        checks.push(b);
        runs.set(++id, { name: b.name, head_sha: b.head_sha });
        return { id, name: b.name };
      });
    gh.patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+/)
      .optionally()
      .times(100)
      .reply(200, (uri, body) => {
        const run = runs.get(Number(uri.split('/').pop()))!;
        checks.push({ ...run, ...(body as Omit<CheckBody, 'name'>) });
        return { id: Number(uri.split('/').pop()) };
      });
    gh.post(`${REPO}/issues/2/comments`).optionally().times(20).reply(201, { id: 1 });
    gh.post(`${REPO}/issues/7/comments`).optionally().times(20).reply(201, { id: 2 });
    mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': `${PACK}${TIERS}` });
    await app.services.packs.load(new TestOctokit({ auth: { token: 't' } }), 1, 'Codertocat');
  });

  afterEach(async () => {
    await app.stop();
    await app.db.destroy();
  });

  /** Posts a signed delivery and waits until the app has finished with it. */
  async function deliver(event: string, payload: Record<string, any>): Promise<void> {
    const delivery = crypto.randomUUID();
    const res = await postWebhook(app.url, event, payload, { delivery });
    expect(res.status, `${event} delivery`).toBeLessThan(300);
    for (let i = 0; i < 200; i++) {
      const row = await app.db.selectFrom('webhook_deliveries').select('status').where('delivery_id', '=', delivery).executeTakeFirst();
      if (row && row.status !== 'processing') {
        expect(row.status).toBe('done');
        return;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`delivery ${delivery} (${event}) did not finish`);
  }

  const last = (name: string, headSha: string) => checks.filter((c) => c.name === name && c.head_sha === headSha).at(-1);

  function prPayload(o: { action?: string; number?: number; head: string; base: string; baseRef?: string; changes?: unknown }): Record<string, any> {
    const p = JSON.parse(fixture('pull_request.synchronize.json')) as Record<string, any>;
    p.action = o.action ?? 'synchronize';
    p.installation = { id: 1 };
    p.number = o.number ?? 2;
    p.pull_request.number = o.number ?? 2;
    p.pull_request.head.sha = o.head;
    p.pull_request.base.sha = o.base;
    p.pull_request.base.ref = o.baseRef ?? 'main';
    p.pull_request.changed_files = 1;
    if (o.changes !== undefined) p.changes = o.changes;
    return p;
  }

  /** What GitHub answers for one evaluation of PR `number`: the spec changed, from `baseSpec` at `base` to `headSpec` (blob `blob`). */
  function mockEvaluation(o: { number?: number; base: string; baseSpec?: string; headSpec?: string; blob: string; files?: 'spec' | 'none' }): void {
    mockConfigUnchanged(gh, 'Codertocat', CONFIG_SHA);
    const number = o.number ?? 2;
    if (o.files === 'none') {
      gh.get(`${REPO}/pulls/${number}/files`).query(true).reply(200, []);
      return;
    }
    gh.get(`${REPO}/pulls/${number}/files`).query(true).reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: o.blob }]);
    // Contents at a sha are read once (the sha-keyed content cache).
    if (!read.has(`base:${o.base}`)) {
      read.add(`base:${o.base}`);
      gh.get(`${REPO}/contents/openapi%2Fopenapi.yaml`).query({ ref: o.base }).reply(200, o.baseSpec ?? BASE_SPEC, { 'content-type': 'application/vnd.github.raw' });
    }
    if (!read.has(`blob:${o.blob}`)) {
      read.add(`blob:${o.blob}`);
      gh.get(`${REPO}/git/blobs/${o.blob}`).reply(200, o.headSpec ?? HEAD_SPEC, { 'content-type': 'application/vnd.github.raw' });
    }
  }

  function comment(login: string, body: string, id: number, pr = 2): Record<string, any> {
    const p = examplePayload('issue_comment', 'created');
    p.installation = { id: 1 };
    p.issue.number = pr;
    p.issue.pull_request = { url: `https://api.github.com${REPO}/pulls/${pr}` };
    p.issue.user = { ...p.issue.user, login: 'Codertocat' };
    p.comment = { ...p.comment, id, body, created_at: new Date(Date.now() + 1000).toISOString(), user: { ...p.comment.user, login, type: 'User' } };
    p.sender = { ...p.sender, login, type: 'User' };
    return p;
  }

  it('1. another open PR with the same head never settles the gate: the commit shows the strictest of them, naming each; closing one re-publishes for the other', async () => {
    const H = 'a'.repeat(40);
    // PR 7: feature → main, a breaking change: blocked, waiting for the chain.
    mockEvaluation({ number: 7, base: 'b'.repeat(40), blob: '1'.repeat(40) });
    await deliver('pull_request', prPayload({ action: 'opened', number: 7, head: H, base: 'b'.repeat(40), baseRef: 'main' }));
    expect(last(CONTRACTS, H)).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Team Lead' } });

    // PR 9: feature → tmp, where tmp already has the change: nothing to compare.
    mockEvaluation({ number: 9, base: 'e'.repeat(40), blob: '1'.repeat(40), files: 'none' });
    await deliver('pull_request', prPayload({ action: 'opened', number: 9, head: H, base: 'e'.repeat(40), baseRef: 'tmp' }));
    const combined = last(CONTRACTS, H)!;
    expect(combined.conclusion).toBe('failure');
    expect(combined.output.title).toBe('#7: Waiting for approval: Team Lead · #9: No policy pack applies');
    expect(combined.output.summary).toMatch(/head of 2 open pull requests \(#7 → main, #9 → tmp\)/);
    expect(combined.output.summary).toMatch(/\| #7 \| `main` \| failure \| Waiting for approval: Team Lead \|/);
    expect(combined.output.summary).toMatch(/\| #9 \| `tmp` \| success \| No policy pack applies \|/);
    expect(last(APPROVALS, H)).toMatchObject({ status: 'in_progress', output: { title: '#7: Waiting for approval: Team Lead · #9: No approval required' } });

    // `/pj recheck` on PR 9 re-runs PR 9 only; the commit still shows PR 7's block.
    gh.get(`${REPO}/pulls/9`).reply(200, { ...prPayload({ number: 9, head: H, base: 'e'.repeat(40), baseRef: 'tmp' }).pull_request, state: 'open' });
    mockEvaluation({ number: 9, base: 'e'.repeat(40), blob: '1'.repeat(40), files: 'none' });
    await deliver('issue_comment', comment('carol', '/pj recheck', 601, 9));
    expect(last(CONTRACTS, H)).toMatchObject({ conclusion: 'failure' });
    expect(last(CONTRACTS, H)!.output.title).toMatch(/^#7: Waiting for approval/);

    // Approvals on PR 7 settle PR 7's part; the commit turns green only when every PR's part is.
    await deliver('issue_comment', comment('alice', '/approve', 602, 7));
    await deliver('issue_comment', comment('bob', '/approve', 603, 7));
    expect(last(CONTRACTS, H)).toMatchObject({ conclusion: 'success', output: { title: '#7: Approved by @alice (Team Lead), @bob (Director) · #9: No policy pack applies' } });
  });

  it('1b. closing the blocked PR re-publishes the commit for the PR that is left', async () => {
    const H = 'a'.repeat(40);
    mockEvaluation({ number: 7, base: 'b'.repeat(40), blob: '1'.repeat(40) });
    await deliver('pull_request', prPayload({ action: 'opened', number: 7, head: H, base: 'b'.repeat(40), baseRef: 'main' }));
    mockEvaluation({ number: 9, base: 'e'.repeat(40), blob: '1'.repeat(40), files: 'none' });
    await deliver('pull_request', prPayload({ action: 'opened', number: 9, head: H, base: 'e'.repeat(40), baseRef: 'tmp' }));
    expect(last(CONTRACTS, H)).toMatchObject({ conclusion: 'failure' });

    await deliver('pull_request', prPayload({ action: 'closed', number: 7, head: H, base: 'b'.repeat(40), baseRef: 'main' }));
    expect(last(CONTRACTS, H)).toMatchObject({ conclusion: 'success', output: { title: 'No policy pack applies' } });
    expect(last(APPROVALS, H)).toMatchObject({ conclusion: 'success', output: { title: 'No approval required' } });

    // PR 9 closing too leaves nothing to publish for: no request at all.
    const before = checks.length;
    await deliver('pull_request', prPayload({ action: 'closed', number: 9, head: H, base: 'e'.repeat(40), baseRef: 'tmp' }));
    expect(checks.length).toBe(before);
  });

  it('2. approvals land on the head the PR had: after B and a force-push back to A, /approve is for a fresh chain of A, and B again starts over', async () => {
    const A = 'a'.repeat(40);
    const B = 'b'.repeat(40);
    const base = '0'.repeat(40);
    // A: the breaking change; B: one more (the delete endpoint is gone in both; B also drops a response).
    const B_SPEC = HEAD_SPEC.replace("        '200':\n          description: ok\ncomponents:", "        '201':\n          description: ok\ncomponents:");
    expect(B_SPEC).not.toBe(HEAD_SPEC);
    mockEvaluation({ base, blob: '1'.repeat(40) });
    await deliver('pull_request', prPayload({ head: A, base }));
    expect(last(CONTRACTS, A)).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Team Lead' } });
    mockEvaluation({ base, blob: '2'.repeat(40), headSpec: B_SPEC });
    await deliver('pull_request', prPayload({ head: B, base }));
    expect(last(CONTRACTS, B)).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Team Lead' } });

    // The force-push back to A: the PR's head is asked once (a force-push back and a late delivery look alike).
    mockEvaluation({ base, blob: '1'.repeat(40) });
    gh.get(`${REPO}/pulls/2`).reply(200, { ...prPayload({ head: A, base }).pull_request, state: 'open' });
    await deliver('pull_request', prPayload({ head: A, base }));
    expect(last(CONTRACTS, A)).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Team Lead' } });

    // The approvers approve what they see: A.
    await deliver('issue_comment', comment('alice', '/approve', 701));
    await deliver('issue_comment', comment('bob', '/approve', 702));
    // A's checks turn green (they stayed failed for ever before).
    expect(last(CONTRACTS, A)).toMatchObject({ conclusion: 'success', output: { title: 'Approved by @alice (Team Lead), @bob (Director)' } });
    const chains = await app.db.selectFrom('approval_chains').select(['head_sha', 'status', 'superseded_reason']).orderBy('id').execute();
    expect(chains).toEqual([
      { head_sha: A, status: 'pending', superseded_reason: 'newer_head' },
      { head_sha: B, status: 'pending', superseded_reason: 'newer_head' },
      { head_sha: A, status: 'approved', superseded_reason: null },
    ]);

    // Force-pushing B again: B's old chain is never revived; B needs its own approvals.
    mockEvaluation({ base, blob: '2'.repeat(40) });
    gh.get(`${REPO}/pulls/2`).reply(200, { ...prPayload({ head: B, base }).pull_request, state: 'open' });
    await deliver('pull_request', prPayload({ head: B, base }));
    expect(last(CONTRACTS, B)).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Team Lead' } });
    expect(last(APPROVALS, B)).toMatchObject({ status: 'in_progress' });
  });

  it('2b. a late delivery of a head the PR has left changes no chain and revives nothing', async () => {
    const A = 'a'.repeat(40);
    const B = 'b'.repeat(40);
    const base = '0'.repeat(40);
    mockEvaluation({ base, blob: '1'.repeat(40) });
    await deliver('pull_request', prPayload({ head: A, base }));
    mockEvaluation({ base, blob: '2'.repeat(40) });
    await deliver('pull_request', prPayload({ head: B, base }));
    // A's synchronize delivered again, late: GitHub says the head is B.
    mockEvaluation({ base, blob: '1'.repeat(40) });
    gh.get(`${REPO}/pulls/2`).reply(200, { ...prPayload({ head: B, base }).pull_request, state: 'open' });
    await deliver('pull_request', prPayload({ head: A, base }));
    const current = await app.db.selectFrom('approval_chains').select(['head_sha']).where('superseded_at', 'is', null).execute();
    expect(current).toEqual([{ head_sha: B }]);
    // A's check completes (never left "Evaluating…"), failing closed without a chain.
    expect(last(CONTRACTS, A)).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(last(CONTRACTS, A)!.output.summary).toMatch(/no longer the head of #2/);
    // An approval now is for B.
    await deliver('issue_comment', comment('alice', '/approve', 801));
    expect(last(CONTRACTS, B)).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Director' } });
  });

  it('2c. a late delivery of an earlier head that needed no approval does not retire the current head\'s chain', async () => {
    const A = 'a'.repeat(40);
    const B = 'b'.repeat(40);
    const base = '0'.repeat(40);
    // A changes nothing in the contract; B breaks it.
    mockEvaluation({ base, blob: '3'.repeat(40), headSpec: BASE_SPEC });
    await deliver('pull_request', prPayload({ head: A, base }));
    expect(last(CONTRACTS, A)).toMatchObject({ conclusion: 'success' });
    mockEvaluation({ base, blob: '2'.repeat(40) });
    await deliver('pull_request', prPayload({ head: B, base }));
    await deliver('issue_comment', comment('alice', '/approve', 811));
    // A's synchronize again, late: GitHub says the head is B, so B's chain (and alice's approval) stays.
    mockEvaluation({ base, blob: '3'.repeat(40) });
    gh.get(`${REPO}/pulls/2`).reply(200, { ...prPayload({ head: B, base }).pull_request, state: 'open' });
    await deliver('pull_request', prPayload({ head: A, base }));
    const current = await app.db.selectFrom('approval_chains').select(['head_sha', 'status']).where('superseded_at', 'is', null).execute();
    expect(current).toEqual([{ head_sha: B, status: 'pending' }]);
    await deliver('issue_comment', comment('bob', '/approve', 812));
    expect(last(CONTRACTS, B)).toMatchObject({ conclusion: 'success', output: { title: 'Approved by @alice (Team Lead), @bob (Director)' } });
  });

  it('3. an approval does not survive a base change that brings more findings: the chain is superseded, said in the check and the audit log', async () => {
    const H = 'a'.repeat(40);
    const TMP = 'e'.repeat(40);
    const MAIN = 'f'.repeat(40);
    // tmp already has everything but the delete endpoint: one breaking change. main is older: more of them, at the same severity.
    const deleteOp = BASE_SPEC.slice(BASE_SPEC.indexOf('    delete:'), BASE_SPEC.indexOf('components:')).replace(/petId/g, 'id');
    const TMP_SPEC = HEAD_SPEC.replace('components:\n', `${deleteOp}components:\n`);
    expect(TMP_SPEC).toContain('deletePet');
    mockEvaluation({ base: TMP, baseSpec: TMP_SPEC, blob: '1'.repeat(40) });
    await deliver('pull_request', prPayload({ action: 'opened', head: H, base: TMP, baseRef: 'tmp' }));
    const small = last(CONTRACTS, H)!;
    expect(small).toMatchObject({ conclusion: 'failure', output: { title: 'Waiting for approval: Team Lead' } });
    await deliver('issue_comment', comment('alice', '/approve', 901));
    await deliver('issue_comment', comment('bob', '/approve', 902));
    const approved = last(CONTRACTS, H)!;
    expect(approved).toMatchObject({ conclusion: 'success' });
    const approvedFor = approved.output.summary.match(/for: ([^.]+)\./)?.[1];

    // The author moves the base to main.
    mockEvaluation({ base: MAIN, baseSpec: BASE_SPEC, blob: '1'.repeat(40) });
    await deliver('pull_request', prPayload({ action: 'edited', head: H, base: MAIN, baseRef: 'main', changes: { base: { ref: { from: 'tmp' }, sha: { from: TMP } } } }));
    const moved = last(CONTRACTS, H)!;
    expect(moved.conclusion).toBe('failure');
    expect(moved.output.title).toBe('Waiting for approval: Team Lead');
    expect(moved.output.summary).toMatch(/The approval chain started again: the base changed \(tmp → main\)\. The approvals of @alice, @bob were for what was there before and no longer count\./);
    expect(moved.output.summary).toMatch(/breaking change/);
    expect(approvedFor).toBeDefined();
    const superseded = await app.db.selectFrom('audit_events').select(['details']).where('type', '=', 'approval.chain_superseded').execute();
    expect(superseded).toHaveLength(1);
    expect(JSON.parse(superseded[0]!.details)).toMatchObject({ reason: 'base_changed', boundBase: 'tmp', base: 'main' });
  });
});
