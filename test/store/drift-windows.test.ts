// Track B's accumulation windows live in the database (store/drift.ts), so replicas share
// them: two replicas adding items to one window at once each read, add and compare-and-set
// (as usecases/drift-signal.ts does), and no item is lost. Run on the project's database
// (SQLite file, or Postgres in the postgres project), each replica with its own connections.
import { describe, expect, it } from 'vitest';
import { addItems, emptyWindow, type WindowState } from '../../src/drift/accumulation.js';
import type { DriftItem } from '../../src/drift/item.js';
import { sqlDriftStore, type DriftStore } from '../../src/store/drift.js';
import type { Db } from '../../src/store/database.js';
import { openReplicas } from '../helpers/test-db.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const config = { enabled: true, windowDays: 7 };
const item = (fingerprint: string) => ({ fingerprint, changeClass: 'non-breaking' }) as unknown as DriftItem;

/** The use case's loop: read the window, add the item, compare-and-set; again when another replica won. */
async function add(store: DriftStore, fingerprint: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const stored = await store.window(1, 'pack', 'docs/runbook.md');
    const state: WindowState = stored?.state ?? emptyWindow('pack', 'docs/runbook.md');
    const next = addItems(state, [{ item: item(fingerprint), severity: 'medium' }], NOW, config).state;
    if (await store.saveWindow({ installationId: 1, owner: 'acme', state: next }, stored?.version ?? 0, NOW)) return attempt;
    if (attempt > 100) throw new Error('too many conflicts');
  }
}

describe('drift accumulation windows shared by replicas', () => {
  it('two replicas adding to one window at once lose no item; every write is one version', async () => {
    const [a, b] = (await openReplicas(2)) as [Db, Db];
    const stores = [sqlDriftStore(a), sqlDriftStore(b)];
    const fingerprints = Array.from({ length: 20 }, (_, i) => `fp-${String(i).padStart(2, '0')}`);
    const attempts = await Promise.all(fingerprints.map((fp, i) => add(stores[i % 2]!, fp)));

    const window = await stores[0]!.window(1, 'pack', 'docs/runbook.md');
    expect(window?.state.items.map((p) => p.item.fingerprint).sort()).toEqual(fingerprints);
    expect(window?.version).toBe(fingerprints.length); // one successful compare-and-set per item
    expect(window?.state.dueAt).toBe('2026-06-08T00:00:00.000Z');
    // The race was real: some writers had to read again.
    expect(attempts.some((n) => n > 1)).toBe(true);
    await Promise.all([a.destroy(), b.destroy()]);
  });

  it('a stale version never overwrites: the loser is told, the winner stays', async () => {
    const [a, b] = (await openReplicas(2)) as [Db, Db];
    const [sa, sb] = [sqlDriftStore(a), sqlDriftStore(b)];
    const start = addItems(emptyWindow('pack', 'docs/runbook.md'), [{ item: item('first'), severity: 'low' }], NOW, config).state;
    // Both replicas create the window at once (version 0): exactly one insert wins.
    const created = await Promise.all([sa.saveWindow({ installationId: 1, owner: 'acme', state: start }, 0, NOW), sb.saveWindow({ installationId: 1, owner: 'acme', state: start }, 0, NOW)]);
    expect(created.filter(Boolean)).toHaveLength(1);
    const one = addItems(start, [{ item: item('from-a'), severity: 'low' }], NOW, config).state;
    const two = addItems(start, [{ item: item('from-b'), severity: 'low' }], NOW, config).state;
    const saved = await Promise.all([sa.saveWindow({ installationId: 1, owner: 'acme', state: one }, 1, NOW), sb.saveWindow({ installationId: 1, owner: 'acme', state: two }, 1, NOW)]);
    expect(saved.filter(Boolean)).toHaveLength(1);
    const winner = saved[0] ? 'from-a' : 'from-b';
    const stored = await sb.window(1, 'pack', 'docs/runbook.md');
    expect(stored?.version).toBe(2);
    expect(stored?.state.items.map((p) => p.item.fingerprint)).toEqual(['first', winner]);
    await Promise.all([a.destroy(), b.destroy()]);
  });
});
