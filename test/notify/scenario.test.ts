// The planner and the dispatchers together, through the governance pipeline, on real
// servers on 127.0.0.1 (Slack, SMTP, PagerDuty, a webhook receiver) and nock for GitHub:
// a blocking PR, the lead's approval, an escalation a day later, the director's approval —
// and every event planned again (a redelivery) sends nothing new.
// (The app wires the same planner to its webhook handlers: test/e2e/notifications.test.ts.)
import { sqlCheckRunIds } from '../../src/store/check-runs.js';
import { ActionStore } from '../../src/store/actions.js';
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { decideStep, startChain, type Chain } from '../../src/approvals/chain.js';
import { escalationEvents, planNotifications, type NotifyPack } from '../../src/usecases/notify-plan.js';
import { DEFAULT_APPROVAL_OPTIONS, templateForPacks } from '../../src/approvals/template.js';
import type { ActionRecord } from '../../src/governance/action.js';
import { createDefaultRegistry } from '../../src/governance/dispatchers/index.js';
import { Pack } from '../../src/packs/schema.js';
import type { NotifyEvent } from '../../src/report/notifications.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { Clock, harness, testOctokit } from '../governance/helpers.js';
import { fakeServer, type FakeServer } from './fake-server.js';
import { fakeSmtp, header, type FakeSmtp } from './smtp.js';

const closers: Array<FakeServer | FakeSmtp> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((s) => s.close()));
});

const subject = { repo: 'acme/payments-api', prNumber: 7, headSha: 'abc1234', prTitle: 'Drop the v1 refund field' };

describe('notifications end to end (planner -> outbox -> channels)', () => {
  it('a blocking PR, two approvals and an escalation reach each channel once', async () => {
    let ts = 0;
    const slack = await fakeServer((r) =>
      r.url === '/api/chat.update'
        ? { status: 200, body: { ok: true, channel: 'C1', ts: (JSON.parse(r.body) as { ts: string }).ts } }
        : { status: 200, body: { ok: true, channel: 'C1', ts: `1700000000.00000${++ts}` } },
    );
    const pd = await fakeServer(() => ({ status: 202, body: { status: 'success' } }));
    const receiver = await fakeServer(() => ({ status: 204 }));
    const smtp = await fakeSmtp();
    closers.push(slack, pd, receiver, smtp);

    const parsed = Pack.parse({
      id: 'payments-api',
      name: 'Payments',
      scope: { type: 'workspace' },
      approvalTiers: {
        lead: { name: 'Team Lead', teams: ['acme/team-leads'], requiredFor: ['high'] },
        director: { name: 'Director', users: ['dana'], requiredFor: ['high'], emails: ['dana@example.com'] },
      },
      routing: {
        slackChannel: '#payments',
        emailList: ['team@example.com', 'ops@example.com'],
        pagerDuty: { routingKeyEnv: 'PJ_SECRET_PD' },
        webhooks: [{ name: 'audit', url: `${receiver.url}/hook`, secretEnv: 'PJ_SECRET_HOOK' }],
      },
    });
    const pack: NotifyPack = { id: parsed.id, versionHash: 'v1', routing: parsed.routing, testMode: parsed.testMode, approvalTiers: parsed.approvalTiers };

    const clock = new Clock('2026-03-02T09:00:00.000Z');
    const db = await openMemoryDatabase();
    const registry = createDefaultRegistry({ checkRunIds: sqlCheckRunIds(db), resultOf: (key) => new ActionStore(db).resultOf(key),
      getOctokit: async () => testOctokit(),
      env: { SLACK_BOT_TOKEN: 'xoxb-t', SMTP_URL: smtp.url, PJ_MAIL_FROM: 'pj@acme.example', PJ_SECRET_PD: 'rk', PJ_SECRET_HOOK: 'hs', PJ_ALLOW_HTTP_WEBHOOKS: '1' },
      now: clock.now,
      slackApiBase: `${slack.url}/api`,
      pagerDutyEventsUrl: `${pd.url}/v2/enqueue`,
    });
    const h = await harness({ db, registry, clock });
    const planned: NotifyEvent[] = [];
    const send = async (...events: NotifyEvent[]): Promise<ActionRecord[]> => {
      const out: ActionRecord[] = [];
      for (const event of events) {
        planned.push(event);
        for (const p of planNotifications({ installationId: 1, subject, event, packs: [pack] })) out.push(await h.pipeline.propose(p));
      }
      await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
      return out;
    };

    // 1. The PR blocks; step 1 (the lead team) is asked.
    const gh = nock('https://api.github.com');
    gh.post('/repos/acme/payments-api/pulls/7/requested_reviewers', { reviewers: [], team_reviewers: ['team-leads'] }).reply(201, {});
    const required = templateForPacks([{ ...parsed, approvalOptions: DEFAULT_APPROVAL_OPTIONS }], 'high');
    let chain: Chain = startChain({ repo: subject.repo, number: 7, headSha: 'abc1234', author: { login: 'author' } }, 'high', required, clock.now()).chain;
    await send(
      { name: 'contracts.blocked', at: clock.now().toISOString(), chain, findings: { title: '1 breaking change', total: 1 } },
      { name: 'step.activated', at: clock.now().toISOString(), chain, stepId: '0.lead' },
    );
    expect(slack.received.map((r) => r.url)).toEqual(['/api/chat.postMessage']);
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(['ops@example.com', 'team@example.com']);
    expect(receiver.received.map((r) => r.headers['x-puddlejumper-event'])).toEqual(['contracts.blocked', 'step.activated']);
    expect(pd.received).toEqual([]);

    // 2. The lead approves: the Slack message moves, a thread reply, step 2 is asked (review + mail to its tier).
    clock.advance(3_600_000);
    gh.post('/repos/acme/payments-api/pulls/7/requested_reviewers', { reviewers: ['dana'], team_reviewers: [] }).reply(201, {});
    gh.delete('/repos/acme/payments-api/pulls/7/requested_reviewers', { reviewers: [], team_reviewers: ['team-leads'] }).reply(200, {});
    chain = decideStep(chain, { kind: 'approve', stepId: '0.lead', actor: 'lena', source: { kind: 'comment', id: '9001' } }, clock.now()).chain;
    await send(
      { name: 'step.approved', at: clock.now().toISOString(), chain, stepId: '0.lead', actor: 'lena' },
      { name: 'step.activated', at: clock.now().toISOString(), chain, stepId: '1.director' },
    );
    expect(slack.received.map((r) => r.url)).toEqual(['/api/chat.postMessage', '/api/chat.update', '/api/chat.postMessage']);
    expect(JSON.parse(slack.received[1]!.body)).toMatchObject({ ts: '1700000000.000001', text: expect.stringContaining('waiting for Director (step 2 of 2)') });
    expect(JSON.parse(slack.received[2]!.body)).toMatchObject({ thread_ts: '1700000000.000001', text: 'Team Lead approved by @lena on acme/payments-api#7' });
    const dana = smtp.messages.filter((m) => m.to[0] === 'dana@example.com');
    expect(dana.map((m) => header(m.raw, 'Subject'))).toEqual(['@dana: your approval is needed on acme/payments-api#7 (step 2 of 2)']);

    // 3. A day later the director has not acted: one PagerDuty trigger, however often the sweep runs.
    clock.advance(25 * 3_600_000);
    for (let sweep = 0; sweep < 3; sweep++) {
      await send(...escalationEvents(chain, clock.now(), [pack]));
      clock.advance(60_000);
    }
    expect(pd.received.map((r) => JSON.parse(r.body) as { event_action: string; dedup_key: string })).toEqual([
      expect.objectContaining({ event_action: 'trigger', dedup_key: 'pj:chain:acme/payments-api#7@abc1234', routing_key: 'rk' }),
    ]);

    // 4. The director approves: the chain completes, the incident resolves.
    gh.delete('/repos/acme/payments-api/pulls/7/requested_reviewers', { reviewers: ['dana'], team_reviewers: ['team-leads'] }).reply(200, {});
    chain = decideStep(chain, { kind: 'approve', stepId: '1.director', actor: 'dana', source: { kind: 'review', id: '77' } }, clock.now()).chain;
    await send(
      { name: 'step.approved', at: clock.now().toISOString(), chain, stepId: '1.director', actor: 'dana' },
      { name: 'chain.completed', at: clock.now().toISOString(), chain },
    );
    expect(pd.received.map((r) => (JSON.parse(r.body) as { event_action: string }).event_action)).toEqual(['trigger', 'resolve']);
    expect(JSON.parse(slack.received.at(-1)!.body)).toMatchObject({ thread_ts: '1700000000.000001' });

    // The README's example body has the shape of a real step.approved delivery.
    const readme = readFileSync('README.md', 'utf8');
    const example = JSON.parse(/\*\*Webhook format\*\*[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)![1]!) as Record<string, Record<string, unknown>>;
    const real = JSON.parse(receiver.received.find((r) => r.headers['x-puddlejumper-event'] === 'step.approved')!.body) as Record<string, Record<string, unknown>>;
    expect(Object.keys(example).sort()).toEqual(Object.keys(real).sort());
    expect(Object.keys(example.data!).sort()).toEqual(Object.keys(real.data!).sort());
    expect(Object.keys(example.data!.chain as object).sort()).toEqual(Object.keys(real.data!.chain as object).sort());
    expect((example.data!.chain as { steps: unknown[] }).steps).toEqual((real.data!.chain as { steps: unknown[] }).steps.map(() => expect.any(Object)));

    // Every webhook delivery is signed and carries a distinct, stable delivery id.
    const deliveries = receiver.received.map((r) => r.headers['x-puddlejumper-delivery']);
    expect(new Set(deliveries).size).toBe(deliveries.length);

    // 5. Redelivery: every event of the scenario planned again sends nothing new.
    const before = { slack: slack.received.length, mail: smtp.messages.length, pd: pd.received.length, hooks: receiver.received.length };
    const events = [...planned];
    planned.length = 0;
    await send(...events);
    expect({ slack: slack.received.length, mail: smtp.messages.length, pd: pd.received.length, hooks: receiver.received.length }).toEqual(before);
    // Nothing failed or was denied along the way (a GitHub call nock did not expect would fail its action).
    const rows = await db.selectFrom('actions').select(['kind', 'status', 'reason']).execute();
    expect(rows.filter((r) => r.status !== 'dispatched' && r.status !== 'superseded')).toEqual([]);
  });
});
