// The control plane's queries (store/admin.ts) where the two databases differ: which
// chains an account's scope covers (a prefix on the repo name: a range on SQLite,
// starts_with on Postgres) and a field read from the JSON payload of an action
// (json_extract on SQLite, ->> on Postgres). On the project's database.
import { describe, expect, it } from 'vitest';
import { AdminQueries } from '../../src/store/admin.js';
import { ActionStore } from '../../src/store/actions.js';
import { openFreshDatabase } from '../helpers/test-db.js';
import type { Db } from '../../src/store/database.js';

async function chain(db: Db, repo: string, pr: number): Promise<void> {
  await db
    .insertInto('approval_chains')
    .values({ key: `${repo}#${pr}`, repo, pr_number: pr, head_sha: null, last_head_sha: 'a'.repeat(40), severity: 'high', status: 'pending', pr_author: 'x', tiers: '{}', options: '{}', template_hash: 't', created_at: `2026-01-0${pr}T00:00:00.000Z`, updated_at: '2026-01-01T00:00:00.000Z', bound_base: null, findings_fingerprint: null })
    .execute();
}

describe('control plane queries on this database', () => {
  it("an account's scope covers its own repos only, not an account whose name starts the same", async () => {
    const db = await openFreshDatabase();
    await chain(db, 'acme/api', 1);
    await chain(db, 'acme-corp/api', 2);
    await chain(db, 'acme0/api', 3);
    await chain(db, 'acme/web', 4);
    const admin = new AdminQueries(db);
    const page = await admin.pendingChains([{ id: 1, login: 'acme' }], { sort: 'age', desc: false, offset: 0, limit: 10 });
    expect(page.items.map((c) => c.repo)).toEqual(['acme/api', 'acme/web']);
    expect(page.total).toBe(2);
    const both = await admin.pendingChains([{ id: 1, login: 'acme' }, { id: 2, login: 'acme0' }], { sort: 'age', desc: false, offset: 0, limit: 10 });
    expect(both.items.map((c) => c.repo)).toEqual(['acme/api', 'acme0/api', 'acme/web']);
    expect((await admin.dashboard([{ id: 3, login: 'acme-corp' }], '2026-01-01T00:00:00.000Z')).pendingChains).toBe(1);
    await db.destroy();
  });

  it("the dashboard reads each contracts check's status from its JSON payload", async () => {
    const db = await openFreshDatabase();
    const store = new ActionStore(db);
    const key = 'check:acme/api:' + 'a'.repeat(40) + ':PuddleJumper / contracts';
    const propose = async (revision: number, status: string, at: string, dispatchedAt: string) => {
      const row = await store.insert({ installationId: 1, kind: 'check_run.upsert', idempotencyKey: key, subject: { repo: 'acme/api' } }, revision, JSON.stringify({ name: 'PuddleJumper / contracts', status }), `h${revision}`, at);
      await db.updateTable('actions').set({ status: 'dispatched', dispatched_at: dispatchedAt }).where('id', '=', row.id).execute();
    };
    await propose(1, 'in_progress', '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:01.000Z');
    await propose(2, 'completed', '2026-02-01T00:00:02.000Z', '2026-02-01T00:00:05.000Z');
    const numbers = await new AdminQueries(db).dashboard('all', '2026-01-01T00:00:00.000Z');
    // From the first proposal to the first dispatched revision whose payload says completed.
    expect(numbers.latencies).toEqual([5]);
    expect(numbers.dispatched).toBe(2);
    await db.destroy();
  });
});
