// The reads notification wiring needs (src/usecases/notify.ts): whether an effect was ever
// proposed, the failed revision a later dispatch recovers from, and the chains the
// escalation sweep looks at. Reads only: notifications are written as outbox actions.
import type { Db } from './database.js';

export interface NotificationQueries {
  /** Whether any revision of an idempotency key exists in the outbox. */
  proposed(idempotencyKey: string): Promise<boolean>;
  /** The newest failed revision of a key older than `revision` (what a later dispatch recovers from). */
  failedBefore(idempotencyKey: string, revision: number): Promise<{ id: number; idempotencyKey: string; kind: string } | undefined>;
  /**
   * Current pending chains with an active step activated at or before `activatedBefore`, with the
   * installation of the head they were last evaluated on (chains without a stored evaluation
   * are not known to belong to any installation and are left out). Oldest first.
   */
  waitingChains(activatedBefore: string, limit: number): Promise<Array<{ chainId: number; installationId: number }>>;
}

export function sqlNotificationQueries(db: Db): NotificationQueries {
  return {
    async proposed(key) {
      const row = await db.selectFrom('actions').select('id').where('idempotency_key', '=', key).limit(1).executeTakeFirst();
      return row !== undefined;
    },
    async failedBefore(key, revision) {
      const row = await db
        .selectFrom('actions')
        .select(['id', 'idempotency_key', 'kind'])
        .where('idempotency_key', '=', key)
        .where('revision', '<', revision)
        .where('status', '=', 'failed')
        .orderBy('revision', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : { id: row.id, idempotencyKey: row.idempotency_key, kind: row.kind };
    },
    async waitingChains(activatedBefore, limit) {
      const rows = await db
        .selectFrom('approval_chains as c')
        .innerJoin('contract_evaluations as e', (j) => j.onRef('e.repo', '=', 'c.repo').onRef('e.head_sha', '=', 'c.last_head_sha'))
        .select(['c.id as chainId', 'e.installation_id as installationId'])
        .where('c.status', '=', 'pending')
        .where('c.superseded_at', 'is', null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('approval_steps as s')
              .select('s.id')
              .whereRef('s.chain_id', '=', 'c.id')
              .where('s.status', '=', 'active')
              .where('s.activated_at', '<=', activatedBefore),
          ),
        )
        .orderBy('c.id', 'asc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ chainId: r.chainId, installationId: r.installationId }));
    },
  };
}
