// The background sweep: accumulation windows whose time is up are flushed. Each due window
// is ticked with the time passed in (accumulation.ts), flushed through the same use case
// as an urgent item, and saved by compare-and-set (claimed by one first, as every replica
// sweeps); a window whose pack is gone, invalid or
// no longer has Track B is closed and audited. Windows survive restarts: they live in the
// store, so the first sweep after a restart flushes whatever fell due meanwhile.
import { emptyWindow, tick } from '../drift/accumulation.js';
import type { DriftStore } from '../store/drift.js';
import { docTargetOf, type DriftDeps } from './drift-deps.js';
import { flushDrift } from './drift-flush.js';
import { deferredWindow } from './drift-signal.js';

export interface SweepDeps {
  store: DriftStore;
  now: () => Date;
  /** The installation's Track B deps (its Octokit, its packs). */
  forInstallation(installationId: number, owner: string): Promise<DriftDeps>;
  log?: { error(obj: unknown, msg?: string): void };
}

/** How long a sweep holds a window it is flushing before another replica may take it. */
export const SWEEP_LEASE_MS = 5 * 60_000;

/** Flushes due windows; returns how many flushed. One window's failure does not stop the others. */
export async function sweepDriftWindows(deps: SweepDeps, limit = 20): Promise<number> {
  let flushed = 0;
  for (const due of await deps.store.dueWindows(deps.now(), limit)) {
    // Every replica sweeps: the window is claimed first, by compare-and-set on its version,
    // with its stored due time pushed a lease ahead, so no other replica's sweep sees it due
    // while this one flushes; the flush works on the state as it was, and the save after it
    // writes the real due time. A sweep that fails or dies leaves it due when the lease ends.
    const leased = { ...due.state, dueAt: new Date(deps.now().getTime() + SWEEP_LEASE_MS).toISOString() };
    if (!(await deps.store.saveWindow({ installationId: due.installationId, owner: due.owner, state: leased }, due.version, deps.now()))) continue;
    const w = { ...due, version: due.version + 1 };
    try {
      const d = await deps.forInstallation(w.installationId, w.owner);
      const now = d.now();
      const set = await d.packs();
      const pack = set.packs.find((p) => p.valid && p.pack.id === w.state.packId);
      const target = pack?.valid && pack.pack.trackB?.enabled && !pack.pack.testMode.enabled ? docTargetOf(pack.pack) : undefined;
      if (!pack?.valid || target === undefined) {
        await d.store.saveWindow({ installationId: w.installationId, owner: w.owner, state: emptyWindow(w.state.packId, w.state.docKey) }, w.version, now);
        await d.audit({ installationId: w.installationId, actor: 'worker:drift-sweep', type: 'drift.window_dropped', subject: { repo: w.owner }, details: { pack: w.state.packId, doc: w.state.docKey, reason: 'the pack no longer exists, is invalid or has no Track B', items: w.state.items.map((p) => p.item.fingerprint) } });
        continue;
      }
      const t = tick(w.state, now);
      let state = t.state;
      for (const e of t.events) {
        if (e.type !== 'flush') continue;
        // The doc target as the items saw it (a github doc without a repo is the source repo's).
        const docTarget = e.items[0]?.item.docTarget ?? target;
        const r = await flushDrift(d, { pack, docTarget, idempotencyKey: e.idempotencyKey, reason: e.reason, items: e.items });
        if (r.deferred.length) state = deferredWindow(state, r.deferred, now);
        flushed++;
      }
      await d.store.saveWindow({ installationId: w.installationId, owner: w.owner, state }, w.version, now);
    } catch (error) {
      deps.log?.error({ err: error, pack: w.state.packId, doc: w.state.docKey }, 'drift sweep: flushing a window failed; it stays due');
    }
  }
  return flushed;
}
