import { describe, expect, it } from 'vitest';
import { DispatcherRegistry, type Dispatcher } from '../../src/governance/registry.js';
import { checkPayload, harness } from './helpers.js';

describe('dispatch is scoped to the delivery that proposed it', () => {
  it("a webhook of installation 1 dispatches installation 1's actions and never installation 2's", async () => {
    const sent: number[] = [];
    const registry = new DispatcherRegistry();
    const dispatcher: Dispatcher = {
      kind: 'check_run.upsert',
      validate: () => undefined,
      dispatch: async ({ action }) => {
        sent.push(action.installationId);
        return {};
      },
    };
    registry.register(dispatcher, { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 });
    const h = await harness({ registry });
    for (const installationId of [1, 2]) {
      await h.pipeline.propose({
        installationId,
        kind: 'check_run.upsert',
        idempotencyKey: `check:acme/api-${installationId}`,
        subject: { repo: `acme/api-${installationId}` },
        payload: checkPayload(),
      });
    }
    expect(await h.pipeline.dispatchDue(50, { installationId: 1 })).toBe(1);
    expect(sent).toEqual([1]);
    const rows = await h.db.selectFrom('actions').select(['installation_id', 'status']).orderBy('installation_id').execute();
    expect(rows).toEqual([
      { installation_id: 1, status: 'dispatched' },
      { installation_id: 2, status: 'approved' },
    ]);
    // The worker (no scope) takes what is left.
    expect(await h.pipeline.dispatchDue(50)).toBe(1);
    expect(sent).toEqual([1, 2]);
  });
});
