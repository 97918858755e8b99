// The one prom-client registry of the process. Areas add their own metrics to it
// (governance in its own file; webhooks and approval chains here); /metrics serves it whole.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChainEvent } from './approvals/chain.js';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const webhooksReceived = new Counter({
  name: 'pj_webhooks_received_total',
  help: 'Webhook deliveries received, by event, action and outcome (handled, duplicate, failed, ignored)',
  labelNames: ['event', 'action', 'outcome'] as const,
  registers: [registry],
});

export const handlerDuration = new Histogram({
  name: 'pj_webhook_handler_duration_seconds',
  help: 'Time spent handling one webhook delivery',
  labelNames: ['event'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

// ---- approval chains ---------------------------------------------------------------------
// `approval_chain_step_time_seconds` measures the time
// a step was ACTIVE (waiting on its approvers) until it was decided — the figure that
// says who is a bottleneck; a waiting step is blocked by an earlier one, not by its approvers.

export const chainStepsTotal = new Counter({
  name: 'approval_chain_steps_total',
  help: 'Approval chain steps created',
  registers: [registry],
});

export const chainStepDecidedTotal = new Counter({
  name: 'approval_chain_step_decided_total',
  help: 'Approval chain steps decided, by decision (approved, rejected, retracted)',
  labelNames: ['decision'] as const,
  registers: [registry],
});

export const chainCompletedTotal = new Counter({
  name: 'approval_chain_completed_total',
  help: 'Approval chains fully approved',
  registers: [registry],
});

export const chainRejectedTotal = new Counter({
  name: 'approval_chain_rejected_total',
  help: 'Approval chains rejected at any step',
  registers: [registry],
});

export const chainStepPending = new Gauge({
  name: 'approval_chain_step_pending',
  help: 'Undecided steps (active or waiting) of current pending approval chains (read from the store at scrape time, so right after a restart)',
  registers: [registry],
  async collect() {
    const n = await read((s) => s.pendingSteps());
    if (n !== undefined) this.set(n);
  },
});

export const chainStepTime = new Histogram({
  name: 'approval_chain_step_time_seconds',
  help: 'Time a step was active before it was approved or rejected',
  buckets: [60, 300, 900, 3600, 4 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600],
  registers: [registry],
});

export function recordChainEvents(events: readonly ChainEvent[]): void {
  for (const e of events) {
    switch (e.type) {
      case 'chain_started':
        chainStepsTotal.inc(e.steps);
        break;
      case 'step_approved':
        chainStepDecidedTotal.inc({ decision: 'approved' });
        if (e.waitedSeconds !== undefined) chainStepTime.observe(e.waitedSeconds);
        break;
      case 'step_rejected':
        chainStepDecidedTotal.inc({ decision: 'rejected' });
        if (e.waitedSeconds !== undefined) chainStepTime.observe(e.waitedSeconds);
        break;
      case 'step_retracted':
        chainStepDecidedTotal.inc({ decision: 'retracted' });
        break;
      case 'chain_approved':
        chainCompletedTotal.inc();
        break;
      case 'chain_rejected':
        chainRejectedTotal.inc();
        break;
      case 'group_activated':
        break;
    }
  }
}

/** The gauge is set from the store (not inc/dec), so it is right after a restart. */
export function setPendingSteps(n: number): void {
  chainStepPending.set(n);
}

/** The approval use cases' view of these metrics. */
export const chainEventsMetrics = { events: recordChainEvents, pendingSteps: setPendingSteps };

// ---- GitHub ----------------------------------------------------------------------------

export const githubRateLimitRemaining = new Gauge({
  name: 'pj_github_rate_limit_remaining',
  help: 'GitHub x-ratelimit-remaining from the latest response, per installation',
  labelNames: ['installation'] as const,
  registers: [registry],
});

// ---- state read from the store at scrape time ------------------------------------------

interface GaugeSource {
  actionsByStatus(): Promise<Record<string, number>>;
  pendingSteps(): Promise<number>;
  oldestActiveStepSince(): Promise<string | undefined>;
  driftItemsByStatus(): Promise<Record<string, number>>;
  driftWindowsOpen(): Promise<number>;
  driftRemediationsByStatus(): Promise<Record<string, number>>;
}
let gaugeSource: { store: GaugeSource; now: () => Date } | undefined;

/** Let the gauges below read the store at each scrape (the composition root calls it once). */
export function exportStoreGauges(store: GaugeSource, now: () => Date = () => new Date()): void {
  gaugeSource = { store, now };
}

async function read<T>(f: (s: GaugeSource) => Promise<T>): Promise<T | undefined> {
  if (!gaugeSource) return undefined;
  try {
    return await f(gaugeSource.store);
  } catch {
    return undefined; // the database is unreachable: keep the last values (/healthz says so)
  }
}

const ACTION_STATUSES_SHOWN = ['proposed', 'approved', 'dispatching', 'dispatched', 'failed', 'denied', 'superseded', 'cancelled'] as const;

export const outboxActions = new Gauge({
  name: 'pj_outbox_actions',
  help: 'Actions in the outbox by status, read from the store at scrape time (approved + dispatching is the backlog)',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    const counts = await read((s) => s.actionsByStatus());
    if (!counts) return;
    for (const status of ACTION_STATUSES_SHOWN) this.set({ status }, counts[status] ?? 0);
  },
});

export const oldestActiveStep = new Gauge({
  name: 'approval_chain_oldest_active_step_seconds',
  help: 'How long the longest-waiting active approval step has been waiting (0 when none), read from the store at scrape time',
  registers: [registry],
  async collect() {
    const since = await read((s) => s.oldestActiveStepSince());
    if (since === undefined && !gaugeSource) return;
    const now = gaugeSource?.now() ?? new Date();
    this.set(since ? Math.max(0, (now.getTime() - Date.parse(since)) / 1000) : 0);
  },
});

// Track B (the ledger's statuses: store/drift.ts LEDGER_STATUSES; remediations: RemediationStatus).
const DRIFT_ITEM_STATUSES_SHOWN = ['pending', 'remediation', 'digest', 'ignored', 'dropped', 'resolved', 'merged', 'stopped'] as const;
const DRIFT_REMEDIATION_STATUSES_SHOWN = ['open', 'stopped', 'closed', 'merged', 'resolved'] as const;

export const driftItems = new Gauge({
  name: 'pj_drift_items',
  help: 'Track B drift items in the ledger by status (pending in a window, in a remediation, in the digest, ...), read from the store at scrape time',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    const counts = await read((s) => s.driftItemsByStatus());
    if (!counts) return;
    for (const status of DRIFT_ITEM_STATUSES_SHOWN) this.set({ status }, counts[status] ?? 0);
  },
});

export const driftWindowsOpen = new Gauge({
  name: 'pj_drift_windows_open',
  help: 'Track B accumulation windows that are open (waiting to flush), read from the store at scrape time',
  registers: [registry],
  async collect() {
    const n = await read((s) => s.driftWindowsOpen());
    if (n !== undefined) this.set(n);
  },
});

export const driftRemediations = new Gauge({
  name: 'pj_drift_remediations',
  help: 'Track B remediation PRs (and Confluence proposals) by status, read from the store at scrape time',
  labelNames: ['status'] as const,
  registers: [registry],
  async collect() {
    const counts = await read((s) => s.driftRemediationsByStatus());
    if (!counts) return;
    for (const status of DRIFT_REMEDIATION_STATUSES_SHOWN) this.set({ status }, counts[status] ?? 0);
  },
});

// ---- webhook intake --------------------------------------------------------------------

export const webhooksRejected = new Counter({
  name: 'pj_webhook_rejected_total',
  help: 'Webhook requests refused before their body was read, by reason (too_large: over 25 MB)',
  labelNames: ['reason'] as const,
  registers: [registry],
});

export const deliveriesResumed = new Counter({
  name: 'pj_webhook_deliveries_resumed_total',
  help: 'Deliveries whose work the worker resumed after the process running it stopped renewing its lease',
  registers: [registry],
});

export const parseDeadlineExceeded = new Counter({
  name: 'pj_parse_deadline_exceeded_total',
  help: 'Untrusted documents (PR specs, config-repo packs) whose parse and comparison passed PJ_PARSE_DEADLINE_MS',
  labelNames: ['kind'] as const,
  registers: [registry],
});
