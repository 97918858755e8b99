// Temporal accumulation: a pure state machine over one (pack, doc) window. No clock (`now`
// is passed in), no I/O: the caller persists the state and carries out the events.
//
// Rules:
// - The first item opens the window; it is due `windowDays` after that (the window does not
//   slide: later items join it, they do not postpone it).
// - `tick(now)` at or after the due time flushes the window: one `flush` event with every
//   pending item, and the window closes (the next item opens a new one).
// - An item of class `breaking`, or any item on a `runbook` doc with severity high or above,
//   flushes the whole window at once (with the items already waiting).
// - Accumulation disabled: every add flushes at once.
// - The same fingerprint twice is one item: the later detection replaces the earlier one
//   (its patch is made against the newer doc) and its source joins the list.
// - Items resolved meanwhile leave the window (`resolve`); a window left empty closes
//   without a flush.
// - A flush's idempotency key names the window (pack, doc, opening time): the same window
//   flushed twice (a redelivered event, a worker retry) is the same outbox action.
import { SEVERITY_ORDER } from '../contracts/scoring.js';
import type { Severity } from '../packs/schema.js';
import type { DriftItem } from './item.js';

export interface SourceRef {
  repo: string;
  /** The pull request, when the signal was one (a push to the default branch has none). */
  number?: number;
  sha: string;
}

export interface PendingItem {
  item: DriftItem;
  severity: Severity;
  sources: SourceRef[];
  addedAt: string;
}

export interface WindowState {
  packId: string;
  docKey: string;
  /** ISO time the window opened; null when no window is open. */
  openedAt: string | null;
  dueAt: string | null;
  items: PendingItem[];
}

export interface AccumulationConfig {
  enabled: boolean;
  windowDays: number;
  docClass?: string | undefined;
}

export type FlushReason = 'window_elapsed' | 'breaking' | 'runbook_severity' | 'accumulation_disabled';

export type AccumulationEvent =
  | { type: 'window_opened'; packId: string; docKey: string; at: string; dueAt: string }
  | { type: 'items_added'; packId: string; docKey: string; fingerprints: string[] }
  | { type: 'items_updated'; packId: string; docKey: string; fingerprints: string[] }
  | { type: 'items_resolved'; packId: string; docKey: string; fingerprints: string[] }
  | { type: 'window_closed_empty'; packId: string; docKey: string; at: string }
  | { type: 'flush'; packId: string; docKey: string; at: string; reason: FlushReason; idempotencyKey: string; items: PendingItem[] };

export interface Transition {
  state: WindowState;
  events: AccumulationEvent[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

export function emptyWindow(packId: string, docKey: string): WindowState {
  return { packId, docKey, openedAt: null, dueAt: null, items: [] };
}

export function flushKey(packId: string, docKey: string, openedAt: string): string {
  return `drift-flush:${packId}:${docKey}:${openedAt}`;
}

function atLeastHigh(severity: Severity): boolean {
  return SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf('high');
}

/** Why this item must not wait, or undefined. */
export function urgency(entry: { item: Pick<DriftItem, 'changeClass'>; severity: Severity }, docClass: string | undefined): FlushReason | undefined {
  if (entry.item.changeClass === 'breaking') return 'breaking';
  if (docClass === 'runbook' && atLeastHigh(entry.severity)) return 'runbook_severity';
  return undefined;
}

export function addItems(
  state: WindowState,
  incoming: ReadonlyArray<{ item: DriftItem; severity: Severity; source?: SourceRef }>,
  now: Date,
  config: AccumulationConfig,
): Transition {
  const at = now.toISOString();
  const events: AccumulationEvent[] = [];
  let next: WindowState = { ...state, items: [...state.items] };
  if (incoming.length === 0) return { state: next, events };
  if (next.openedAt === null) {
    const dueAt = new Date(now.getTime() + config.windowDays * DAY_MS).toISOString();
    next = { ...next, openedAt: at, dueAt };
    events.push({ type: 'window_opened', packId: state.packId, docKey: state.docKey, at, dueAt });
  }
  const added: string[] = [];
  const updated: string[] = [];
  let reason: FlushReason | undefined = config.enabled ? undefined : 'accumulation_disabled';
  for (const inc of incoming) {
    const i = next.items.findIndex((p) => p.item.fingerprint === inc.item.fingerprint);
    const sources = inc.source ? [inc.source] : [];
    if (i === -1) {
      next.items.push({ item: inc.item, severity: inc.severity, sources, addedAt: at });
      added.push(inc.item.fingerprint);
    } else {
      const prior = next.items[i]!;
      const merged = [...prior.sources];
      for (const s of sources) if (!merged.some((m) => m.repo === s.repo && m.number === s.number && m.sha === s.sha)) merged.push(s);
      next.items[i] = { item: inc.item, severity: inc.severity, sources: merged, addedAt: prior.addedAt };
      updated.push(inc.item.fingerprint);
    }
    reason ??= urgency(inc, config.docClass);
  }
  if (added.length) events.push({ type: 'items_added', packId: state.packId, docKey: state.docKey, fingerprints: added });
  if (updated.length) events.push({ type: 'items_updated', packId: state.packId, docKey: state.docKey, fingerprints: updated });
  if (reason) return flush(next, now, reason, events);
  return { state: next, events };
}

/** Flushes a due window; before the due time nothing happens. */
export function tick(state: WindowState, now: Date): Transition {
  if (state.openedAt === null || state.dueAt === null || now.getTime() < Date.parse(state.dueAt)) return { state, events: [] };
  return flush(state, now, 'window_elapsed', []);
}

export function resolveItems(state: WindowState, fingerprints: readonly string[], now: Date): Transition {
  const gone = new Set(fingerprints);
  const left = state.items.filter((p) => !gone.has(p.item.fingerprint));
  const removed = state.items.filter((p) => gone.has(p.item.fingerprint)).map((p) => p.item.fingerprint);
  if (removed.length === 0) return { state, events: [] };
  const events: AccumulationEvent[] = [{ type: 'items_resolved', packId: state.packId, docKey: state.docKey, fingerprints: removed }];
  if (left.length === 0 && state.openedAt !== null) {
    events.push({ type: 'window_closed_empty', packId: state.packId, docKey: state.docKey, at: now.toISOString() });
    return { state: emptyWindow(state.packId, state.docKey), events };
  }
  return { state: { ...state, items: left }, events };
}

function flush(state: WindowState, now: Date, reason: FlushReason, events: AccumulationEvent[]): Transition {
  const openedAt = state.openedAt ?? now.toISOString();
  if (state.items.length === 0) return { state: emptyWindow(state.packId, state.docKey), events };
  events.push({
    type: 'flush',
    packId: state.packId,
    docKey: state.docKey,
    at: now.toISOString(),
    reason,
    idempotencyKey: flushKey(state.packId, state.docKey, openedAt),
    items: state.items,
  });
  return { state: emptyWindow(state.packId, state.docKey), events };
}
