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
  help: 'Dispatch attempts, by kind and outcome (dispatched, retry, failed, lost_lease, superseded; paced: waited for a GitHub write slot, sent nothing, not counted as an attempt)',
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

/** Where the audit head is read from at scrape time (the process's audit log). */
interface AuditAnchors {
  anchors(): Promise<{ head?: { sequence: number; hash: string }; checkpoint?: { sequence: number; hash: string } }>;
}
let auditSource: AuditAnchors | undefined;

/** Export the head of this audit log on /metrics (the latest call wins). */
export function exportAuditHead(source: AuditAnchors | undefined): void {
  auditSource = source;
}

async function readAnchors(): Promise<Awaited<ReturnType<AuditAnchors['anchors']>> | undefined> {
  try {
    return await auditSource?.anchors();
  } catch {
    return undefined; // the database is unreachable: keep the last values (/healthz says so)
  }
}

// Read from the database at each scrape, so every replica reports the stored head and a
// truncation shows at once as a drop in Prometheus's history, which the database cannot rewrite.
export const auditHeadSequence = new Gauge({
  name: 'pj_audit_head_sequence',
  help: 'Id of the last row of the audit hash chain, read at scrape time; it never goes down unless rows were removed',
  registers: [registry],
  async collect() {
    const anchors = await readAnchors();
    if (anchors) this.set(anchors.head?.sequence ?? 0);
  },
});

export const auditCheckpoint = new Gauge({
  name: 'pj_audit_checkpoint_info',
  help: 'The latest audit chain checkpoint (every PJ_AUDIT_CHECKPOINT_EVERY rows): its sequence and hash as labels, for `pj audit verify --expect-head SEQ:HASH`',
  labelNames: ['sequence', 'hash'] as const,
  registers: [registry],
  async collect() {
    const anchors = await readAnchors();
    if (!anchors) return;
    this.reset();
    if (anchors.checkpoint) this.set({ sequence: String(anchors.checkpoint.sequence), hash: anchors.checkpoint.hash }, 1);
  },
});
