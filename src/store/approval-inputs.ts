// Approval inputs the use cases must remember beyond a chain: dismissed reviews (a
// dismissal is final for that review id) and when a refusal was last answered (replies
// are rate-limited per person and PR). Each write is one atomic statement, so replicas
// and concurrent deliveries agree without a lock.
import type { Db } from './database.js';

export interface DismissedReviews {
  /** Remembers that a review was dismissed; true when this is the first time. */
  record(d: { repo: string; prNumber: number; reviewId: string; dismissedBy: string; at: Date }): Promise<boolean>;
  isDismissed(repo: string, reviewId: string): Promise<boolean>;
}

export interface ReplyLimits {
  /**
   * Takes the right to reply under `key` when no reply was taken under it in the
   * `windowMs` before `now`; false otherwise. Of several callers racing, one wins.
   */
  take(key: string, now: Date, windowMs: number): Promise<boolean>;
}

export function sqlDismissedReviews(db: Db): DismissedReviews {
  return {
    async record(d) {
      const r = await db
        .insertInto('dismissed_reviews')
        .values({ repo: d.repo.toLowerCase(), review_id: d.reviewId, pr_number: d.prNumber, dismissed_by: d.dismissedBy, dismissed_at: d.at.toISOString() })
        .onConflict((oc) => oc.columns(['repo', 'review_id']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async isDismissed(repo, reviewId) {
      const row = await db
        .selectFrom('dismissed_reviews')
        .select('review_id')
        .where('repo', '=', repo.toLowerCase())
        .where('review_id', '=', reviewId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export function sqlReplyLimits(db: Db): ReplyLimits {
  return {
    async take(key, now, windowMs) {
      const cutoff = new Date(now.getTime() - windowMs).toISOString();
      const r = await db
        .insertInto('reply_limits')
        .values({ key, replied_at: now.toISOString() })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ replied_at: (eb) => eb.ref('excluded.replied_at') })
            .where('reply_limits.replied_at', '<=', cutoff),
        )
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
  };
}
