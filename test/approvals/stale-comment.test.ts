import { describe, expect, it } from 'vitest';
import { HEAD, PR, REPO, comment, commentPayload, factsFromCommentPayload, pack, setup } from './helpers.js';

const HEAD2 = 'ffffffffffffffffffffffffffffffffffffffff';
const statuses = (c: { steps: Array<{ tierId: string; status: string }> } | undefined) => c?.steps.map((s) => `${s.tierId}:${s.status}`);

describe('a comment acts only on a head its author could have seen', () => {
  it('carries comment.created_at in the facts', () => {
    expect(factsFromCommentPayload(commentPayload({ body: '/approve', login: 'alice', createdAt: '2026-03-01T10:00:30Z' }))?.comment.createdAt).toBe(
      '2026-03-01T10:00:30Z',
    );
  });

  it('refuses an /approve or /reject posted before the current head chain was created (delayed or redelivered), with a reply and an audit', async () => {
    const t = await setup({ start: '2026-03-01T10:00:00Z' });
    await t.ensure(pack(), 'high', HEAD);
    t.tick(60);
    await t.ensure(pack(), 'high', HEAD2); // the push: a new chain at 10:01:00

    const stale = await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1, createdAt: '2026-03-01T10:00:30Z' }));
    const reason = 'posted before the latest push; comment again to approve this commit';
    expect(stale).toMatchObject({ kind: 'refused', reason });
    expect(t.replies.map((r) => r.body)).toEqual([`\`alice\` ${reason}. Nothing was changed.`]);
    const refused = t.audits.filter((a) => a.type === 'approval.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ actor: 'user:alice', subject: { headSha: HEAD2 }, details: { reason, commentCreatedAt: '2026-03-01T10:00:30Z' } });
    const staleReject = await t.svc.onComment(comment({ body: '/reject no', login: 'dana', id: 2, createdAt: '2026-03-01T10:00:59Z' }));
    expect(staleReject).toMatchObject({ kind: 'refused', reason: 'posted before the latest push; comment again to reject this commit' });
    const now = (await t.chains.forPr(REPO, PR))[0]!.chain;
    expect(now.headSha).toBe(HEAD2);
    expect(statuses(now)).toEqual(['tier1:active', 'tier2:waiting']);
    expect(t.published).toHaveLength(0);

    // Commenting again after the push approves the new head.
    const fresh = await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 3, createdAt: '2026-03-01T10:01:05Z' }));
    expect(fresh).toMatchObject({ kind: 'changed' });
    expect(statuses((await t.chains.forPr(REPO, PR))[0]!.chain)).toEqual(['tier1:approved', 'tier2:active']);
  });

  it('a per-PR chain (invalidateOnPush: false) is not tied to a head: an older comment still decides', async () => {
    const t = await setup({ start: '2026-03-01T10:00:00Z' });
    await t.ensure(pack({ approvalOptions: { invalidateOnPush: false } }), 'high', HEAD);
    const out = await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1, createdAt: '2026-03-01T09:59:00Z' }));
    expect(out).toMatchObject({ kind: 'changed' });
  });
});
