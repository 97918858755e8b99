import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { describe, expect, it } from 'vitest';
import { decideStep } from '../../src/approvals/chain.js';
import { TeamMembership } from '../../src/github/team-membership.js';
import { AUTHOR, HEAD, PR, REPO, STORE_KINDS, comment, example, factsFromCommentPayload, factsFromReviewPayload, fakeTeams, pack, review, setup as setupOn, type StoreKind } from './helpers.js';

const HEAD2 = 'ffffffffffffffffffffffffffffffffffffffff';
const statuses = (c: { steps: Array<{ tierId: string; status: string }> } | undefined) => c?.steps.map((s) => `${s.tierId}:${s.status}`);


describe('facts from real webhook payloads', () => {
  it('reads a pull_request_review.submitted payload', () => {
    const f = factsFromReviewPayload(example('pull_request_review', 'submitted'));
    expect(f).toMatchObject({
      action: 'submitted',
      repo: 'Codertocat/Hello-World',
      prNumber: 2,
      prAuthor: 'Codertocat',
      prHeadSha: HEAD,
      review: { id: '237895671', state: 'commented', commitId: HEAD, user: { login: 'Codertocat', type: 'User' } },
    });
  });

  it('reads an issue_comment.created payload, and skips comments on plain issues', () => {
    const raw = example('issue_comment', 'created');
    expect(factsFromCommentPayload(raw)).toBeUndefined(); // the example is on an issue
    raw.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    expect(factsFromCommentPayload(raw)).toMatchObject({
      action: 'created',
      repo: 'Codertocat/Hello-World',
      prNumber: 1,
      prAuthor: 'Codertocat',
      comment: { id: '492700400', user: { login: 'Codertocat', type: 'User' } },
    });
    expect(factsFromCommentPayload({ ...example('issue_comment', 'edited'), issue: raw.issue })?.previousBody).toMatch(/totally right/);
  });
});

describe.each(STORE_KINDS)('on the %s chain store', (store: StoreKind) => {
const setup = (o: Parameters<typeof setupOn>[0] = {}) => setupOn({ ...o, store });

describe('a decision recorded by a replica that died before publishing it', () => {
  it('the same review again (the resumed delivery) decides nothing new and publishes the check from the chain', async () => {
    const t = await setup();
    await t.ensure(pack());
    const approving = review({ state: 'approved', login: 'alice', id: 4242 });
    expect(await t.svc.onReview(approving)).toMatchObject({ kind: 'changed' });
    expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
    // The replica that recorded it died before its check update was proposed: nothing published.
    t.published.length = 0;
    expect(await t.svc.onReview(approving)).toMatchObject({ kind: 'ignored', reason: 'this review already decided Team Lead' });
    expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
    expect(t.published).toHaveLength(1);
    expect(statuses(t.published[0]!.chain)).toEqual(['tier1:approved', 'tier2:active']);
    expect(t.types('approval.step_approved')).toHaveLength(1);
  });
});

describe('security refusals', () => {
  it("refuses the PR author's /approve, replies why, changes nothing, audits", async () => {
    const t = await setup();
    await t.ensure(pack({ approvalTiers: { tier1: { name: 'Team Lead', users: [AUTHOR, 'alice'], requiredFor: ['high'] } } }));
    const out = await t.svc.onComment(comment({ body: '/approve', login: AUTHOR }));
    expect(out).toMatchObject({ kind: 'refused', reason: `@${AUTHOR} is the author of this pull request` });
    expect(t.replies.map((r) => r.body)).toEqual([`\`${AUTHOR}\` is the author of this pull request. Nothing was changed.`]);
    expect(statuses(await t.current())).toEqual(['tier1:active']);
    expect(t.types('approval.refused')).toHaveLength(1);
    expect(t.published).toHaveLength(0);
  });

  it("refuses a bot's approving review (audited, not answered)", async () => {
    const t = await setup();
    await t.ensure(pack({ approvalTiers: { tier1: { name: 'Team Lead', users: ['alice', 'renovate'], requiredFor: ['high'] } } }));
    const out = await t.svc.onReview(review({ state: 'approved', login: 'renovate[bot]', type: 'Bot' }));
    expect(out).toMatchObject({ kind: 'refused', reason: 'bots cannot approve' });
    const out2 = await t.svc.onReview(review({ state: 'approved', login: 'renovate', type: 'Bot' }));
    expect(out2).toMatchObject({ kind: 'refused', reason: 'bots cannot approve' });
    expect(statuses(await t.current())).toEqual(['tier1:active']);
    expect(t.types('approval.refused')).toHaveLength(2);
    expect(t.replies).toHaveLength(0);
  });

  it("refuses a non-member's /approve (team membership 404 from the API)", async () => {
    nock('https://api.github.com').get('/orgs/acme/teams/team-leads/memberships/mallory').reply(404, { message: 'Not Found' });
    const octokit = new ProbotOctokit({ auth: { token: 't' }, retry: { enabled: false }, throttle: { enabled: false } });
    const t = await setup({ membership: new TeamMembership(octokit).forEvaluation() });
    await t.ensure();
    const out = await t.svc.onComment(comment({ body: '/approve', login: 'mallory' }));
    expect(out).toMatchObject({ kind: 'refused', reason: '@mallory is not in Team Lead (@alice, acme/team-leads)' });
    expect(t.replies[0]!.body).toBe('`mallory` is not in Team Lead (`alice`, acme/team-leads). Nothing was changed.');
    expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
  });

  it('ignores an approving comment that was edited (audited as ignored)', async () => {
    const t = await setup();
    await t.ensure();
    const out = await t.svc.onComment(comment({ action: 'edited', body: '/approve', login: 'alice', from: 'LGTM' }));
    expect(out).toEqual({ kind: 'ignored', reason: 'edited comments never approve or reject' });
    expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
    expect(t.audits.find((a) => a.type === 'approval.ignored')?.details).toMatchObject({ reason: 'edited comments never approve or reject', command: { kind: 'approve' } });
    expect(t.replies[0]!.body).toMatch(/edited comments are not read/);
  });

  it('accepts /approve from a login differing only in case, refuses a different login', async () => {
    const t = await setup();
    await t.ensure();
    const refused = await t.svc.onComment(comment({ body: '/approve', login: 'alicia', id: 1 }));
    expect(refused).toMatchObject({ kind: 'refused', reason: '@alicia is not in Team Lead (@alice, acme/team-leads)' });
    const ok = await t.svc.onComment(comment({ body: '/approve', login: 'ALICE', id: 2 }));
    expect(ok).toMatchObject({ kind: 'changed' });
    expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
    expect((await t.current())!.steps[0]).toMatchObject({ decidedBy: 'ALICE', source: { kind: 'comment', id: '2' } });
  });

  it('an approval given on an old head after a push does not satisfy the new chain, and never lands on the superseded one', async () => {
    const t = await setup();
    await t.ensure(pack(), 'medium', HEAD);
    const pushed = await t.ensure(pack(), 'medium', HEAD2);
    expect(pushed.created).toBe(true);
    // A review of the old head acts on the old head's chain only — which is superseded, so nothing moves.
    const out = await t.svc.onReview(review({ state: 'approved', login: 'alice', commitId: HEAD, prHead: HEAD2 }));
    expect(out).toMatchObject({ kind: 'ignored', reason: `no approval chain for commit ${HEAD.slice(0, 7)}` });
    const old = (await t.chains.forPr(REPO, PR, { includeSuperseded: true })).find((c) => c.chain.headSha === HEAD)!;
    expect(old.supersededReason).toBe('newer_head');
    expect(statuses(old.chain)).toEqual(['tier1:active']);
    const fresh = await t.chains.byKey(`${REPO}#${PR}@${HEAD2}`);
    expect(fresh?.chain.status).toBe('pending');
    expect(statuses(fresh?.chain)).toEqual(['tier1:active']);
    expect(t.published).toHaveLength(0);
    // A late evaluation of the old head does not displace the new chain, and no superseded chain answers for it.
    const late = await t.ensure(pack(), 'medium', HEAD);
    expect(late).toMatchObject({ chain: undefined, stale: true, created: false });
    expect((await t.current())?.headSha).toBe(HEAD2);
  });

  it('with distinctApprovers the same person cannot approve two sequential steps', async () => {
    const t = await setup({ membership: fakeTeams({ 'acme/directors': ['alice'] }) });
    await t.ensure();
    expect(await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }))).toMatchObject({ kind: 'changed' });
    const second = await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 2 }));
    expect(second).toMatchObject({ kind: 'refused', reason: '@alice already approved Team Lead; this chain needs a different person for each step' });
    expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
  });
});

describe('approval flows', () => {
  it('sequential three-step chain via comments and reviews, with audit events and publishes', async () => {
    const t = await setup();
    const { chain } = await t.ensure(pack(), 'critical');
    expect(statuses(chain)).toEqual(['tier1:active', 'tier2:waiting', 'tier3:waiting']);
    t.tick(60);
    await t.svc.onComment(comment({ body: 'LGTM\n/approve', login: 'alice', id: 1 }));
    t.tick(60);
    await t.svc.onReview(review({ state: 'approved', login: 'dana', id: 11 }));
    t.tick(60);
    const last = await t.svc.onComment(comment({ body: '/approve tier3', login: 'cto', id: 3 }));
    expect(last).toMatchObject({ kind: 'changed' });
    const c = await t.current();
    expect(c?.status).toBe('approved');
    expect(c?.steps.map((s) => s.decidedBy)).toEqual(['alice', 'dana', 'cto']);
    expect(t.published).toHaveLength(3);
    expect(t.published.at(-1)).toMatchObject({ headSha: HEAD, chain: { status: 'approved' } });
    expect(t.types().filter((x) => x.startsWith('approval.'))).toEqual([
      'approval.chain_started',
      'approval.group_activated',
      'approval.step_approved',
      'approval.group_activated',
      'approval.step_approved',
      'approval.group_activated',
      'approval.step_approved',
      'approval.chain_approved',
    ]);
    expect(t.audits.find((a) => a.type === 'approval.step_approved')).toMatchObject({ actor: 'user:alice', subject: { repo: REPO, prNumber: PR, headSha: HEAD } });
  });

  it('a parallel group of two: both approve, in either order', async () => {
    const t = await setup({ membership: fakeTeams({ 'acme/security': ['sam'] }) });
    const p = pack({
      approvalTiers: {
        tier1: { name: 'Team Lead', users: ['alice'] },
        tier2: { name: 'Director', users: ['dana'] },
        security: { name: 'Security', teams: ['acme/security'] },
      },
      approvalChains: { high: [['tier1'], ['tier2', 'security']] },
    });
    await t.ensure(p, 'high');
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active', 'security:active']);
    await t.svc.onComment(comment({ body: '/approve', login: 'sam', id: 2 }));
    expect((await t.current())?.status).toBe('pending');
    await t.svc.onComment(comment({ body: '/approve', login: 'dana', id: 3 }));
    expect((await t.current())?.status).toBe('approved');
  });

  it('a rejection at step 2 is terminal (changes requested)', async () => {
    const t = await setup();
    await t.ensure(pack(), 'critical');
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    const rej = await t.svc.onReview(review({ state: 'changes_requested', login: 'dana', id: 12 }));
    expect(rej).toMatchObject({ kind: 'changed' });
    expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:rejected', 'tier3:skipped']);
    const after = await t.svc.onComment(comment({ body: '/approve', login: 'dave', id: 2 }));
    expect(after).toMatchObject({ kind: 'refused', reason: 'the approval chain was rejected; a rejection is final for this commit' });
    // Re-evaluating the same head keeps the rejection.
    expect((await t.ensure(pack(), 'critical')).chain?.status).toBe('rejected');
    expect(t.types('approval.chain_rejected')).toHaveLength(1);
  });

  it('/reject <reason> rejects; changesRequested: ignore leaves the chain alone', async () => {
    const t = await setup();
    await t.ensure(pack({ approvalOptions: { changesRequested: 'ignore' } }));
    expect(await t.svc.onReview(review({ state: 'changes_requested', login: 'alice' }))).toMatchObject({ kind: 'ignored' });
    await t.svc.onComment(comment({ body: '/reject breaks clients', login: 'alice' }));
    const c = await t.current();
    expect(c?.status).toBe('rejected');
    expect(c?.steps[0]).toMatchObject({ status: 'rejected', reason: 'breaks clients' });
  });

  it('a dismissed review retracts what it gave', async () => {
    const t = await setup();
    await t.ensure();
    await t.svc.onReview(review({ state: 'approved', login: 'alice', id: 77 }));
    expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
    const out = await t.svc.onReview(review({ action: 'dismissed', state: 'dismissed', login: 'alice', id: 77 }));
    expect(out).toMatchObject({ kind: 'changed' });
    expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
    expect(t.types('approval.step_retracted')).toHaveLength(1);
    expect(t.published).toHaveLength(2);
  });

  it('a deleted approving comment retracts; /approve cancel retracts your own', async () => {
    const t = await setup();
    await t.ensure();
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    await t.svc.onComment(comment({ action: 'deleted', body: '/approve', login: 'alice', id: 1 }));
    expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 2 }));
    expect(await t.svc.onComment(comment({ body: '/approve cancel', login: 'bob', id: 3 }))).toMatchObject({ kind: 'refused' });
    expect(await t.svc.onComment(comment({ body: '/approve cancel', login: 'Alice', id: 4 }))).toMatchObject({ kind: 'changed' });
    expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
  });

  it('20 concurrent approvals of one step make one transition and one check update', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
    const t = await setup();
    await t.ensure(pack({ approvalTiers: { tier1: { name: 'Team Lead', users, requiredFor: ['high'] } } }));
    const outcomes = await Promise.all(users.map((login, i) => t.svc.onComment(comment({ body: '/approve', login, id: 100 + i }))));
    expect(outcomes.filter((o) => o.kind === 'changed')).toHaveLength(1);
    expect(outcomes.filter((o) => o.kind === 'refused')).toHaveLength(19);
    expect(t.types('approval.step_approved')).toHaveLength(1);
    expect(t.types('approval.chain_approved')).toHaveLength(1);
    expect(t.published).toHaveLength(1);
    expect((await t.current())!.steps[0]!.status).toBe('approved');
    if (store === 'sqlite') {
      const row = await t.db.selectFrom('approval_steps').select(['version', 'status']).executeTakeFirstOrThrow();
      expect(row).toEqual({ version: 1, status: 'approved' });
    }
  });

  it('the store compare-and-set lets exactly one of 20 racing writers of one snapshot through', async () => {
    const t = await setup();
    await t.ensure();
    const snapshot = (await t.chains.forPr(REPO, PR))[0]!;
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => {
        const next = decideStep(snapshot.chain, { kind: 'approve', stepId: '0.tier1', actor: `u${i}`, source: { kind: 'comment', id: String(i) } }, new Date()).chain;
        return t.chains.save(snapshot, next, new Date());
      }),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected').every((r) => /changed concurrently/.test(String((r as PromiseRejectedResult).reason)))).toBe(true);
  });

  it('/pj help replies with the chain, each state and who can still approve', async () => {
    const t = await setup();
    await t.ensure(pack(), 'critical');
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    expect(await t.svc.onComment(comment({ body: '/pj help', login: 'someone', id: 2 }))).toMatchObject({ kind: 'help' });
    const body = t.replies.at(-1)!.body;
    expect(body).toContain('(severity **critical**): **pending**');
    expect(body).toMatch(/\| 1 \| Team Lead \(`tier1`\) \| ✅ approved \| `alice`, 2026-03-01T10:00:00.000Z via comment \| — \|/);
    expect(body).toMatch(/\| 2 \| Director \(`tier2`\) \| ⏳ needs approval \| {2}\| acme\/directors members — except `Codertocat` \(author\), `alice` \(already approved a step\) \|/);
    expect(body).toMatch(/\| 3 \| CTO \(`tier3`\) \| ⏸️ waiting \| {2}\| `cto` \|/);
    // The reply names people without notifying them.
    expect(body).not.toMatch(/@[A-Za-z0-9]/);
    expect(body).toContain('`/approve cancel`');
    // No line of the reply is itself a command.
    expect(body.split('\n').some((l) => /^\s{0,3}\//.test(l))).toBe(false);

    await t.svc.onComment(comment({ body: '/pj xyz', login: 'someone', id: 3 }));
    expect(t.replies.at(-1)!.body).toContain('Unknown command `/pj xyz`');
    expect(await t.svc.onComment(comment({ body: '/pj recheck', login: 'someone', id: 4 }))).toEqual({ kind: 'recheck' });
  });

  it('per-PR chains (invalidateOnPush: false) survive a push; a rejected one restarts on a new head', async () => {
    const t = await setup();
    const p = pack({ approvalOptions: { invalidateOnPush: false } });
    await t.ensure(p, 'high', HEAD);
    await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
    const again = await t.ensure(p, 'high', HEAD2);
    expect(again.created).toBe(false);
    expect(statuses(again.chain)).toEqual(['tier1:approved', 'tier2:active']);
    await t.svc.onComment(comment({ body: '/reject no', login: 'dana', id: 2 }));
    expect((await t.ensure(p, 'high', HEAD2)).chain?.status).toBe('rejected');
    const restarted = await t.ensure(p, 'high', 'a'.repeat(40));
    expect(restarted.created).toBe(true);
    expect(statuses(restarted.chain)).toEqual(['tier1:active', 'tier2:waiting']);
  });

  it('no approval required: no chain, and commands say so', async () => {
    const t = await setup();
    expect((await t.ensure(pack(), 'low')).chain).toBeUndefined();
    expect(await t.svc.onComment(comment({ body: '/approve', login: 'alice' }))).toMatchObject({ kind: 'refused', reason: 'no approval is required for this pull request' });
  });

  it('a redelivered approving review decides once, even without distinctApprovers', async () => {
    const t = await setup({ membership: fakeTeams({ 'acme/directors': ['alice'] }) });
    await t.ensure(pack({ approvalOptions: { distinctApprovers: false } }));
    await t.svc.onReview(review({ state: 'approved', login: 'alice', id: 5 }));
    expect(await t.svc.onReview(review({ state: 'approved', login: 'alice', id: 5 }))).toMatchObject({ kind: 'ignored' });
    expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
    await t.svc.onReview(review({ state: 'approved', login: 'alice', id: 6 }));
    expect((await t.current())?.status).toBe('approved');
  });

  it("ignores the app's own comments and plain comments", async () => {
    const t = await setup();
    await t.ensure();
    expect(await t.svc.onComment(comment({ body: '/approve', login: 'puddlejumper[bot]', type: 'Bot' }))).toMatchObject({ kind: 'ignored' });
    expect(await t.svc.onComment(comment({ body: 'nice work', login: 'alice' }))).toMatchObject({ kind: 'ignored' });
    expect(t.replies).toHaveLength(0);
  });
});
});
