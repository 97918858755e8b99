// Every replica runs Track B's window sweep (usecases/drift-sweep.ts). Two replicas
// sweeping one due window at the same moment must not both flush it: the sweep claims the
// window (compare-and-set on its version, its due time pushed a lease ahead) before it
// loads anything for the flush. On the project's database, each replica its own connections.
import { describe, expect, it } from 'vitest';
import { addItems, emptyWindow } from '../../src/drift/accumulation.js';
import type { DriftItem } from '../../src/drift/item.js';
import { sqlDriftStore } from '../../src/store/drift.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import { SWEEP_LEASE_MS, sweepDriftWindows, type SweepDeps } from '../../src/usecases/drift-sweep.js';
import { freshDatabaseUrl, openTestDatabase } from '../helpers/test-db.js';

const OPENED = new Date('2026-06-01T00:00:00Z');
const DUE = new Date('2026-06-08T00:00:00Z');

describe("Track B's window sweep on several replicas", () => {
  it('of two sweeps at once one takes the window; a failed flush leaves it due again when the lease ends', async () => {
    const url = await freshDatabaseUrl();
    const [a, b] = [openTestDatabase(url), openTestDatabase(url)];
    await migrateToLatest(a);
    const item = { fingerprint: 'fp-1', changeClass: 'non-breaking' } as unknown as DriftItem;
    const state = addItems(emptyWindow('pack', 'docs/runbook.md'), [{ item, severity: 'medium' }], OPENED, { enabled: true, windowDays: 7 }).state;
    expect(await sqlDriftStore(a).saveWindow({ installationId: 1, owner: 'acme', state }, 0, OPENED)).toBe(true);

    let clock = new Date(DUE.getTime() + 1000);
    const taken: string[] = [];
    const replica = (name: string, db: typeof a): SweepDeps => ({
      store: sqlDriftStore(db),
      now: () => clock,
      // Where the flush would begin: record who got here, then fail (nothing else to wire).
      forInstallation: async () => {
        taken.push(name);
        throw new Error('GitHub is down');
      },
      log: { error: () => undefined },
    });
    await Promise.all([sweepDriftWindows(replica('a', a)), sweepDriftWindows(replica('b', b))]);
    expect(taken).toHaveLength(1);

    // Within the lease nobody takes it again; after it, the next sweep does (it stayed due).
    clock = new Date(clock.getTime() + SWEEP_LEASE_MS - 1000);
    await sweepDriftWindows(replica('b', b));
    expect(taken).toHaveLength(1);
    clock = new Date(clock.getTime() + 2000);
    await sweepDriftWindows(replica('b', b));
    expect(taken).toHaveLength(2);
    // The window still holds its item and its first opening.
    const stored = await sqlDriftStore(a).window(1, 'pack', 'docs/runbook.md');
    expect(stored?.state.items.map((p) => p.item.fingerprint)).toEqual(['fp-1']);
    expect(stored?.state.openedAt).toBe(OPENED.toISOString());
    await Promise.all([a.destroy(), b.destroy()]);
  });
});
