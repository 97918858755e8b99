// The notification use case (src/usecases/notify.ts) against the real store and outbox: what a
// delivery collects is planned in order and once, the escalation sweep with a fake clock, the
// outcome hooks of the outbox (action.failed, recovery) and that none of it can fail a decision.
import { describe, expect, it } from 'vitest';
import { decideStep, startChain, type Chain } from '../../src/approvals/chain.js';
import { DEFAULT_APPROVAL_OPTIONS, templateForPacks } from '../../src/approvals/template.js';
import type { ContractsEvaluation } from '../../src/contracts/evaluate.js';
import type { ActionProposal } from '../../src/governance/action.js';
import { AuditLog } from '../../src/governance/audit.js';
import { ActionOutbox } from '../../src/governance/pipeline.js';
import { LocalPolicyProvider } from '../../src/governance/policy-provider.js';
import { DispatcherRegistry } from '../../src/governance/registry.js';
import { DispatchError } from '../../src/governance/retry.js';
import { Pack } from '../../src/packs/schema.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { sqlChainRepository } from '../../src/store/chains.js';
import type { Db } from '../../src/store/database.js';
import { sqlEvaluationRepository } from '../../src/store/evaluations.js';
import { sqlNotificationQueries } from '../../src/store/notifications.js';
import type { NotifyPack } from '../../src/usecases/notify-plan.js';
import { DeliveryNotifications, notifyActionFailed, notifyActionRecovered, notifyEventsOf, sweepEscalations, type NotifyDeps } from '../../src/usecases/notify.js';
import { Clock, silentLog } from '../governance/helpers.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';

const HOUR = 3_600_000;
const REPO = 'acme/payments-api';
const HEAD = 'a'.repeat(40);

const parsed = Pack.parse({
  id: 'payments-api',
  name: 'Payments',
  scope: { type: 'workspace' },
  approvalTiers: {
    lead: { name: 'Team Lead', teams: ['acme/team-leads'], requiredFor: ['high'], escalateAfterHours: 4 },
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

function evaluation(headSha = HEAD): ContractsEvaluation {
  const finding = { severity: 'high', level: 'ERR', comparator: 'openapi.diff', ruleId: 'response-property-removed' };
  return {
    repo: REPO,
    baseSha: 'b'.repeat(40),
    headSha,
    packs: [
      {
        packId: 'payments-api', name: 'Payments', file: 'policy-packs/payments.yml', versionHash: 'v1', mode: 'block', testMode: false,
        findings: [finding], blockAt: 'high', gated: [finding], wouldBlock: true, blocks: true, highestSeverity: 'high',
      },
    ],
    invalidPacks: [],
    highestSeverity: 'high',
    blocks: true,
    notes: [],
  } as unknown as ContractsEvaluation;
}

interface Setup {
  db: Db;
  clock: Clock;
  deps: NotifyDeps;
  proposed: ActionProposal[];
  chain(): Promise<Chain>;
}

async function setup(options: { packs?: () => Promise<ReadonlyMap<string, NotifyPack>> } = {}): Promise<Setup> {
  const db = await openMemoryDatabase();
  const clock = new Clock('2026-03-02T09:00:00.000Z');
  const audit = new AuditLog(sqlAuditEvents(db), { now: clock.now });
  // Real rows, no dispatch: what was proposed, and what the outbox keeps as one effect.
  const outbox = new ActionOutbox({ db, registry: new DispatcherRegistry(), policy: new LocalPolicyProvider(audit), now: clock.now, log: silentLog });
  const proposed: ActionProposal[] = [];
  const chains = sqlChainRepository(db);
  const deps: NotifyDeps = {
    outbox: { propose: async (p) => (proposed.push(p), outbox.propose(p)) },
    queries: sqlNotificationQueries(db),
    chains,
    evaluations: sqlEvaluationRepository(db),
    packs: options.packs ?? (async () => new Map([[PACK.id, PACK]])),
    now: clock.now,
    log: silentLog,
  };
  const chain = async () => {
    const { template, options: o } = templateForPacks([{ ...parsed, approvalOptions: DEFAULT_APPROVAL_OPTIONS }], 'high');
    const started = startChain({ repo: REPO, number: 7, headSha: HEAD, author: { login: 'author' } }, 'high', { template, options: o }, clock.now());
    await chains.insert(started.chain, { templateHash: 't', headSha: HEAD, base: 'main', findings: '' });
    await sqlEvaluationRepository(db).save(1, 7, evaluation(), { withApprovalsCheck: true, mode: 'gate', base: 'main' }, clock.now());
    return started.chain;
  };
  return { db, clock, deps, proposed, chain };
}

const keys = (proposed: ActionProposal[]) => proposed.map((p) => p.idempotencyKey);

describe('notification events of a chain transition', () => {
  it('group_activated is one step.activated per step; decisions and completion map by name; chain_started alone says nothing', () => {
    const chain = { key: 'k' } as Chain;
    const events = notifyEventsOf(chain, [
      { type: 'chain_started', chainKey: 'k', steps: 3, at: 't0' },
      { type: 'group_activated', chainKey: 'k', group: 1, stepIds: ['1.a', '1.b'], at: 't1' },
      { type: 'step_approved', chainKey: 'k', stepId: '0.x', tierId: 'x', tierName: 'X', actor: 'lena', source: { kind: 'comment', id: '1' }, at: 't2' },
      { type: 'step_rejected', chainKey: 'k', stepId: '1.a', tierId: 'a', tierName: 'A', actor: 'dana', source: { kind: 'review', id: '2' }, reason: 'no', at: 't3' },
      { type: 'chain_rejected', chainKey: 'k', stepId: '1.a', actor: 'dana', at: 't3' },
      { type: 'step_retracted', chainKey: 'k', stepId: '0.x', tierId: 'x', tierName: 'X', actor: 'lena', cascade: false, at: 't4' },
      { type: 'chain_approved', chainKey: 'k', at: 't5' },
    ]);
    expect(events.map((e) => [e.name, e.stepId ?? null, e.actor ?? null])).toEqual([
      ['step.activated', '1.a', null],
      ['step.activated', '1.b', null],
      ['step.approved', '0.x', 'lena'],
      ['step.rejected', '1.a', 'dana'],
      ['step.retracted', '0.x', 'lena'],
      ['chain.completed', null, null],
    ]);
    expect(events[3]!.reason).toBe('no');
  });
});

describe('DeliveryNotifications', () => {
  it('plans nothing until flushed, then in order: the old chain superseded before the new chain is announced', async () => {
    const s = await setup();
    const old = await s.chain();
    const notes = new DeliveryNotifications(s.deps, 1);
    const next = { ...old, key: `${REPO}#7@${'c'.repeat(40)}`, headSha: 'c'.repeat(40) };
    notes.superseded(old, { kind: 'evaluation', headSha: 'c'.repeat(40) });
    notes.chainEvents(next, [{ type: 'group_activated', chainKey: next.key, group: 0, stepIds: ['0.lead'], at: s.clock.now().toISOString() }]);
    expect(s.proposed).toEqual([]);
    await notes.flush();
    const superseded = keys(s.proposed).findIndex((k) => k.startsWith('chain.superseded:'));
    const activated = keys(s.proposed).findIndex((k) => k.startsWith('step.activated:'));
    expect(superseded).toBeGreaterThanOrEqual(0);
    expect(activated).toBeGreaterThan(superseded);
    // The old chain's incident is resolved and its message says it was replaced.
    const pd = s.proposed.find((p) => p.kind === 'notify.pagerduty')!;
    expect(pd.payload).toMatchObject({ eventAction: 'resolve', dedupKey: `pj:chain:${old.key}` });
    const webhook = s.proposed.find((p) => p.idempotencyKey.startsWith('chain.superseded:') && p.kind === 'notify.webhook')!;
    expect(JSON.stringify(webhook.payload)).toContain('cccccc');
    // Flushing again proposes nothing: the buffer is empty.
    const n = s.proposed.length;
    expect(await notes.flush()).toBe(0);
    expect(s.proposed).toHaveLength(n);
  });

  it('contracts.blocked is news once per chain: a re-evaluation of the same head plans nothing again', async () => {
    const s = await setup();
    const chain = await s.chain();
    const first = new DeliveryNotifications(s.deps, 1);
    first.chainEvents(chain, [{ type: 'chain_started', chainKey: chain.key, steps: 2, at: chain.createdAt }]);
    first.evaluated({ repo: REPO, number: 7, headSha: HEAD }, chain);
    await first.flush();
    expect(keys(s.proposed).filter((k) => k.startsWith('contracts.blocked:')).length).toBeGreaterThan(0);
    const mail = s.proposed.find((p) => p.kind === 'notify.email')!;
    expect(mail.payload).toMatchObject({ to: 'team@example.com', subject: `Contracts check blocks ${REPO}#7: 1 breaking change` });

    s.proposed.length = 0;
    const again = new DeliveryNotifications(s.deps, 1);
    again.evaluated({ repo: REPO, number: 7, headSha: HEAD }, chain);
    await again.flush();
    expect(s.proposed).toEqual([]);
  });

  it('an event planned again with a newer chain does not send a second mail or webhook', async () => {
    const s = await setup();
    const chain = await s.chain();
    const at = s.clock.now().toISOString();
    const notes = new DeliveryNotifications(s.deps, 1);
    notes.chainEvents(chain, [{ type: 'group_activated', chainKey: chain.key, group: 0, stepIds: ['0.lead'], at }]);
    await notes.flush();
    const webhooks = s.proposed.filter((p) => p.kind === 'notify.webhook').length;
    // The same activation reported with the chain as it is after the lead approved (a replay).
    const moved = decideStep(chain, { kind: 'approve', stepId: '0.lead', actor: 'lena', source: { kind: 'comment', id: '1' } }, new Date(Date.parse(at) + HOUR)).chain;
    const replay = new DeliveryNotifications(s.deps, 1);
    replay.chainEvents({ ...moved, steps: moved.steps.map((st) => (st.id === '0.lead' ? { ...chain.steps[0]! } : st)) }, [{ type: 'group_activated', chainKey: chain.key, group: 0, stepIds: ['0.lead'], at }]);
    await replay.flush();
    expect(s.proposed.filter((p) => p.kind === 'notify.webhook')).toHaveLength(webhooks);
    const rows = await s.db.selectFrom('actions').select(['idempotency_key', 'revision']).where('kind', '=', 'notify.webhook').execute();
    expect(rows.every((r) => r.revision === 1)).toBe(true);
  });

  it('a planning failure (the packs cannot be read) is logged and never thrown into the decision', async () => {
    const warnings: unknown[] = [];
    const s = await setup({ packs: async () => Promise.reject(new Error('GitHub is down')) });
    const chain = await s.chain();
    const notes = new DeliveryNotifications({ ...s.deps, log: { warn: (o) => warnings.push(o) } }, 1);
    notes.chainEvents(chain, [{ type: 'group_activated', chainKey: chain.key, group: 0, stepIds: ['0.lead'], at: chain.createdAt }]);
    await expect(notes.flush()).resolves.toBe(0);
    expect(warnings).toHaveLength(1);
  });
});

describe('escalation sweep (fake clock)', () => {
  let asked = 0;
  const open = (s: Setup, isOpen = true) => ({ ...s.deps, isOpen: async () => (asked++, isOpen) });

  it("escalates a step after its tier's escalateAfterHours, once a day however often it runs", async () => {
    const s = await setup();
    await s.chain();
    const escalations = () => keys(s.proposed).filter((k) => k.startsWith('step.escalated:') && k.includes(':pagerduty:'));

    s.clock.advance(3 * HOUR);
    await sweepEscalations(open(s), s.clock.now());
    expect(escalations()).toEqual([]);

    s.clock.advance(2 * HOUR); // 5 h: past the lead tier's 4 h
    for (let i = 0; i < 3; i++) {
      await sweepEscalations(open(s), s.clock.now());
      s.clock.advance(60_000);
    }
    expect(escalations()).toHaveLength(1);
    expect(s.proposed.find((p) => p.kind === 'notify.pagerduty')!.payload).toMatchObject({ eventAction: 'trigger', dedupKey: `pj:chain:${REPO}#7@${HEAD}` });

    s.clock.advance(24 * HOUR); // the next day: once more
    await sweepEscalations(open(s), s.clock.now());
    await sweepEscalations(open(s), s.clock.now());
    expect(escalations()).toHaveLength(2);
    expect(escalations()[1]).toContain(':day1:');
  });

  it('asks whether the PR is open only when an escalation is due, and pages nobody about a closed PR', async () => {
    const s = await setup();
    await s.chain();
    asked = 0;
    await sweepEscalations(open(s, false), s.clock.now());
    expect(asked).toBe(0); // nothing due yet: no GitHub read
    s.clock.advance(30 * HOUR);
    await sweepEscalations(open(s, false), s.clock.now());
    expect(asked).toBe(1);
    expect(s.proposed).toEqual([]);
  });

  it('leaves a superseded chain alone', async () => {
    const s = await setup();
    const chain = await s.chain();
    const stored = (await sqlChainRepository(s.db).byKey(chain.key))!;
    await sqlChainRepository(s.db).supersede(stored, s.clock.now(), 'newer_head');
    s.clock.advance(48 * HOUR);
    expect(await sweepEscalations(open(s), s.clock.now())).toEqual({ chains: 0, proposed: 0 });
  });
});

describe('outcomes of actions', () => {
  const failed = (over: Record<string, unknown> = {}) =>
    ({
      id: 41, installationId: 1, kind: 'check_run.upsert', idempotencyKey: `check:${REPO}@${HEAD}:PuddleJumper / contracts`, revision: 1,
      subject: { repo: REPO, prNumber: 7, headSha: HEAD }, status: 'failed', attempts: 6, lastError: 'HTTP 502', reason: 'gave up after 6 attempts: HTTP 502',
      packId: null, origin: null, updatedAt: '2026-03-02T10:00:00.000Z', ...over,
    }) as never;

  it('action.failed goes to the packs governing the PR head; a failed failure notice is not reported again', async () => {
    const s = await setup();
    await s.chain();
    await notifyActionFailed(s.deps, failed());
    const pd = s.proposed.find((p) => p.kind === 'notify.pagerduty')!;
    expect(pd.payload).toMatchObject({ eventAction: 'trigger', dedupKey: `pj:action:check:${REPO}@${HEAD}:PuddleJumper / contracts` });
    expect(keys(s.proposed).every((k) => k.startsWith('action.failed:41:'))).toBe(true);

    s.proposed.length = 0;
    await notifyActionFailed(s.deps, failed({ id: 42, kind: 'notify.webhook', idempotencyKey: 'action.failed:41:webhook:audit', packId: 'payments-api' }));
    expect(s.proposed).toEqual([]);
  });

  it('a later revision that goes out resolves the incident of the failed one; a first revision resolves nothing', async () => {
    const s = await setup();
    await s.chain();
    expect(await notifyActionRecovered(s.deps, failed({ id: 50, status: 'dispatched', revision: 1 }))).toBe(0);
    const key = `check:${REPO}@${HEAD}:PuddleJumper / contracts`;
    await s.db.insertInto('actions').values({
      installation_id: 1, kind: 'check_run.upsert', idempotency_key: key, revision: 1, payload_hash: 'h', repo: REPO, pr_number: 7, head_sha: HEAD,
      payload: '{}', status: 'failed', attempts: 6, created_at: 'x', updated_at: 'x',
    }).execute();
    await notifyActionRecovered(s.deps, failed({ id: 51, status: 'dispatched', revision: 2 }));
    expect(s.proposed.map((p) => [p.kind, (p.payload as { eventAction: string; dedupKey: string }).eventAction, (p.payload as { dedupKey: string }).dedupKey])).toEqual([
      ['notify.pagerduty', 'resolve', `pj:action:${key}`],
    ]);
  });

  it('the outbox tells its hooks about a permanent failure and a dispatch; a hook that throws changes nothing', async () => {
    const db = await openMemoryDatabase();
    const clock = new Clock();
    const registry = new DispatcherRegistry();
    registry.register(
      {
        kind: 'test.effect',
        dispatch: async ({ payload }) => {
          if ((payload as { fail: boolean }).fail) throw new DispatchError('HTTP 404 Not Found', { status: 404, retryable: false });
          return { ok: true };
        },
      },
      { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1 },
    );
    const told: string[] = [];
    const outbox = new ActionOutbox({
      db, registry, policy: new LocalPolicyProvider(new AuditLog(sqlAuditEvents(db), { now: clock.now })), now: clock.now, log: silentLog,
      hooks: {
        failed: async (a) => {
          told.push(`failed ${a.idempotencyKey} ${a.lastError}`);
          throw new Error('the hook broke');
        },
        dispatched: async (a) => void told.push(`dispatched ${a.idempotencyKey}`),
      },
    });
    const bad = await outbox.propose({ installationId: 1, kind: 'test.effect', idempotencyKey: 'k1', subject: { repo: REPO }, payload: { fail: true } });
    const good = await outbox.propose({ installationId: 1, kind: 'test.effect', idempotencyKey: 'k2', subject: { repo: REPO }, payload: { fail: false } });
    await outbox.runUntilIdle({ sleep: clock.sleep });
    expect(told).toEqual(['failed k1 HTTP 404: HTTP 404 Not Found', 'dispatched k2']);
    expect((await outbox.get(bad.id))!.status).toBe('failed');
    expect((await outbox.get(good.id))!.status).toBe('dispatched');
  });
});
