import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Db } from '../../src/store/database.js';
import { AuditLog } from '../../src/governance/audit.js';
import { ActionOutbox } from '../../src/governance/pipeline.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { LocalPolicyProvider } from '../../src/governance/policy-provider.js';
import { DispatcherRegistry, type Dispatcher } from '../../src/governance/registry.js';
import { auditTypes, checkPayload, Clock, harness, SHA, silentLog, tempDir } from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function fileDbs(n: number): Promise<Db[]> {
  const { dir, cleanup } = tempDir();
  const file = await freshDatabaseUrl();
  const dbs = Array.from({ length: n }, () => openTestDatabase(file));
  await migrateToLatest(dbs[0]!);
  cleanups.push(cleanup, async () => {
    for (const db of dbs) await db.destroy();
  });
  return dbs;
}

describe('compare-and-set claims', () => {
  it('50 concurrent claims of one action over 10 WAL connections: one dispatch', async () => {
    const dbs = await fileDbs(10);
    const clock = new Clock();
    let calls = 0;
    const slow: Dispatcher = {
      kind: 'check_run.upsert',
      async dispatch() {
        calls++;
        await new Promise((r) => setTimeout(r, 20)); // let the other claimers interleave
        return { checkRunId: 1 };
      },
    };
    const pipelines = Array.from({ length: 50 }, (_, i) => {
      const db = dbs[i % dbs.length]!;
      return new ActionOutbox({
        db,
        registry: new DispatcherRegistry().register(slow),
        policy: new LocalPolicyProvider(new AuditLog(sqlAuditEvents(db), { now: clock.now })),
        now: clock.now,
        log: silentLog,
        workerId: `w${i}`,
      });
    });
    const action = await pipelines[0]!.propose({
      installationId: 1,
      kind: 'check_run.upsert',
      idempotencyKey: 'k1',
      subject: { repo: 'acme/api', headSha: SHA },
      payload: checkPayload(),
    });
    expect(action.status).toBe('approved');
    // All 50 read the same candidate before any of them claims it.
    const candidate = (await pipelines[0]!.store.due(clock.now().toISOString(), 10))[0]!;
    const claims = await Promise.all(pipelines.map((p) => p.claim(candidate)));
    const winners = claims.filter((c) => c !== undefined);
    expect(winners).toHaveLength(1);
    const rounds = await Promise.all(pipelines.map((p) => p.dispatchDue()));
    expect(rounds.reduce((a, b) => a + b, 0)).toBe(0); // already claimed: nothing due
    const winner = pipelines[claims.findIndex((c) => c !== undefined)]!;
    await winner.dispatchClaimed(winners[0]!);
    expect(calls).toBe(1);
    expect(await pipelines[7]!.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 1 });

    // And the full dispatchDue path, racing from the start.
    const second = await pipelines[0]!.propose({
      installationId: 1,
      kind: 'check_run.upsert',
      idempotencyKey: 'k2',
      subject: { repo: 'acme/api', headSha: SHA },
      payload: checkPayload(),
    });
    const claimed = await Promise.all(pipelines.map((p) => p.dispatchDue()));
    expect(claimed.reduce((a, b) => a + b, 0)).toBe(1);
    expect(calls).toBe(2);
    expect(await pipelines[3]!.get(second.id)).toMatchObject({ status: 'dispatched', attempts: 1 });
    const types = (await auditTypes(dbs[0]!)).map((e) => e.type);
    expect(types.filter((t) => t === 'action.dispatching')).toHaveLength(2);
    expect(await new AuditLog(sqlAuditEvents(dbs[0]!)).verify()).toMatchObject({ ok: true });
  });
});

describe('a process dies between claim and result', () => {
  it('the resumed dispatch finds the check run the dead attempt created and updates it: one check run', async () => {
    const clock = new Clock();
    const dead = await harness({ clock, workerId: 'dead' });
    const resumed = await harness({ clock, db: dead.db, workerId: 'resumer' });
    const action = await dead.pipeline.propose({
      installationId: 1,
      kind: 'check_run.upsert',
      idempotencyKey: 'check:acme/api:sha:name',
      subject: { repo: 'acme/api', prNumber: 3, headSha: SHA },
      payload: checkPayload(),
    });
    // The first worker claims it, creates the check run at GitHub, and dies before recording anything.
    const candidate = (await dead.pipeline.store.due(clock.now().toISOString(), 1))[0]!;
    const claimed = await dead.pipeline.claim(candidate);
    expect(claimed?.lease_owner).toBe('dead');

    // Within the lease nobody else may take it.
    expect(await resumed.pipeline.dispatchDue()).toBe(0);

    clock.advance(5 * 60_000 + 1);
    const gh = nock('https://api.github.com');
    gh.get(`/repos/acme/api/commits/${SHA}/check-runs`)
      .query({ check_name: 'PuddleJumper / payments-api', filter: 'latest', per_page: '100' })
      .reply(200, { total_count: 1, check_runs: [{ id: 777, name: 'PuddleJumper / payments-api', head_sha: SHA, external_id: null }] });
    gh.patch('/repos/acme/api/check-runs/777').reply(200, { id: 777 });
    // (no POST is mocked: a second create would fail the test)

    expect(await resumed.pipeline.dispatchDue()).toBe(1);
    const row = await resumed.pipeline.get(action.id);
    expect(row).toMatchObject({ status: 'dispatched', attempts: 2, result: { checkRunId: 777, created: false } });
    const resumedEvent = (await auditTypes(resumed.db, action.id)).filter((e) => e.type === 'action.dispatching')[1];
    expect(resumedEvent?.details).toMatchObject({ resumedFromLease: 'dead', from: 'dispatching' });

    // The dead worker's late result would lose the compare-and-set on its lease.
    expect(await dead.pipeline.store.transition(action.id, 'dispatching', 'dispatched', {}, clock.now().toISOString(), 'dead')).toBeUndefined();
    const cached = await dead.db.selectFrom('check_runs').selectAll().execute();
    expect(cached).toMatchObject([{ check_run_id: 777, head_sha: SHA, repo: 'acme/api' }]);
  });

  it('an expired lease on the last allowed attempt fails the action instead of trying again', async () => {
    const h = await harness({ retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'check_run.upsert',
      idempotencyKey: 'k',
      subject: { repo: 'acme/api', headSha: SHA },
      payload: checkPayload(),
    });
    await h.pipeline.claim((await h.pipeline.store.due(h.clock.now().toISOString(), 1))[0]!);
    h.clock.advance(6 * 60_000);
    expect(await h.pipeline.dispatchDue()).toBe(0);
    const row = await h.pipeline.get(action.id);
    expect(row?.status).toBe('failed');
    expect(row?.reason).toMatch(/expired and no attempt is left/);
  });
});
