// A merged change (a merged pull request, or a push straight to a default branch) in a
// repo that Track B packs govern: for each such pack, the detectors run on the change
// against the pack's primary doc, items never raised before join the pack's accumulation
// window for that doc (persisted, compare-and-set), items the doc no longer supports
// leave it, and a window that must flush at once (breaking items, a runbook at high
// severity, accumulation off) is flushed. A change already processed changes nothing.
import { touchedPaths, type ChangeSet } from '../change/changeset.js';
import { addItems, emptyWindow, resolveItems, type SourceRef, type Transition, type WindowState } from '../drift/accumulation.js';
import { docKey, type DocTarget, type DriftItem } from '../drift/item.js';
import { score, severityOf } from '../drift/materiality.js';
import { resolvedItems } from '../drift/noise.js';
import { runDrift } from '../drift/run.js';
import type { ValidPack } from '../packs/types.js';
import { docTargetOf, driftDocInput, resolveTarget, trackBPacks, type DriftDeps, type SignalKind } from './drift-deps.js';
import { flushDrift } from './drift-flush.js';
import { recheckDoc } from './drift-resolve.js';

export interface DriftSignal {
  kind: SignalKind;
  repo: string;
  /** The merge commit (or pushed head): a change is processed once. */
  sha: string;
  number?: number;
  changes: ChangeSet;
}

export interface SignalOutcome {
  duplicate: boolean;
  packs: number;
  added: number;
  flushed: number;
}

const MAX_CAS_ATTEMPTS = 20;

export async function onDriftSignal(deps: DriftDeps, signal: DriftSignal): Promise<SignalOutcome> {
  const out: SignalOutcome = { duplicate: false, packs: 0, added: 0, flushed: 0 };
  const set = await deps.packs();
  // No Track B pack for this repo at all: not even the file list is read.
  if (trackBPacks(set, signal.repo, undefined, signal.kind).length === 0) return out;
  if (!(await deps.store.claimSignal(deps.installationId, signal.repo, signal.sha, deps.now()))) {
    out.duplicate = true;
    return out;
  }
  try {
    const files = await signal.changes.files();
    const packs = trackBPacks(set, signal.repo, touchedPaths(files), signal.kind).filter((p) => !p.pack.testMode.enabled);
    out.packs = packs.length;
    const source: SourceRef = { repo: signal.repo, sha: signal.sha, ...(signal.number !== undefined ? { number: signal.number } : {}) };
    for (const pack of packs) {
      const r = await detectForPack(deps, pack, signal, source);
      out.added += r.added;
      out.flushed += r.flushed;
    }
    await deps.audit({
      installationId: deps.installationId,
      actor: 'app',
      type: 'drift.signal',
      subject: { repo: signal.repo, headSha: signal.sha, ...(signal.number !== undefined ? { prNumber: signal.number } : {}) },
      details: { kind: signal.kind, packs: packs.map((p) => ({ id: p.pack.id, versionHash: p.versionHash })), added: out.added, flushed: out.flushed },
    });
    return out;
  } catch (error) {
    // Not processed after all: a redelivery must run it again.
    await deps.store.forgetSignal(deps.installationId, signal.repo, signal.sha);
    throw error;
  }
}

async function detectForPack(deps: DriftDeps, pack: ValidPack, signal: DriftSignal, source: SourceRef): Promise<{ added: number; flushed: number }> {
  const trackB = pack.pack.trackB!;
  const docTarget: DocTarget = resolveTarget(docTargetOf(pack.pack)!, signal.repo);
  const key = docKey(docTarget);
  const doc = await deps.docs.read(docTarget);
  // Items of the doc's open remediation PR that the doc as it is now no longer supports leave it.
  if (!('unavailable' in doc)) await recheckDoc(deps, docTarget, doc.text);
  const result = await runDrift({
    changes: signal.changes,
    docTarget,
    ...driftDocInput(doc),
    ...(deps.specOps ? { specOps: deps.specOps } : {}),
    driftTypes: trackB.driftTypes,
    noiseControls: trackB.noiseControls,
  });
  const subject = { repo: signal.repo, headSha: signal.sha, ...(signal.number !== undefined ? { prNumber: signal.number } : {}) };
  if (result.skippedByLabel) {
    await deps.audit({ installationId: deps.installationId, actor: `pack:${pack.pack.id}`, type: 'drift.skipped', subject, details: { doc: key, reason: 'skip-drift label' } });
    return { added: 0, flushed: 0 };
  }
  if (result.ignored.length) {
    await deps.audit({ installationId: deps.installationId, actor: `pack:${pack.pack.id}`, type: 'drift.items_ignored', subject, details: { doc: key, reason: 'ignorePatterns', items: result.ignored.map((i) => ({ fingerprint: i.fingerprint, rule: i.rule, subject: i.subject })) } });
  }
  const now = deps.now();
  const ledger = await deps.store.items(deps.installationId, pack.pack.id, key);
  const byFp = new Map(ledger.map((l) => [l.item.fingerprint, l]));
  // De-duplication: an item already in a remediation, the digest, ignored or dropped is never raised again.
  const fresh = result.items.filter((i) => {
    const known = byFp.get(i.fingerprint);
    return known === undefined || known.status === 'pending' || known.status === 'resolved';
  });
  // Below `ignore`: dropped now and audited (never waits in a window).
  const dropped: DriftItem[] = [];
  const incoming = fresh.flatMap((item) => {
    if (score(item, docTarget.class, trackB.materiality).band === 'ignore') {
      dropped.push(item);
      return [];
    }
    return [{ item, severity: severityOf(item, docTarget.class), source }];
  });
  if (dropped.length) {
    await deps.store.putItems(deps.installationId, pack.pack.id, key, dropped.map((item) => ({ entry: { item, severity: severityOf(item, docTarget.class), sources: [source] }, status: 'dropped' as const, sourceRepo: signal.repo })), now);
    await deps.audit({ installationId: deps.installationId, actor: `pack:${pack.pack.id}`, type: 'drift.items_dropped', subject, details: { doc: key, fingerprints: dropped.map((i) => i.fingerprint) } });
  }
  // Open items the doc as it is now no longer supports: fixed by a person, or by a merged remediation.
  const open = ledger.filter((l) => l.status === 'pending' || l.status === 'digest').map((l) => l.item);
  const resolved = 'unavailable' in doc ? [] : resolvedItems(open, { docText: doc.text }).map((r) => r.fingerprint).filter((fp) => !fresh.some((i) => i.fingerprint === fp));
  if (resolved.length) {
    for (const l of ledger.filter((x) => resolved.includes(x.item.fingerprint))) {
      await deps.store.setStatus(deps.installationId, pack.pack.id, key, [l.item.fingerprint], 'resolved', now);
    }
  }

  const acc = trackB.noiseControls.temporalAccumulation;
  let flushed = 0;
  for (let attempt = 0; ; attempt++) {
    const stored = await deps.store.window(deps.installationId, pack.pack.id, key);
    let state: WindowState = stored?.state ?? emptyWindow(pack.pack.id, key);
    const events: Transition['events'] = [];
    if (resolved.length) {
      const t = resolveItems(state, resolved, now);
      state = t.state;
      events.push(...t.events);
    }
    const t = addItems(state, incoming, now, { enabled: acc.enabled, windowDays: acc.windowDays, docClass: docTarget.class });
    state = t.state;
    events.push(...t.events);
    if (incoming.length === 0 && resolved.length === 0) return { added: 0, flushed: 0 };
    // The ledger first: a crash after it leaves pending items that the next signal re-adds.
    await deps.store.putItems(deps.installationId, pack.pack.id, key, incoming.map((i) => ({ entry: { item: i.item, severity: i.severity, sources: state.items.find((p) => p.item.fingerprint === i.item.fingerprint)?.sources ?? [source] }, status: 'pending' as const, sourceRepo: signal.repo })), now);
    flushed = 0;
    for (const e of events) {
      if (e.type !== 'flush') continue;
      const r = await flushDrift(deps, { pack, docTarget, idempotencyKey: e.idempotencyKey, reason: e.reason, items: e.items });
      flushed++;
      if (r.deferred.length) state = deferredWindow(state, r.deferred, now);
    }
    if (await deps.store.saveWindow({ installationId: deps.installationId, owner: deps.owner, state }, stored?.version ?? 0, now)) break;
    if (attempt >= MAX_CAS_ATTEMPTS) throw new Error(`drift window ${pack.pack.id} ${key}: too many concurrent updates`);
  }
  return { added: incoming.length, flushed };
}

/** Items a PR limit held back wait in the window for an hour, then flush again. */
export function deferredWindow(state: WindowState, deferred: WindowState['items'], now: Date): WindowState {
  const items = [...state.items, ...deferred.filter((d) => !state.items.some((s) => s.item.fingerprint === d.item.fingerprint))];
  const dueAt = new Date(now.getTime() + 60 * 60 * 1000).toISOString();
  return { ...state, openedAt: state.openedAt ?? now.toISOString(), dueAt: state.dueAt && state.dueAt < dueAt ? state.dueAt : dueAt, items };
}
