// Approval inputs an attacker controls (issue 9 items 9, 12, 13), at the use-case level
// on both chain stores: edited comments, dismissed reviews, and how refusals are answered.
import { describe, expect, it } from 'vitest';
import { sqlReplyLimits } from '../../src/store/approval-inputs.js';
import { noMentions } from '../../src/usecases/approval-steps.js';
import { handleComment } from '../../src/usecases/handle-comment.js';
import { handleReview } from '../../src/usecases/handle-review.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { AUTHOR, STORE_KINDS, comment, pack, review, setup as setupOn, type StoreKind } from './helpers.js';

const statuses = (c: { steps: Array<{ tierId: string; status: string }> } | undefined) => c?.steps.map((s) => `${s.tierId}:${s.status}`);

describe('noMentions', () => {
  it('writes every @login and @org/team as a code span, whatever surrounds it', () => {
    expect(noMentions('@mallory is not in Team Lead (@alice, acme/team-leads)')).toBe('`mallory` is not in Team Lead (`alice`, acme/team-leads)');
    expect(noMentions('no tier "@cto", ping @acme/directors and @renovate[bot]; mail x@example.com')).toBe(
      'no tier "`cto`", ping `acme/directors` and `renovate[bot]`; mail x`example`.com',
    );
    for (const hostile of ['`@cto`', '@@cto', '\\@cto', '@-cto @', '(@cto)', '**@cto**']) expect(noMentions(hostile)).not.toMatch(/@[A-Za-z0-9]/);
  });
});

describe.each(STORE_KINDS)('on the %s chain store', (store: StoreKind) => {
  const setup = (o: Parameters<typeof setupOn>[0] = {}) => setupOn({ ...o, store });

  describe('edited comments', () => {
    it('an edit that no longer says /approve retracts; one that still does keeps it; none ever approves', async () => {
      const t = await setup();
      await t.ensure();
      await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
      expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
      expect(await t.svc.onComment(comment({ action: 'edited', body: 'LGTM\n\n/approve', login: 'alice', id: 1, from: '/approve' }))).toMatchObject({ kind: 'ignored' });
      expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
      // Hidden now: the visible text is "Not yet".
      const out = await t.svc.onComment(comment({ action: 'edited', body: 'Not yet\n<!--\n/approve\n-->', login: 'alice', id: 1, from: 'LGTM\n\n/approve' }));
      expect(out).toMatchObject({ kind: 'changed' });
      expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
      expect(t.types('approval.step_retracted')).toHaveLength(1);
      expect(t.published).toHaveLength(2);
      // Putting the command back is an edit: nothing is approved.
      await t.svc.onComment(comment({ action: 'edited', body: '/approve', login: 'alice', id: 1, from: 'Not yet' }));
      expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
    });

    it('an edit naming another tier retracts the step it approved; an edited /reject stays rejected', async () => {
      const t = await setup();
      await t.ensure();
      await t.svc.onComment(comment({ body: '/approve tier1', login: 'alice', id: 1 }));
      await t.svc.onComment(comment({ action: 'edited', body: 'Checked.\n/APPROVE TIER1', login: 'alice', id: 1, from: '/approve tier1' }));
      expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']); // the same tier
      await t.svc.onComment(comment({ action: 'edited', body: '/approve tier3', login: 'alice', id: 1, from: 'Checked.\n/APPROVE TIER1' }));
      expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);

      await t.svc.onComment(comment({ body: '/reject breaks clients', login: 'alice', id: 2 }));
      await t.svc.onComment(comment({ action: 'edited', body: 'never mind', login: 'alice', id: 2, from: '/reject breaks clients' }));
      expect((await t.current())?.status).toBe('rejected');
    });

    it("an edit of someone else's comment that never approved changes nothing and answers nobody", async () => {
      const t = await setup();
      await t.ensure();
      await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }));
      expect(await t.svc.onComment(comment({ action: 'edited', body: 'typo fixed', login: 'bob', id: 9, from: 'tpyo' }))).toMatchObject({ kind: 'ignored' });
      expect(statuses(await t.current())).toEqual(['tier1:approved', 'tier2:active']);
      expect(t.replies).toEqual([]);
    });
  });

  describe('dismissed reviews are final', () => {
    it('the same review re-sent after its dismissal is ignored (audited), and a dismissal that arrives first wins too', async () => {
      const t = await setup();
      await t.ensure();
      await t.svc.onReview(review({ state: 'approved', login: 'alice', id: 77 }));
      await t.svc.onReview(review({ action: 'dismissed', state: 'dismissed', login: 'bob', id: 77 }));
      expect(await t.svc.onReview(review({ state: 'approved', login: 'alice', id: 77 }))).toEqual({ kind: 'ignored', reason: 'this review was dismissed; a dismissed review never decides again' });
      expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
      expect(t.audits.filter((a) => a.type === 'approval.ignored').map((a) => a.details?.reason)).toContain('this review was dismissed; a dismissed review never decides again');

      // Out of order: the dismissal of review 78 arrives before its submission.
      await t.svc.onReview(review({ action: 'dismissed', state: 'dismissed', login: 'bob', id: 78 }));
      expect(await t.svc.onReview(review({ state: 'approved', login: 'alice', id: 78 }))).toMatchObject({ kind: 'ignored' });
      // A dismissed "changes requested" review never rejects either.
      await t.svc.onReview(review({ action: 'dismissed', state: 'dismissed', login: 'bob', id: 79 }));
      expect(await t.svc.onReview(review({ state: 'changes_requested', login: 'alice', id: 79 }))).toMatchObject({ kind: 'ignored' });
      expect((await t.current())?.status).toBe('pending');
      // A new review by the same person is a new decision.
      expect(await t.svc.onReview(review({ state: 'approved', login: 'alice', id: 80 }))).toMatchObject({ kind: 'changed' });
    });

    it('a dismissal that lands while its submission is being decided still takes the approval back', async () => {
      const t = await setup();
      await t.ensure();
      const real = t.deps.dismissedReviews;
      let raced = false;
      // The submission checks "dismissed?" (no), then the whole dismissal runs before it decides.
      const deps = {
        ...t.deps,
        dismissedReviews: {
          record: real.record,
          async isDismissed(repo: string, id: string) {
            const answer = await real.isDismissed(repo, id);
            if (!raced) {
              raced = true;
              await handleReview(t.deps, review({ action: 'dismissed', state: 'dismissed', login: 'bob', id: 77 }));
            }
            return answer;
          },
        },
      };
      const out = await handleReview(deps, review({ state: 'approved', login: 'alice', id: 77 }));
      expect(raced).toBe(true);
      expect(out).toMatchObject({ kind: 'changed' });
      expect(statuses(await t.current())).toEqual(['tier1:active', 'tier2:waiting']);
      expect(t.types('approval.step_approved')).toHaveLength(1);
      expect(t.types('approval.step_retracted')).toHaveLength(1);
    });
  });

  describe('refusals are answered once per person and PR an hour, mentioning nobody', () => {
    it('40 refusals by one outsider: 40 audits, one reply; an hour later another; other people and help have their own limit', async () => {
      const t = await setup();
      await t.ensure(pack({ approvalTiers: { tier1: { name: 'Team Lead', users: ['alice', 'bob'], requiredFor: ['high'] } } }));
      for (let i = 0; i < 40; i++) await t.svc.onComment(comment({ body: i % 2 ? '/approve' : '/reject no', login: 'mallory', id: 100 + i }));
      expect(t.types('approval.refused')).toHaveLength(40);
      expect(t.audits.filter((a) => a.type === 'approval.refused').map((a) => a.details?.answered)).toEqual([true, ...Array(39).fill(false)]);
      expect(t.replies.map((r) => r.body)).toEqual(['`mallory` is not in Team Lead (`alice`, `bob`). Nothing was changed.']);
      // An unknown command is a refused one.
      await t.svc.onComment(comment({ body: '/approve x y', login: 'mallory', id: 150 }));
      expect(t.replies).toHaveLength(1);
      // /pj help has its own limit; the help reply names people without mentioning them.
      await t.svc.onComment(comment({ body: '/pj help', login: 'mallory', id: 151 }));
      await t.svc.onComment(comment({ body: '/pj help', login: 'mallory', id: 152 }));
      expect(t.replies).toHaveLength(2);
      expect(t.replies[1]!.body).toContain('`alice`, `bob`');
      // Another person, and the same person on the same PR under another case: per person, case-insensitively.
      await t.svc.onComment(comment({ body: '/approve', login: AUTHOR, id: 160 }));
      await t.svc.onComment(comment({ body: '/approve', login: 'MALLORY', id: 161 }));
      expect(t.replies).toHaveLength(3);
      t.tick(59 * 60);
      await t.svc.onComment(comment({ body: '/approve', login: 'mallory', id: 170 }));
      expect(t.replies).toHaveLength(3);
      t.tick(61);
      await t.svc.onComment(comment({ body: '/approve @alice', login: 'mallory', id: 171 }));
      expect(t.replies).toHaveLength(4);
      expect(t.replies[3]!.body).toBe('`mallory` this chain has no tier "`alice`". Nothing was changed.');
      for (const r of t.replies) expect(r.body).not.toMatch(/@[A-Za-z0-9]/);
    });

    it('20 concurrent refusals by one person get one reply', async () => {
      const t = await setup();
      await t.ensure();
      await Promise.all(Array.from({ length: 20 }, (_, i) => t.svc.onComment(comment({ body: '/approve', login: 'mallory', id: 300 + i }))));
      expect(t.types('approval.refused')).toHaveLength(20);
      expect(t.replies).toHaveLength(1);
    });

    it('the limit is stored: a restarted app over the same database does not answer again within the hour', async () => {
      const t = await setup();
      await t.ensure();
      await t.svc.onComment(comment({ body: '/approve', login: 'mallory', id: 1 }));
      const restarted = { ...t.deps, replyLimits: sqlReplyLimits(t.db) };
      await handleComment(restarted, comment({ body: '/approve', login: 'mallory', id: 2 }));
      expect(t.replies).toHaveLength(1);
    });
  });
});

describe('the stored reply limit', () => {
  it('one of 20 racing takers wins; the window slides from the last reply', async () => {
    const db = await openMemoryDatabase();
    const limits = sqlReplyLimits(db);
    const at = new Date('2026-03-01T10:00:00Z');
    const won = await Promise.all(Array.from({ length: 20 }, () => limits.take('k', at, 3_600_000)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(await limits.take('k', new Date('2026-03-01T10:59:59Z'), 3_600_000)).toBe(false);
    expect(await limits.take('other', new Date('2026-03-01T10:59:59Z'), 3_600_000)).toBe(true);
    expect(await limits.take('k', new Date('2026-03-01T11:00:00Z'), 3_600_000)).toBe(true);
    expect(await limits.take('k', new Date('2026-03-01T11:30:00Z'), 3_600_000)).toBe(false);
    await db.destroy();
  });
});
