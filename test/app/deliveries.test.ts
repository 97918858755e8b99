import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/database.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { claimDelivery, finishDelivery } from '../../src/store/deliveries.js';

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

  it('a delivery in flight is a duplicate; one left processing by a dead process for over 10 minutes runs again, once', async () => {
    expect(await claimDelivery(db, facts, at('2025-06-01T12:00:00Z'))).toBe('run');
    // Redelivered while the first handler may still be running: left to finish.
    expect(await claimDelivery(db, facts, at('2025-06-01T12:09:59Z'))).toBe('duplicate');
    // The process died mid-handler: after 10 minutes a redelivery runs it again...
    const later = at('2025-06-01T12:10:01Z');
    const racing = await Promise.all([claimDelivery(db, facts, later), claimDelivery(db, facts, later)]);
    expect(racing.sort()).toEqual(['duplicate', 'run']); // ...exactly once (compare-and-set)
    const row = await db.selectFrom('webhook_deliveries').selectAll().where('delivery_id', '=', facts.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'processing', received_at: later.toISOString() });
    // and the re-run is itself in flight now.
    expect(await claimDelivery(db, facts, at('2025-06-01T12:15:00Z'))).toBe('duplicate');
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
