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
  /** Track B: ledger items by status (pending, remediation, digest, …). */
  driftItemsByStatus(): Promise<Record<string, number>>;
  /** Track B: accumulation windows that are open (they have a due time). */
  driftWindowsOpen(): Promise<number>;
  /** Track B: remediation PRs (and Confluence proposals) by status. */
  driftRemediationsByStatus(): Promise<Record<string, number>>;
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
    async driftItemsByStatus() {
      const rows = await db.selectFrom('drift_items').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
    async driftWindowsOpen() {
      const row = await db.selectFrom('drift_windows').select((eb) => eb.fn.countAll<number>().as('n')).where('due_at', 'is not', null).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
    async driftRemediationsByStatus() {
      const rows = await db.selectFrom('drift_remediations').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },
  };
}
