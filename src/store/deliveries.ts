// Webhook deliveries by X-GitHub-Delivery. A delivery row is the delivery's work: it is
// recorded and claimed (with its payload) before the webhook is answered, and the work goes
// on after the answer under a lease that the running process renews.
//
// GitHub redelivers on timeouts and on request: a delivery that was handled is acknowledged
// without running again, one that failed runs again (nothing lost), one in flight is left to
// finish — unless its lease ran out: the process running it died, so it runs again, and
// the background worker resumes it even when no redelivery comes.
import type { Db } from './database.js';

export interface DeliveryFacts {
  id: string;
  event: string;
  action?: string;
  installationId?: number;
}

export type DeliveryClaim = 'run' | 'duplicate';

/** How long a claim holds without renewal; the running process renews it every third of that. */
export const DELIVERY_LEASE_MS = 2 * 60_000;

/** A delivery that was started this many times without finishing is given up (it kills its process). */
export const MAX_DELIVERY_ATTEMPTS = 5;

/** A pending delivery the worker resumes. */
export interface ResumedDelivery extends DeliveryFacts {
  payload: unknown;
  attempts: number;
}

const leaseEnd = (now: Date, leaseMs: number) => new Date(now.getTime() + leaseMs).toISOString();

/**
 * Records the delivery and claims its work, by compare-and-set so two redeliveries racing
 * run it once. `payload` is stored until the delivery finishes, for the worker to resume.
 */
export async function claimDelivery(
  db: Db,
  facts: DeliveryFacts & { payload?: string },
  now: Date,
  leaseMs: number = DELIVERY_LEASE_MS,
): Promise<DeliveryClaim> {
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
      payload: facts.payload ?? null,
      lease_until: leaseEnd(now, leaseMs),
      attempts: 1,
    })
    .onConflict((oc) => oc.column('delivery_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return 'run';
  // A failed delivery may be retried, and so may one whose lease ran out.
  const retried = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: 'processing',
      error: null,
      received_at: now.toISOString(),
      finished_at: null,
      payload: facts.payload ?? null,
      lease_until: leaseEnd(now, leaseMs),
      attempts: eb('attempts', '+', 1),
    }))
    .where('delivery_id', '=', facts.id)
    .where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'processing'), eb('lease_until', '<', now.toISOString())])]))
    .executeTakeFirst();
  return Number(retried.numUpdatedRows) === 1 ? 'run' : 'duplicate';
}

/** Keeps the claim while the work runs; false when the claim is no longer this run's (it finished, or the lease was lost). */
export async function renewDeliveryLease(db: Db, id: string, now: Date, leaseMs: number = DELIVERY_LEASE_MS): Promise<boolean> {
  const r = await db
    .updateTable('webhook_deliveries')
    .set({ lease_until: leaseEnd(now, leaseMs) })
    .where('delivery_id', '=', id)
    .where('status', '=', 'processing')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function finishDelivery(db: Db, id: string, outcome: { error?: string }, now: Date): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ status: outcome.error ? 'failed' : 'done', error: outcome.error ?? null, finished_at: now.toISOString(), payload: null, lease_until: null })
    .where('delivery_id', '=', id)
    .execute();
}

/**
 * Claims up to `limit` deliveries whose lease ran out (their process died mid-work) for the
 * caller to run again, each by compare-and-set on the lease it saw, so two workers never
 * take the same one. One started MAX_DELIVERY_ATTEMPTS times is marked failed instead (a
 * redelivery from GitHub still runs it again).
 */
export async function claimStaleDeliveries(db: Db, now: Date, leaseMs: number = DELIVERY_LEASE_MS, limit = 10): Promise<ResumedDelivery[]> {
  const stale = await db
    .selectFrom('webhook_deliveries')
    .select(['delivery_id', 'event', 'action', 'installation_id', 'payload', 'lease_until', 'attempts'])
    .where('status', '=', 'processing')
    .where('lease_until', '<', now.toISOString())
    .orderBy('lease_until')
    .limit(limit)
    .execute();
  const out: ResumedDelivery[] = [];
  for (const row of stale) {
    if (row.payload === null || row.attempts >= MAX_DELIVERY_ATTEMPTS) {
      const why = row.payload === null ? 'its payload was not stored' : `it was started ${row.attempts} times without finishing`;
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'failed', error: `abandoned: ${why}; a redelivery runs it again`, finished_at: now.toISOString(), payload: null, lease_until: null })
        .where('delivery_id', '=', row.delivery_id)
        .where('status', '=', 'processing')
        .where('lease_until', '=', row.lease_until)
        .execute();
      continue;
    }
    const claimed = await db
      .updateTable('webhook_deliveries')
      .set((eb) => ({ lease_until: leaseEnd(now, leaseMs), attempts: eb('attempts', '+', 1) }))
      .where('delivery_id', '=', row.delivery_id)
      .where('status', '=', 'processing')
      .where('lease_until', '=', row.lease_until)
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) continue;
    out.push({
      id: row.delivery_id,
      event: row.event,
      ...(row.action !== null ? { action: row.action } : {}),
      ...(row.installation_id !== null ? { installationId: row.installation_id } : {}),
      payload: JSON.parse(row.payload),
      attempts: row.attempts + 1,
    });
  }
  return out;
}
