// Governance metrics on the shared registry.
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from '../metrics.js';

export const actionTransitions = new Counter({
  name: 'pj_action_transitions_total',
  help: 'Action state transitions, by kind and the status entered',
  labelNames: ['kind', 'status'] as const,
  registers: [registry],
});

export const dispatchAttempts = new Counter({
  name: 'pj_action_dispatch_attempts_total',
  help: 'Dispatch attempts, by kind and outcome (dispatched, retry, failed, lost_lease)',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});

export const dispatchRetries = new Counter({
  name: 'pj_action_dispatch_retries_total',
  help: 'Dispatch attempts that were scheduled for another try, by kind',
  labelNames: ['kind'] as const,
  registers: [registry],
});

export const dispatchDuration = new Histogram({
  name: 'pj_action_dispatch_duration_seconds',
  help: 'Time spent in one dispatch attempt, by kind and outcome',
  labelNames: ['kind', 'outcome'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const actionFailures = new Counter({
  name: 'pj_action_failures_total',
  help: 'Actions that ended failed or denied, by kind and a bounded reason code (http_422, network, max_attempts, denied_test_mode…)',
  labelNames: ['kind', 'reason'] as const,
  registers: [registry],
});

