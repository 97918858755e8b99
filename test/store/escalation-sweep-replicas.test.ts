// Every replica runs the escalation sweep (usecases/notify.ts sweepEscalations) beside its
// worker. Two replicas sweeping the same overdue step at once both see "not proposed yet"
// (check, then propose): the step must still be escalated once — one action per
// notification, each dispatched once — whether the two sweeps run at the same instant or a
// moment apart (replicas' clocks and sweep ticks differ). Each replica here is its own
// connection pool, outbox and worker on one database. What makes it hold: a notification's
// idempotency key and payload come from the step (its activation, the escalation's day),
// never from the sweep's clock, so the outbox turns the second proposal into the first
// action (governance/pipeline.ts propose: same key, same payload hash).
import { describe, expect, it } from 'vitest';
import { startChain } from '../../src/approvals/chain.js';
import { DEFAULT_APPROVAL_OPTIONS, templateForPacks } from '../../src/approvals/template.js';
import type { ContractsEvaluation } from '../../src/contracts/evaluate.js';
import { AuditLog } from '../../src/governance/audit.js';
import { ActionOutbox } from '../../src/governance/pipeline.js';
import { LocalPolicyProvider } from '../../src/governance/policy-provider.js';
import { DispatcherRegistry } from '../../src/governance/registry.js';
import { Pack } from '../../src/packs/schema.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { sqlChainRepository } from '../../src/store/chains.js';
import type { Db } from '../../src/store/database.js';
import { sqlEvaluationRepository } from '../../src/store/evaluations.js';
import { sqlNotificationQueries } from '../../src/store/notifications.js';
import type { NotifyPack } from '../../src/usecases/notify-plan.js';
import { sweepEscalations, type SweepDeps } from '../../src/usecases/notify.js';
import { silentLog } from '../governance/helpers.js';
import { openReplicas } from '../helpers/test-db.js';

const HOUR = 3_600_000;
const REPO = 'acme/payments-api';
const HEAD = 'a'.repeat(40);
const STARTED = Date.parse('2026-03-02T09:00:00.000Z');

const parsed = Pack.parse({
  id: 'payments-api',
  name: 'Payments',
  scope: { type: 'workspace' },
  approvalTiers: {
    lead: { name: 'Team Lead', teams: ['acme/team-leads'], requiredFor: ['high'], escalateAfterHours: 4, emails: ['leads@example.com'] },
    director: { name: 'Director', users: ['dana'], requiredFor: ['high'] },
  },
  routing: {
    slackChannel: '#payments',
    emailList: ['team@example.com'],
    pagerDuty: { routingKeyEnv: 'PJ_SECRET_PD' },
    webhooks: [{ name: 'audit', url: 'https://hooks.example.com/pj', secretEnv: 'PJ_SECRET_HOOK' }],
  },
});
const PACK: NotifyPack = { id: parsed.id, versionHash: 'v1', routing: parsed.routing, testMode: parsed.testMode, approvalTiers: parsed.approvalTiers };

const evaluation = {
  repo: REPO,
  baseSha: 'b'.repeat(40),
  headSha: HEAD,
  packs: [{ packId: 'payments-api', name: 'Payments', file: 'policy-packs/payments.yml', versionHash: 'v1', mode: 'block', testMode: false, findings: [], blockAt: 'high', gated: [], wouldBlock: true, blocks: true, highestSeverity: 'high' }],
  invalidPacks: [],
  highestSeverity: 'high',
  blocks: true,
  notes: [],
} as unknown as ContractsEvaluation;

/** One replica: its own pool, audit log, outbox (dispatchers count what they send) and sweep deps. */
function replica(db: Db, now: () => Date, sent: string[], isOpen: () => Promise<boolean>) {
  const audit = new AuditLog(sqlAuditEvents(db), { now });
  const registry = new DispatcherRegistry();
  for (const kind of ['notify.email', 'notify.slack', 'notify.pagerduty', 'notify.webhook'] as const) {
    registry.register({ kind, dispatch: async ({ action }) => (sent.push(action.idempotencyKey), {}) });
  }
  const outbox = new ActionOutbox({ db, registry, policy: new LocalPolicyProvider(audit), now, log: silentLog });
  const proposals: string[] = [];
  const deps: SweepDeps = {
    outbox: { propose: async (p) => (proposals.push(p.idempotencyKey), outbox.propose(p)) },
    queries: sqlNotificationQueries(db),
    chains: sqlChainRepository(db),
    evaluations: sqlEvaluationRepository(db),
    packs: async () => new Map([[PACK.id, PACK]]),
    now,
    log: silentLog,
    isOpen,
  };
  return { outbox, deps, proposals };
}

async function overdueChain(db: Db): Promise<void> {
  const { template, options } = templateForPacks([{ ...parsed, approvalOptions: DEFAULT_APPROVAL_OPTIONS }], 'high');
  const started = startChain({ repo: REPO, number: 7, headSha: HEAD, author: { login: 'author' } }, 'high', { template, options }, new Date(STARTED));
  await sqlChainRepository(db).insert(started.chain, { templateHash: 't', headSha: HEAD, base: 'main', findings: '' });
  await sqlEvaluationRepository(db).save(1, 7, evaluation, { withApprovalsCheck: true, mode: 'gate', base: 'main' }, new Date(STARTED));
}

describe('the escalation sweep on two replicas', () => {
  for (const [name, apart] of [['at the same instant', 0], ['a second apart', 1000]] as const) {
    it(`two sweeps over one overdue step ${name} escalate it once: one action per notification, each dispatched once`, async () => {
      const [a, b] = (await openReplicas(2)) as [Db, Db];
      await overdueChain(a);
      const sent: string[] = [];
      const at = STARTED + 5 * HOUR; // past the lead tier's 4 h
      // The sweep asks whether the PR is open after it found the escalation unsent and before it
      // proposes: holding both there until both arrive makes each see "not proposed yet".
      let arrived = 0;
      let release = () => {};
      const both = new Promise<void>((r) => (release = r));
      const barrier = async () => {
        if (++arrived === 2) release();
        await both;
        return true;
      };
      const ra = replica(a, () => new Date(at), sent, barrier);
      const rb = replica(b, () => new Date(at + apart), sent, barrier);

      await Promise.all([sweepEscalations(ra.deps, new Date(at)), sweepEscalations(rb.deps, new Date(at + apart))]);
      // Both sweeps planned the escalation (the barrier) and both proposed it.
      expect(ra.proposals.length).toBeGreaterThan(0);
      expect(rb.proposals.length).toBeGreaterThan(0);
      // Both workers dispatch what is due, at once, then once more (nothing left).
      for (let i = 0; i < 2; i++) await Promise.all([ra.outbox.dispatchDue(50), rb.outbox.dispatchDue(50)]);

      const rows = await a.selectFrom('actions').select(['idempotency_key', 'revision', 'status']).where('idempotency_key', 'like', 'step.escalated:%').execute();
      const keys = new Set(rows.map((r) => r.idempotency_key));
      // The lead tier's escalation reaches each channel: the pack's four and the tier's mail.
      expect([...keys].map((k) => k.split(':').slice(-2, -1)[0]).sort()).toEqual(['email', 'email', 'pagerduty', 'slack', 'webhook']);
      expect(rows).toHaveLength(keys.size);
      expect(rows.every((r) => r.status === 'dispatched')).toBe(true);
      expect(sent.filter((k) => k.startsWith('step.escalated:')).sort()).toEqual([...keys].sort());
      await Promise.all([a.destroy(), b.destroy()]);
    });
  }
});
