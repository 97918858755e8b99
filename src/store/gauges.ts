// The state the operational gauges report, read from the database at scrape time (so a
// restarted replica reports the truth at once and every replica reports the same).
import { sqlChainRepository } from './chains.js';
import type { Db } from './database.js';

export interface StoreGauges {
  /** Outbox actions by status. */
  actionsByStatus(): Promise<Record<string, number>>;
  /** Undecided steps (active or waiting) of current pending chains. */
  pendingSteps(): Promise<number>;
  /** When the longest-waiting active step of a current pending chain became active; undefined: none. */
  oldestActiveStepSince(): Promise<string | undefined>;
}

export function sqlStoreGauges(db: Db): StoreGauges {
  return {
    async actionsByStatus() {
      const rows = await db.selectFrom('actions').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    pendingSteps: () => sqlChainRepository(db).countPendingSteps(),
    async oldestActiveStepSince() {
      const row = await db
        .selectFrom('approval_steps')
        .innerJoin('approval_chains', 'approval_chains.id', 'approval_steps.chain_id')
        .select((eb) => eb.fn.min('approval_steps.activated_at').as('since'))
        .where('approval_chains.status', '=', 'pending')
        .where('approval_chains.superseded_at', 'is', null)
        .where('approval_steps.status', '=', 'active')
        .executeTakeFirst();
      return row?.since ?? undefined;
    },
  };
}
