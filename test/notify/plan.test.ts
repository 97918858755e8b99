// The notification planner: one event in, the outbox actions that tell people out.
import { describe, expect, it } from 'vitest';
import { decideStep, startChain, type Chain } from '../../src/approvals/chain.js';
import {
  planActionRecovered,
  dueEscalations,
  escalationEvents,
  escalationHours,
  planNotifications,
  type EmailNotifyPayload,
  type NotifyPack,
  type NotifyProposal,
  type PagerDutyNotifyPayload,
  type ReviewRequestPayload,
  type SlackNotifyPayload,
  type WebhookNotifyPayload,
} from '../../src/usecases/notify-plan.js';
import { DEFAULT_APPROVAL_OPTIONS, templateForPacks } from '../../src/approvals/template.js';
import { Pack, type PackInput } from '../../src/packs/schema.js';
import type { NotifyEvent } from '../../src/report/notifications.js';

const t0 = new Date('2026-03-01T10:00:00Z');
const hours = (h: number) => new Date(t0.getTime() + h * 3_600_000);
const subject = { repo: 'acme/payments-api', prNumber: 7, headSha: 'abc1234', prTitle: 'Drop the v1 refund field' };

function notifyPack(over: Partial<PackInput> = {}): NotifyPack {
  const pack = Pack.parse({
    id: 'payments-api',
    name: 'Payments',
    scope: { type: 'workspace' },
    approvalTiers: {
      lead: { name: 'Team Lead', users: ['alice'], teams: ['acme/team-leads'], requiredFor: ['high'] },
      director: { name: 'Director', teams: ['acme/directors', 'other-org/execs'], requiredFor: ['high'], emails: ['directors@example.com'], slackChannel: '#directors' },
      cto: { name: 'CTO', users: ['cto', 'author'], requiredFor: ['high'], escalateAfterHours: 8 },
    },
    routing: {
      slackChannel: '#payments',
      emailList: ['team@example.com', 'Team@Example.com'],
      pagerDuty: { routingKeyEnv: 'PJ_SECRET_PD' },
      webhooks: [{ name: 'ops', url: 'https://hooks.example.com/pj', secretEnv: 'PJ_SECRET_HOOK' }],
    },
    ...over,
  });
  return { id: pack.id, versionHash: 'v1', routing: pack.routing, testMode: pack.testMode, approvalTiers: pack.approvalTiers };
}

function chainFor(packs: NotifyPack[]): Chain {
  const required = templateForPacks(packs.map((p) => ({ ...p, approvalOptions: DEFAULT_APPROVAL_OPTIONS })), 'high');
  return startChain({ repo: subject.repo, number: 7, headSha: 'abc1234', author: { login: 'author' } }, 'high', required, t0).chain;
}

function plan(event: NotifyEvent, packs: NotifyPack[] = [notifyPack()]): NotifyProposal[] {
  return planNotifications({ installationId: 1, subject, event, packs });
}
const byKind = (ps: NotifyProposal[], kind: string) => ps.filter((p) => p.kind === kind);

describe('planNotifications', () => {
  it('a blocking PR: one chain message in Slack, one mail per address, one webhook, a review request to step 1 — and no PagerDuty', () => {
    const chain = chainFor([notifyPack()]);
    const ps = plan({ name: 'contracts.blocked', at: t0.toISOString(), chain, findings: { title: '2 breaking changes', total: 2 } });
    expect(ps.map((p) => `${p.kind} ${p.idempotencyKey}`).sort()).toEqual([
      'notify.email contracts.blocked:acme/payments-api#7@abc1234:email:team@example.com',
      'notify.slack slack:#payments:acme/payments-api#7@abc1234',
      'notify.webhook contracts.blocked:acme/payments-api#7@abc1234:webhook:ops',
      'review_request.sync review_request:acme/payments-api#7',
    ]);
    const slack = byKind(ps, 'notify.slack')[0]!.payload as SlackNotifyPayload;
    expect(slack).toMatchObject({ target: '#payments', chainMessage: true });
    expect(slack.text).toBe('acme/payments-api#7 high changes: waiting for Team Lead (step 1 of 3)');
    expect(JSON.stringify(slack.blocks)).toContain('<https://github.com/acme/payments-api/pull/7|acme/payments-api#7>');
    expect(JSON.stringify(slack.blocks)).toContain('Contracts: 2 breaking changes');
    const review = byKind(ps, 'review_request.sync')[0]!.payload as ReviewRequestPayload;
    expect(review).toEqual({ repo: 'acme/payments-api', prNumber: 7, reviewers: ['alice'], teamReviewers: ['team-leads'], withdrawReviewers: [], withdrawTeamReviewers: [], asOf: t0.toISOString() });
    const hook = byKind(ps, 'notify.webhook')[0]!.payload as WebhookNotifyPayload;
    expect(hook).toMatchObject({ target: 'ops', event: 'contracts.blocked', body: { findings: { title: '2 breaking changes' }, chain: { key: 'acme/payments-api#7@abc1234', severity: 'high' } } });
    expect((hook.body as { chain: { steps: unknown[] } }).chain.steps[1]).toEqual({ id: '1.director', group: 1, tier: 'director', name: 'Director', asked: '@acme/directors, @other-org/execs' });
    expect(ps.every((p) => p.origin.packId === 'payments-api' && p.origin.valid && p.subject.prNumber === 7)).toBe(true);
  });

  it('step 2 becomes active: its tier is told by mail and in its own channel, the chain message moves, reviews move from step 1 to step 2', () => {
    const pack = notifyPack();
    const { chain, events } = decideStep(chainFor([pack]), { kind: 'approve', stepId: '0.lead', actor: 'alice', source: { kind: 'comment', id: '501' } }, hours(1));
    expect(events.map((e) => e.type)).toEqual(['step_approved', 'group_activated']);
    const approved = plan({ name: 'step.approved', at: hours(1).toISOString(), chain, stepId: '0.lead', actor: 'alice' });
    expect(approved.map((p) => p.idempotencyKey)).toContain('step.approved:acme/payments-api#7@abc1234:0.lead:comment-501:slack:#payments');
    const reply = approved.find((p) => p.idempotencyKey.endsWith(':slack:#payments'))!.payload as SlackNotifyPayload;
    expect(reply).toEqual({ target: '#payments', text: 'Team Lead approved by @alice on acme/payments-api#7', threadKey: 'slack:#payments:acme/payments-api#7@abc1234' });

    const ps = plan({ name: 'step.activated', at: hours(1).toISOString(), chain, stepId: '1.director' });
    const mails = byKind(ps, 'notify.email').map((p) => p.payload as EmailNotifyPayload);
    expect(mails.map((m) => m.to)).toEqual(['directors@example.com']); // step.activated is not in the list's default set
    expect(mails[0]!.subject).toBe('@acme/directors, @other-org/execs: your approval is needed on acme/payments-api#7 (step 2 of 3)');
    expect(mails[0]!.text).toContain('https://github.com/acme/payments-api/pull/7');
    expect(mails[0]!.html).toContain('<a href="https://github.com/acme/payments-api/pull/7">');
    expect(mails[0]!.thread).toBe('acme/payments-api#7@abc1234');
    const tierSlack = ps.find((p) => p.idempotencyKey.endsWith(':slack:#directors'))!.payload as SlackNotifyPayload;
    expect(tierSlack.text).toMatch(/your approval is needed/);
    const chainMessage = ps.find((p) => p.idempotencyKey === 'slack:#payments:acme/payments-api#7@abc1234')!.payload as SlackNotifyPayload;
    expect(chainMessage.text).toBe('acme/payments-api#7 high changes: waiting for Director (step 2 of 3)');
    expect(JSON.stringify(chainMessage.blocks)).toContain('Team Lead: approved by @alice');
    // The other org's team cannot be requested on this repo; alice and team-leads are withdrawn.
    expect(byKind(ps, 'review_request.sync')[0]!.payload).toEqual({
      repo: 'acme/payments-api', prNumber: 7, reviewers: [], teamReviewers: ['directors'], withdrawReviewers: ['alice'], withdrawTeamReviewers: ['team-leads'], asOf: hours(1).toISOString(),
    });
  });

  it('the PR author is never asked for review, even when listed in a tier', () => {
    let chain = chainFor([notifyPack()]);
    chain = decideStep(chain, { kind: 'approve', stepId: '0.lead', actor: 'alice', source: { kind: 'comment', id: '1' } }, hours(1)).chain;
    chain = decideStep(chain, { kind: 'approve', stepId: '1.director', actor: 'dana', source: { kind: 'review', id: '2' } }, hours(2)).chain;
    const ps = plan({ name: 'step.activated', at: hours(2).toISOString(), chain, stepId: '2.cto' });
    expect((byKind(ps, 'review_request.sync')[0]!.payload as ReviewRequestPayload).reviewers).toEqual(['cto']);
  });

  it('planning the same event twice gives the same keys and payloads (a redelivery is a no-op in the outbox)', () => {
    const chain = chainFor([notifyPack()]);
    const event: NotifyEvent = { name: 'contracts.blocked', at: t0.toISOString(), chain, findings: { title: '1 breaking change', total: 1 } };
    const later = { ...event, at: hours(5).toISOString() };
    expect(plan(later)).toEqual(plan(event));
    // A re-evaluation of the same commit after step 1 was approved: the mail and the webhook
    // are the same revision (not sent again); only the chain's Slack message has moved on.
    const moved = decideStep(chain, { kind: 'approve', stepId: '0.lead', actor: 'alice', source: { kind: 'comment', id: '1' } }, hours(1)).chain;
    const first = plan(event);
    const again = plan({ ...event, chain: moved, at: hours(6).toISOString() });
    expect(again.map((p) => p.idempotencyKey)).toEqual(first.map((p) => p.idempotencyKey));
    const changed = again.filter((p, i) => JSON.stringify(p.payload) !== JSON.stringify(first[i]!.payload)).map((p) => p.idempotencyKey);
    expect(changed).toEqual(['slack:#payments:acme/payments-api#7@abc1234', 'review_request:acme/payments-api#7']);
  });

  it("each channel's events filter applies; an empty list mutes it", () => {
    const pack = notifyPack({
      routing: {
        slackChannel: '#payments',
        slackEvents: ['chain.completed'],
        emailList: ['team@example.com'],
        emailEvents: [],
        webhooks: [{ url: 'https://hooks.example.com/pj', secretEnv: 'PJ_SECRET_HOOK', events: ['step.rejected'] }],
        reviewRequests: false,
      },
    });
    const chain = chainFor([pack]);
    expect(plan({ name: 'contracts.blocked', at: t0.toISOString(), chain }, [pack])).toEqual([]);
    const rejected = decideStep(chain, { kind: 'reject', stepId: '0.lead', actor: 'alice', source: { kind: 'comment', id: '9' }, reason: 'not now' }, hours(1)).chain;
    const ps = plan({ name: 'step.rejected', at: hours(1).toISOString(), chain: rejected, stepId: '0.lead', actor: 'alice', reason: 'not now' }, [pack]);
    expect(ps.map((p) => p.idempotencyKey)).toEqual(['step.rejected:acme/payments-api#7@abc1234:0.lead:comment-9:webhook:https://hooks.example.com/pj']);
    expect((ps[0]!.payload as WebhookNotifyPayload).target).toBe('https://hooks.example.com/pj');
  });

  it('a test-mode pack sends nothing, unless testMode.notify: then every message says [test mode] and no review is requested', () => {
    const silent = notifyPack({ testMode: { enabled: true } });
    const chain = chainFor([silent]);
    const event: NotifyEvent = { name: 'contracts.blocked', at: t0.toISOString(), chain };
    expect(plan(event, [silent])).toEqual([]);

    const loud = notifyPack({ testMode: { enabled: true, notify: true } });
    const ps = plan({ ...event, chain: chainFor([loud]) }, [loud]);
    expect(ps.length).toBeGreaterThan(0);
    expect(byKind(ps, 'review_request.sync')).toEqual([]);
    for (const p of ps) {
      expect(p.origin).toMatchObject({ testMode: true, testModeNotify: true });
      const payload = p.payload as Partial<SlackNotifyPayload & EmailNotifyPayload & WebhookNotifyPayload>;
      if (p.kind === 'notify.slack') expect(payload.text).toMatch(/^\[test mode\] /);
      if (p.kind === 'notify.email') expect([payload.subject, payload.text?.split('\n')[0]]).toEqual([expect.stringMatching(/^\[test mode\] /), expect.stringMatching(/^\[test mode\] /)]);
      if (p.kind === 'notify.webhook') expect(payload.body).toMatchObject({ testMode: true });
    }
  });

  it('two packs on one channel share one chain message', () => {
    const a = notifyPack();
    const b = { ...notifyPack(), id: 'checkout' };
    const ps = plan({ name: 'contracts.blocked', at: t0.toISOString(), chain: chainFor([a, b]) }, [a, b]);
    expect(ps.filter((p) => p.idempotencyKey.startsWith('slack:#payments:'))).toHaveLength(1);
  });

  it('PagerDuty: an escalation triggers an incident per chain; the chain completing resolves it', () => {
    const chain = chainFor([notifyPack()]);
    const [esc] = escalationEvents(chain, hours(25), [notifyPack()]);
    const trigger = byKind(plan(esc!), 'notify.pagerduty')[0]!;
    expect(trigger.idempotencyKey).toBe(`step.escalated:acme/payments-api#7@abc1234:0.lead:${t0.toISOString()}:day0:pagerduty:PJ_SECRET_PD`);
    expect(trigger.payload).toMatchObject({ eventAction: 'trigger', dedupKey: 'pj:chain:acme/payments-api#7@abc1234', severity: 'error', routingKeyEnv: 'PJ_SECRET_PD' });
    expect((trigger.payload as PagerDutyNotifyPayload).summary).toMatch(/^Escalation: Team Lead \(@alice, @acme\/team-leads\) has not acted on acme\/payments-api#7 for 24 h/);

    let done = chain;
    for (const [i, [stepId, actor]] of [['0.lead', 'alice'], ['1.director', 'dana'], ['2.cto', 'cto']].entries()) {
      done = decideStep(done, { kind: 'approve', stepId: stepId!, actor: actor!, source: { kind: 'review', id: String(i) } }, hours(26 + i)).chain;
    }
    const resolve = byKind(plan({ name: 'chain.completed', at: hours(28).toISOString(), chain: done }), 'notify.pagerduty')[0]!;
    expect(resolve.payload).toMatchObject({ eventAction: 'resolve', dedupKey: 'pj:chain:acme/payments-api#7@abc1234' });
  });

  it('action.failed goes to PagerDuty (dedup by the action) and webhooks, not to Slack by default', () => {
    const ps = plan({ name: 'action.failed', at: t0.toISOString(), action: { id: 42, kind: 'check_run.upsert', idempotencyKey: 'check:acme/payments-api@abc', attempts: 6, error: 'HTTP 502: Bad Gateway' } });
    expect(ps.map((p) => p.kind).sort()).toEqual(['notify.pagerduty', 'notify.webhook']);
    expect(byKind(ps, 'notify.pagerduty')[0]!.payload).toMatchObject({ eventAction: 'trigger', dedupKey: 'pj:action:check:acme/payments-api@abc', customDetails: { error: 'HTTP 502: Bad Gateway' } });
  });
});

describe('planNotifications: other shapes', () => {
  it('a block without an approval chain is a plain Slack message and mail; no review is requested', () => {
    const ps = plan({ name: 'contracts.blocked', at: t0.toISOString(), findings: { title: '1 problem', total: 1 } });
    expect(ps.map((p) => p.kind).sort()).toEqual(['notify.email', 'notify.slack', 'notify.webhook']);
    expect(byKind(ps, 'notify.slack')[0]!.payload).toEqual({ target: '#payments', text: 'Contracts check blocks acme/payments-api#7: 1 problem' });
  });

  it('a superseded chain: its message says so, a thread reply, and its PagerDuty incident resolves', () => {
    const chain = chainFor([notifyPack()]);
    const ps = plan({ name: 'chain.superseded', at: hours(2).toISOString(), chain, newHeadSha: 'def5678aaaa' });
    const message = ps.find((p) => p.idempotencyKey === 'slack:#payments:acme/payments-api#7@abc1234')!.payload as SlackNotifyPayload;
    expect(message.text).toBe('acme/payments-api#7 high changes: superseded by a newer commit');
    expect(ps.find((p) => p.idempotencyKey === 'chain.superseded:acme/payments-api#7@abc1234:slack:#payments')!.payload).toMatchObject({
      text: 'Approvals on acme/payments-api#7 restarted for a new commit (def5678)',
      threadKey: 'slack:#payments:acme/payments-api#7@abc1234',
    });
    expect(byKind(ps, 'notify.pagerduty')[0]!.payload).toMatchObject({ eventAction: 'resolve', dedupKey: 'pj:chain:acme/payments-api#7@abc1234' });
    expect(byKind(ps, 'review_request.sync')).toEqual([]);
  });

  it('a failed action that later went out resolves its PagerDuty incident', () => {
    const ps = planActionRecovered({ installationId: 1, subject, action: { id: 42, kind: 'check_run.upsert', idempotencyKey: 'check:x' }, packs: [notifyPack()] });
    expect(ps).toEqual([expect.objectContaining({ kind: 'notify.pagerduty', idempotencyKey: 'action.recovered:42:pagerduty:PJ_SECRET_PD', payload: expect.objectContaining({ eventAction: 'resolve', dedupKey: 'pj:action:check:x' }) })]);
    const quiet = notifyPack({ routing: { pagerDuty: { routingKeyEnv: 'PJ_SECRET_PD', events: ['step.escalated'] } } });
    expect(planActionRecovered({ installationId: 1, subject, action: { id: 42, kind: 'x', idempotencyKey: 'k' }, packs: [quiet] })).toEqual([]);
  });
});

describe('escalation', () => {
  it('an active step is due after its tier hours (default 24), then at most once a day', () => {
    const chain = chainFor([notifyPack()]);
    const tiers = escalationHours(chain, [notifyPack()]);
    expect(tiers).toEqual({ lead: 24, director: 24, cto: 8 });
    expect(dueEscalations(chain, hours(23.9), tiers)).toEqual([]);
    expect(dueEscalations(chain, hours(24.5), tiers)).toEqual([{ stepId: '0.lead', tierId: 'lead', day: 0, waitedHours: 24.5, dueAt: hours(24).toISOString() }]);
    const key = (h: number) => byKind(plan(escalationEvents(chain, hours(h), [notifyPack()])[0]!), 'notify.webhook')[0]!.idempotencyKey;
    const payloadAt = (h: number) => plan(escalationEvents(chain, hours(h), [notifyPack()])[0]!);
    expect(payloadAt(30)).toEqual(payloadAt(47.9)); // the same day: same keys and payloads, the outbox sends it once
    expect(key(48.1)).not.toBe(key(47.9));
    expect(key(48.1)).toContain(':day1:');
  });

  it('a tier with escalateAfterHours 8 escalates sooner; 0 never; decided and waiting steps never', () => {
    let chain = chainFor([notifyPack()]);
    chain = decideStep(chain, { kind: 'approve', stepId: '0.lead', actor: 'alice', source: { kind: 'comment', id: '1' } }, hours(1)).chain;
    chain = decideStep(chain, { kind: 'approve', stepId: '1.director', actor: 'dana', source: { kind: 'comment', id: '2' } }, hours(2)).chain;
    expect(dueEscalations(chain, hours(10.5), { lead: 24, director: 24, cto: 8 }).map((d) => d.stepId)).toEqual(['2.cto']);
    expect(dueEscalations(chain, hours(100), { cto: 0 })).toEqual([]);
    const rejected = decideStep(chain, { kind: 'reject', stepId: '2.cto', actor: 'cto', source: { kind: 'comment', id: '3' } }, hours(3)).chain;
    expect(dueEscalations(rejected, hours(100), {})).toEqual([]);
  });
});
