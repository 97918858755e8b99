// Approval-chain metrics on the shared registry, updated from chain events.
// Names as in the seed North Star. `approval_chain_step_time_seconds` measures the time
// a step was ACTIVE (waiting on its approvers) until it was decided — the figure that
// says who is a bottleneck; a waiting step is blocked by an earlier one, not by its approvers.
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../metrics.js';
import type { ChainEvent } from './chain.js';

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
  help: 'Undecided steps (active or waiting) of current pending approval chains',
  registers: [registry],
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
