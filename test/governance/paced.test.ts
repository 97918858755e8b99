// A write that would wait too long for its installation's GitHub write slot (shared by the
// replicas, store/write-pacing.ts) sends nothing and goes back to the outbox: a burst of
// writes for one installation waits its turn there, never in a dispatch that times out
// holding a slot it does not use, and never uses up the action's attempts.
import { describe, expect, it } from 'vitest';
import type { ActionProposal } from '../../src/governance/action.js';
import { AuditLog } from '../../src/governance/audit.js';
import { ActionOutbox } from '../../src/governance/pipeline.js';
import { LocalPolicyProvider } from '../../src/governance/policy-provider.js';
import { DispatcherRegistry } from '../../src/governance/registry.js';
import { PacedError } from '../../src/github/octokit.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { Clock, silentLog } from './helpers.js';

const proposal: ActionProposal = { installationId: 1, kind: 'test.paced', idempotencyKey: 'test.paced:1', subject: { repo: 'acme/api', prNumber: 7 }, payload: {} };

describe('a write refused a slot by the shared pacing', () => {
  it('goes back to the outbox for about the queue\'s length, as often as needed, without using an attempt, then goes out once', async () => {
    const db = await openMemoryDatabase();
    const clock = new Clock();
    let refusals = 5; // more than maxAttempts
    let sent = 0;
    const registry = new DispatcherRegistry().register(
      {
        kind: 'test.paced',
        dispatch: async () => {
          if (refusals-- > 0) throw new PacedError('write:1', 8000);
          sent += 1;
          return { ok: true };
        },
      },
      { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 },
    );
    const outbox = new ActionOutbox({ db, registry, policy: new LocalPolicyProvider(new AuditLog(sqlAuditEvents(db))), log: silentLog, now: clock.now, random: () => 0.5 });
    const action = await outbox.propose(proposal);
    for (let i = 0; i < 5; i++) {
      expect(await outbox.dispatchDue()).toBe(1);
      const after = await outbox.get(action.id);
      expect(after).toMatchObject({ status: 'approved', attempts: 0, lastError: expect.stringContaining('write:1 has writes queued for 8 s more') });
      // Not due before the queue has drained: 8 s, and a quarter more of jitter.
      clock.advance(9_999);
      expect(await outbox.dispatchDue()).toBe(0);
      clock.advance(1);
    }
    expect(await outbox.dispatchDue()).toBe(1);
    expect(await outbox.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 1 });
    expect(sent).toBe(1);
  });
});

describe('one batch of due actions', () => {
  it('goes out per installation side by side: one installation waiting for its write slot holds up no other', async () => {
    const db = await openMemoryDatabase();
    let otherStarted: () => void = () => {};
    const other = new Promise<void>((resolve) => (otherStarted = resolve));
    const order: string[] = [];
    const registry = new DispatcherRegistry().register(
      {
        kind: 'test.paced',
        dispatch: async ({ action }) => {
          order.push(`start ${action.installationId}`);
          // Installation 1's write waits (as for its slot) until installation 2's has begun.
          if (action.installationId === 1) await other;
          else otherStarted();
          order.push(`done ${action.installationId}`);
          return { ok: true };
        },
      },
      { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 100 },
    );
    const outbox = new ActionOutbox({ db, registry, policy: new LocalPolicyProvider(new AuditLog(sqlAuditEvents(db))), log: silentLog, dispatchTimeoutMs: 2_000 });
    const first = await outbox.propose({ ...proposal, installationId: 1, idempotencyKey: 'a' });
    const second = await outbox.propose({ ...proposal, installationId: 1, idempotencyKey: 'b' });
    const third = await outbox.propose({ ...proposal, installationId: 2, idempotencyKey: 'c' });
    expect(await outbox.dispatchDue()).toBe(3);
    for (const a of [first, second, third]) expect((await outbox.get(a.id))?.status).toBe('dispatched');
    // Installation 1's two actions in the order claimed, one at a time; installation 2's beside them.
    expect(order.filter((o) => o.endsWith(' 1'))).toEqual(['start 1', 'done 1', 'start 1', 'done 1']);
    expect(order.indexOf('start 2')).toBeLessThan(order.indexOf('done 1'));
  });
});
