// A state change and its audit event are one transaction (issue 13's kill run lost the
// `approval.step_approved` of a decision, and `action.dispatched` events, with a replica
// SIGKILLed between the two). A replica that dies inside the transaction commits neither:
// here the death is an error thrown by the audit append, which the database sees the same
// way (the transaction never commits). The change is then redone by whoever resumes it,
// and the log has its event exactly once. Runs on SQLite and on Postgres.
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditEventInput } from '../../src/governance/audit.js';
import { ActionOutbox } from '../../src/governance/pipeline.js';
import { LocalPolicyProvider } from '../../src/governance/policy-provider.js';
import { DispatcherRegistry } from '../../src/governance/registry.js';
import { sqlAuditEvents, type AuditEventStore } from '../../src/store/audit-events.js';
import type { Db } from '../../src/store/database.js';
import { openReplicas, testDbKind } from '../helpers/test-db.js';
import { Clock, silentLog } from './helpers.js';
import { comment, setup } from '../approvals/helpers.js';

const RETRY = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };
const opened: Db[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await db.destroy().catch(() => undefined);
});

async function replicas(n: number): Promise<Db[]> {
  const dbs = await openReplicas(n);
  opened.push(...dbs);
  return dbs;
}

/** A replica's audit log that dies (throws) at the first append of `type`, once. */
function dyingAt(log: AuditLog, type: string) {
  let died = false;
  return (e: AuditEventInput, within?: AuditEventStore) => {
    if (!died && e.type === type) {
      died = true;
      return Promise.reject(new Error(`replica killed before appending ${type}`));
    }
    return log.append(e, within);
  };
}

async function auditCount(db: Db, type: string): Promise<number> {
  const rows = await db.selectFrom('audit_events').select('id').where('type', '=', type).execute();
  return rows.length;
}

/** An outbox on `db` with one dispatcher that counts its calls; its audit dies at `dieAt`. */
function outbox(db: Db, clock: Clock, workerId: string, dieAt?: string) {
  const log = new AuditLog(sqlAuditEvents(db), { now: clock.now });
  const sent: number[] = [];
  const registry = new DispatcherRegistry().register(
    { kind: 'comment.upsert', dispatch: async (ctx) => (sent.push(ctx.action.id), { commentId: 7 }) },
    RETRY,
  );
  const policy = new LocalPolicyProvider(log);
  if (dieAt !== undefined) {
    const write = dyingAt(log, dieAt);
    policy.writeAuditEvent = write;
    policy.writeAuditEvents = async (events, within) => {
      const out = [];
      for (const e of events) out.push(await write(e, within));
      return out;
    };
  }
  const pipeline = new ActionOutbox({ db, registry, policy, now: clock.now, log: silentLog, workerId, leaseMs: 60_000, random: () => 0.5 });
  return { pipeline, log, sent };
}

const proposal = { installationId: 1, kind: 'comment.upsert', idempotencyKey: 'reply:acme/api#1', subject: { repo: 'acme/api', prNumber: 1 }, payload: { repo: 'acme/api', issueNumber: 1, body: 'hi', marker: 'pj' } };

describe(`a state change and its audit event commit together, on ${testDbKind()}`, () => {
  it('a replica that dies recording a dispatch leaves the action dispatching; the replica that resumes it records one dispatch and one event', async () => {
    const [a, b] = await replicas(2);
    const clock = new Clock();
    const dying = outbox(a!, clock, 'replica-a', 'action.dispatched');
    const survivor = outbox(b!, clock, 'replica-b');
    const action = await dying.pipeline.propose(proposal);
    expect(action.status).toBe('approved');

    await expect(dying.pipeline.dispatchDue()).rejects.toThrow('replica killed before appending action.dispatched');
    expect(dying.sent).toEqual([action.id]); // the effect went out
    const row = await survivor.pipeline.get(action.id);
    expect(row?.status).toBe('dispatching'); // but its recording died with the replica: no dispatched row without its event
    expect(await auditCount(b!, 'action.dispatched')).toBe(0);

    clock.advance(61_000); // the lease expires
    expect(await survivor.pipeline.dispatchDue()).toBe(1);
    expect(survivor.sent).toEqual([action.id]); // resumed (dispatchers find what the dead attempt made)
    expect((await survivor.pipeline.get(action.id))?.status).toBe('dispatched');
    expect(await auditCount(b!, 'action.dispatched')).toBe(1);
    expect(await auditCount(b!, 'action.dispatching')).toBe(2);
    expect(await survivor.log.verify()).toMatchObject({ ok: true });
  });

  it('a replica that dies auditing a batch claim claims nothing: another replica claims and audits the batch', async () => {
    const [a, b] = await replicas(2);
    const clock = new Clock();
    const dying = outbox(a!, clock, 'replica-a', 'action.dispatching');
    const survivor = outbox(b!, clock, 'replica-b');
    for (let i = 0; i < 3; i++) await survivor.pipeline.propose({ ...proposal, idempotencyKey: `reply:acme/api#${i}`, payload: { ...proposal.payload, issueNumber: i } });

    await expect(dying.pipeline.dispatchDue()).rejects.toThrow('replica killed');
    expect(dying.sent).toEqual([]);
    const statuses = await b!.selectFrom('actions').select('status').execute();
    expect(statuses.map((s) => s.status)).toEqual(['approved', 'approved', 'approved']);

    expect(await survivor.pipeline.dispatchDue()).toBe(3); // no lease to wait for: nothing was claimed
    expect(survivor.sent).toHaveLength(3);
    expect(await auditCount(b!, 'action.dispatching')).toBe(3);
    expect(await auditCount(b!, 'action.dispatched')).toBe(3);
    expect(await survivor.log.verify()).toMatchObject({ ok: true, count: 3 * 4 }); // proposed, approved, dispatching, dispatched
  });

  it('a replica that dies auditing an approval keeps no approval: the redelivered /approve approves once, with one event', async () => {
    const t = await setup();
    const log = new AuditLog(sqlAuditEvents(t.db), { now: () => t.clock.now });
    t.deps.audit = dyingAt(log, 'approval.step_approved');
    await t.ensure();

    await expect(t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }))).rejects.toThrow('replica killed');
    expect((await t.current())?.steps.map((s) => s.status)).toEqual(['active', 'waiting']);
    expect(t.published).toHaveLength(0);

    expect(await t.svc.onComment(comment({ body: '/approve', login: 'alice', id: 1 }))).toMatchObject({ kind: 'changed' });
    expect((await t.current())?.steps.map((s) => s.status)).toEqual(['approved', 'active']);
    expect(await auditCount(t.db, 'approval.step_approved')).toBe(1);
    expect(await auditCount(t.db, 'approval.group_activated')).toBe(2); // tier1's group at the start, tier2's by the approval
    expect(await log.verify()).toMatchObject({ ok: true });
  });

  it('two replicas changing actions side by side, their events appended inside the changes and beside them, keep one unforked chain', async () => {
    const [a, b] = await replicas(2);
    const clock = new Clock();
    const sides = [outbox(a!, clock, 'replica-a'), outbox(b!, clock, 'replica-b')];
    await Promise.all(
      sides.map(async (side, r) => {
        for (let i = 0; i < 15; i++) {
          await Promise.all([
            side.pipeline.propose({ ...proposal, idempotencyKey: `reply:${r}:${i}`, payload: { ...proposal.payload, issueNumber: i, body: `r${r}` } }),
            side.log.append({ actor: 'app', type: 'evaluation', subject: { repo: 'acme/api', prNumber: i } }),
          ]);
        }
      }),
    );
    await Promise.all(sides.map((side) => side.pipeline.dispatchDue(50)));
    expect(sides[0]!.sent.length + sides[1]!.sent.length).toBe(30);
    const verified = await sides[0]!.log.verify();
    expect(verified).toMatchObject({ ok: true, count: 30 * 4 + 30 });
    for (const type of ['action.proposed', 'action.approved', 'action.dispatching', 'action.dispatched', 'evaluation']) expect(await auditCount(a!, type)).toBe(30);
  });
});
