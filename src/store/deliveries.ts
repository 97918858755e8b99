// Webhook deliveries by X-GitHub-Delivery. GitHub redelivers on timeouts and on
// request; a delivery that was handled is acknowledged without running again,
// one that failed runs again (nothing lost), one in flight is left to finish — unless
// it has been "in flight" for longer than any handler runs: its process died mid-handler,
// so it runs again too.
import type { Db } from './database.js';

export interface DeliveryFacts {
  id: string;
  event: string;
  action?: string;
  installationId?: number;
}

export type DeliveryClaim = 'run' | 'duplicate';

/** A delivery still `processing` after this long was abandoned by a process that died. */
export const STALE_PROCESSING_MS = 10 * 60_000;

export async function claimDelivery(db: Db, facts: DeliveryFacts, now: Date): Promise<DeliveryClaim> {
  const inserted = await db
    .insertInto('webhook_deliveries')
    .values({
      delivery_id: facts.id,
      event: facts.event,
      action: facts.action ?? null,
      installation_id: facts.installationId ?? null,
      status: 'processing',
      error: null,
      received_at: now.toISOString(),
      finished_at: null,
    })
    .onConflict((oc) => oc.column('delivery_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return 'run';
  // A failed delivery may be retried, and so may one left `processing` by a process that
  // died: compare-and-set (received_at is reset) so two redeliveries racing run it once.
  const staleBefore = new Date(now.getTime() - STALE_PROCESSING_MS).toISOString();
  const retried = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'processing', error: null, received_at: now.toISOString(), finished_at: null })
    .where('delivery_id', '=', facts.id)
    .where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'processing'), eb('received_at', '<', staleBefore)])]))
    .executeTakeFirst();
  return Number(retried.numUpdatedRows) === 1 ? 'run' : 'duplicate';
}

export async function finishDelivery(db: Db, id: string, outcome: { error?: string }, now: Date): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: outcome.error ? 'failed' : 'done', error: outcome.error ?? null, finished_at: now.toISOString() })
    .where('delivery_id', '=', id)
    .execute();
}
