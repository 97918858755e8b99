// Outbox claims by several replicas on one database (several pools = several replicas):
// disjoint, complete, never waiting on each other (Postgres: FOR UPDATE SKIP LOCKED).
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { ActionStore } from '../../src/store/actions.js';
import type { Db } from '../../src/store/database.js';
import { openReplicas, testDbKind } from '../helpers/test-db.js';

const NOW = '2026-01-01T00:00:00.000Z';
const LEASE = '2026-01-01T00:05:00.000Z';
const dbs: Db[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.destroy().catch(() => undefined);
});

async function replicas(n: number): Promise<Db[]> {
  const opened = await openReplicas(n);
  dbs.push(...opened);
  return opened;
}

async function approved(store: ActionStore, key: string, revision = 1) {
  const row = await store.insert({ installationId: 1, kind: 'check_run.upsert', idempotencyKey: key, subject: { repo: 'acme/api' } }, revision, '{}', `h${revision}`, NOW);
  return store.transition(row.id, 'proposed', 'approved', { next_attempt_at: NOW }, NOW);
}

describe(`outbox claims on ${testDbKind()}`, () => {
  it('five replicas claiming 200 due actions at once get disjoint sets that cover them all', async () => {
    const dbs = await replicas(5);
    const stores = dbs.map((db) => new ActionStore(db));
    for (let i = 0; i < 200; i++) await approved(stores[0]!, `k${i}`);
    const claimed: number[][] = dbs.map(() => []);
    await Promise.all(
      stores.map(async (store, r) => {
        for (;;) {
          const got = await store.claimDue(`w${r}`, NOW, LEASE, 7);
          if (got.length === 0) return;
          claimed[r]!.push(...got.map((g) => g.id));
        }
      }),
    );
    const all = claimed.flat();
    expect(new Set(all).size).toBe(all.length); // nothing claimed twice
    expect(all.length).toBe(200); // nothing left behind
    const rows = await dbs[0]!.selectFrom('actions').select(['status', 'attempts']).execute();
    expect(rows.every((r) => r.status === 'dispatching' && r.attempts === 1)).toBe(true);
  });

  it('an older revision is never claimed beside a newer approved one of the same key', async () => {
    const dbs = await replicas(3);
    const stores = dbs.map((db) => new ActionStore(db));
    await approved(stores[0]!, 'same', 1);
    await approved(stores[0]!, 'same', 2);
    const got = (await Promise.all(stores.map((s, r) => s.claimDue(`w${r}`, NOW, LEASE, 10)))).flat();
    expect(got.map((g) => g.revision)).toEqual([2]);
  });

  it.runIf(testDbKind() === 'postgres')('a claimer does not wait for rows another replica holds locked: it skips them', async () => {
    const [a, b] = await replicas(2);
    const store = new ActionStore(b!);
    const first = await approved(store, 'held');
    await approved(store, 'free');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = a!.transaction().execute(async (trx) => {
      await sql`select id from actions where id = ${first!.id} for update`.execute(trx);
      locked();
      await released;
    });
    await isLocked;
    const started = Date.now();
    const got = await store.claimDue('w', NOW, LEASE, 10);
    const waited = Date.now() - started;
    release();
    await holder;
    expect(got.map((g) => g.idempotency_key)).toEqual(['free']);
    expect(waited).toBeLessThan(5_000); // it returned while the lock was still held
    expect((await store.claimDue('w', NOW, LEASE, 10)).map((g) => g.idempotency_key)).toEqual(['held']);
  });
});
