import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/database.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { claimDelivery, claimStaleDeliveries, DELIVERY_LEASE_MS, finishDelivery, renewDeliveryLease } from '../../src/store/deliveries.js';

const facts = { id: 'delivery-1', event: 'pull_request', action: 'synchronize', installationId: 1 };
const at = (iso: string) => new Date(iso);

describe('webhook delivery claims', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openMemoryDatabase();
  });
  afterEach(async () => {
    await db.destroy();
  });

  it('a delivery in flight is a duplicate; one whose 2-minute lease ran out (its process died) runs again, once', async () => {
    expect(await claimDelivery(db, facts, at('2025-06-01T12:00:00Z'))).toBe('run');
    // Redelivered while the first run may still be going: left to finish.
    expect(await claimDelivery(db, facts, at('2025-06-01T12:01:59Z'))).toBe('duplicate');
    // The process died mid-work (nobody renewed the lease): a prompt redelivery runs it again —
    // no longer a duplicate for 10 minutes (issue 9 item 11) ...
    const later = at('2025-06-01T12:02:01Z');
    const racing = await Promise.all([claimDelivery(db, facts, later), claimDelivery(db, facts, later)]);
    expect(racing.sort()).toEqual(['duplicate', 'run']); // ...exactly once (compare-and-set)
    const row = await db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', facts.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'processing', received_at: later.toISOString(), lease_until: '2025-06-01T12:04:01.000Z', attempts: 2 });
    // and the re-run is itself in flight now.
    expect(await claimDelivery(db, facts, at('2025-06-01T12:03:00Z'))).toBe('duplicate');
  });

  it('a renewed lease keeps a long run from being taken over; a finished run cannot be renewed', async () => {
    expect(await claimDelivery(db, facts, at('2025-06-01T12:00:00Z'))).toBe('run');
    expect(await renewDeliveryLease(db, facts.id, at('2025-06-01T12:01:30Z'))).toBe(true);
    expect(await claimDelivery(db, facts, at('2025-06-01T12:03:00Z'))).toBe('duplicate');
    expect(await claimStaleDeliveries(db, at('2025-06-01T12:03:00Z'))).toEqual([]);
    await finishDelivery(db, facts.id, {}, at('2025-06-01T12:03:10Z'));
    expect(await renewDeliveryLease(db, facts.id, at('2025-06-01T12:03:20Z'))).toBe(false);
  });

  it('the worker claims a stale delivery with its payload, once, and gives up after 5 starts', async () => {
    const payload = { action: 'synchronize', installation: { id: 1 }, number: 7 };
    expect(await claimDelivery(db, { ...facts, payload: JSON.stringify(payload) }, at('2025-06-01T12:00:00Z'))).toBe('run');
    expect(await claimStaleDeliveries(db, at('2025-06-01T12:01:00Z'))).toEqual([]); // lease still running
    const t = at('2025-06-01T12:02:01Z');
    const [a, b] = await Promise.all([claimStaleDeliveries(db, t), claimStaleDeliveries(db, t)]);
    expect([...a, ...b]).toEqual([{ id: facts.id, event: 'pull_request', action: 'synchronize', installationId: 1, payload, attempts: 2 }]);
    // Each resumed run dies too: starts 3, 4, 5 ...
    let clock = t.getTime();
    for (const attempt of [3, 4, 5]) {
      clock += DELIVERY_LEASE_MS + 1000;
      expect((await claimStaleDeliveries(db, new Date(clock))).map((d) => d.attempts)).toEqual([attempt]);
    }
    // ... and then it is failed, not started a sixth time; its payload is dropped.
    clock += DELIVERY_LEASE_MS + 1000;
    expect(await claimStaleDeliveries(db, new Date(clock))).toEqual([]);
    const row = await db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', facts.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'failed', payload: null });
    expect(row.error).toMatch(/abandoned: it was started 5 times without finishing; a redelivery runs it again/);
    // A redelivery from GitHub still runs it.
    expect(await claimDelivery(db, { ...facts, payload: JSON.stringify(payload) }, new Date(clock + 1000))).toBe('run');
  });

  it('a finished delivery drops its stored payload', async () => {
    expect(await claimDelivery(db, { ...facts, payload: '{"big":true}' }, at('2025-06-01T12:00:00Z'))).toBe('run');
    expect((await db.selectFrom('webhook_deliveries').select('payload').executeTakeFirstOrThrow()).payload).toBe('{"big":true}');
    await finishDelivery(db, facts.id, { error: 'boom' }, at('2025-06-01T12:00:01Z'));
    expect((await db.selectFrom('webhook_deliveries').select('payload').executeTakeFirstOrThrow()).payload).toBeNull();
  });

  it('a finished delivery is never run again, however old', async () => {
    expect(await claimDelivery(db, facts, at('2025-06-01T12:00:00Z'))).toBe('run');
    await finishDelivery(db, facts.id, {}, at('2025-06-01T12:00:01Z'));
    expect(await claimDelivery(db, facts, at('2025-06-02T12:00:00Z'))).toBe('duplicate');
  });

  it('a failed delivery runs again', async () => {
    expect(await claimDelivery(db, facts, at('2025-06-01T12:00:00Z'))).toBe('run');
    await finishDelivery(db, facts.id, { error: 'boom' }, at('2025-06-01T12:00:01Z'));
    expect(await claimDelivery(db, facts, at('2025-06-01T12:00:02Z'))).toBe('run');
  });
});
