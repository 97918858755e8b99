// Issue 11's "done when", over HTTP: signed GitHub deliveries into the real server, GitHub
// mocked with nock, and real Slack, SMTP, PagerDuty and webhook servers on 127.0.0.1. A
// blocking PR asks step 1, the lead's /approve moves the Slack message and asks step 2, a
// day later the sweep pages, the director's approval resolves — and redelivering every
// webhook sends nothing new. Then the faults: retried and delivered once, or failed for good.
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config.js';
import { wire, type Wiring } from '../../src/routes.js';
import type { Db } from '../../src/store/database.js';
import { contentCache } from '../../src/change/blob-cache.js';
import { API, mockConfigRepo } from '../helpers/app.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { examplePayload } from '../helpers/payloads.js';
import { postWebhook, startTestServer } from '../helpers/server.js';
import { Clock } from '../governance/helpers.js';
import { fakeServer, type FakeServer, type Reply } from '../notify/fake-server.js';
import { fakeSmtp, header, type FakeSmtp } from '../notify/smtp.js';

const fixture = (p: string) => readFileSync(new URL(`../../fixtures/prs/${p}`, import.meta.url), 'utf8');
const synchronize = () => JSON.parse(fixture('pull_request.synchronize.json')) as Record<string, any>;
const BASE_SPEC = fixture('petstore/base.yaml');
const HEAD_SPEC = fixture('petstore/head.yaml');
const CONFIG_SHA = 'c'.repeat(40);
const HEAD_BLOB = '9'.repeat(40);
const REPO = '/repos/Codertocat/Hello-World';
const HOUR = 3_600_000;

function pack(hookUrl: string, extra = ''): string {
  return `${fixture('petstore/pack.yml')}
approvalTiers:
  lead: { name: Team Lead, teams: [Codertocat/team-leads], requiredFor: [high, critical] }
  director: { name: Director, users: [dana], requiredFor: [high, critical], emails: [dana@example.com] }
routing:
  slackChannel: "#payments"
  emailList: [team@example.com, ops@example.com]
  pagerDuty: { routingKeyEnv: PJ_SECRET_PD }
  webhooks:
    - { name: audit, url: "${hookUrl}", secretEnv: PJ_SECRET_HOOK }
${extra}`;
}

interface World {
  db: Db;
  clock: Clock;
  wiring: Wiring;
  url: string;
  slack: FakeServer;
  pd: FakeServer;
  receiver: FakeServer;
  smtp: FakeSmtp;
  /** Everything that reached GitHub, Slack, PagerDuty and the receiver, in order. */
  timeline: string[];
  stop(): Promise<void>;
}

const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.stop()));
});

async function world(options: {
  slack?: (body: Record<string, any>, n: number, url: string) => Reply | undefined;
  receiver?: (n: number) => Reply;
  smtpRefuse?: (attempt: number) => { code: number; message: string } | undefined;
  retry?: number;
} = {}): Promise<World> {
  contentCache.clear();
  const timeline: string[] = [];
  let ts = 0;
  const slack = await fakeServer((r, n) => {
    timeline.push(`slack ${r.url}`);
    const body = JSON.parse(r.body) as Record<string, any>;
    const special = options.slack?.(body, n, r.url);
    if (special) return special;
    if (r.url === '/api/chat.update') return { status: 200, body: { ok: true, channel: 'C1', ts: body.ts } };
    return { status: 200, body: { ok: true, channel: 'C1', ts: `1700000000.00000${++ts}` } };
  });
  const pd = await fakeServer(() => {
    timeline.push('pagerduty');
    return { status: 202, body: { status: 'success' } };
  });
  const receiver = await fakeServer((r, n) => {
    timeline.push(`webhook ${String(r.headers['x-puddlejumper-event'])}`);
    return options.receiver?.(n) ?? { status: 204 };
  });
  const smtp = await fakeSmtp(options.smtpRefuse);
  const db = await openMemoryDatabase();
  const clock = new Clock('2026-03-02T09:00:00.000Z');
  const env = {
    SLACK_BOT_TOKEN: 'xoxb-test',
    SMTP_URL: smtp.url,
    PJ_MAIL_FROM: 'PuddleJumper <pj@example.com>',
    PJ_SECRET_PD: 'routing-key',
    PJ_SECRET_HOOK: 'hook-secret',
    PJ_ALLOW_HTTP_WEBHOOKS: '1',
  };
  const policy = { maxAttempts: options.retry ?? 4, baseDelayMs: 1_000, maxDelayMs: 60_000 };
  let wiring: Wiring | undefined;
  const server = await startTestServer({
    db,
    now: clock.now,
    routes: (app) => {
      wiring = wire({
        app,
        db,
        settings: loadSettings(env),
        now: clock.now,
        appSlug: async () => 'puddlejumper',
        retry: { 'notify.slack': policy, 'notify.email': policy, 'notify.webhook': policy, 'notify.pagerduty': policy },
        notifyEndpoints: { slackApiBase: `${slack.url}/api`, pagerDutyEventsUrl: `${pd.url}/v2/enqueue`, webhookTimeoutMs: 300 },
      });
      return wiring.routes;
    },
    dispatch: (id) => wiring!.dispatch(id),
  });
  const w: World = {
    db,
    clock,
    wiring: wiring!,
    url: server.url,
    slack,
    pd,
    receiver,
    smtp,
    timeline,
    stop: async () => {
      await server.stop();
      await Promise.all([slack.close(), pd.close(), receiver.close(), smtp.close()]);
      await db.destroy();
    },
  };
  worlds.push(w);
  return w;
}

/** GitHub as the app sees it: an installation token, and the check runs it writes. */
function github(w: World): nock.Scope {
  const gh = nock(API);
  gh.post('/app/installations/1/access_tokens').times(10).optionally().reply(201, { token: 'ghs_test', expires_at: '2099-01-01T00:00:00Z' });
  // Deliveries without an evaluation, the sweep and the outcome hooks read the cached packs: the config head did not move.
  gh.get('/repos/Codertocat/.github/commits/HEAD').matchHeader('if-none-match', `"${CONFIG_SHA}"`).times(50).optionally().reply(304);
  let id = 100;
  gh.post(`${REPO}/check-runs`).times(10).optionally().reply(201, (_u, body) => {
    w.timeline.push(`check ${(body as { name: string }).name} ${(body as { conclusion?: string }).conclusion ?? (body as { status: string }).status}`);
    return { id: ++id };
  });
  gh.patch(/\/repos\/Codertocat\/Hello-World\/check-runs\/\d+/).times(30).optionally().reply(200, (uri, body) => {
    w.timeline.push(`check #${uri.split('/').pop()} ${(body as { conclusion?: string }).conclusion ?? (body as { status: string }).status}`);
    return { id: Number(uri.split('/').pop()) };
  });
  return gh;
}

function mockSpecChange(gh: nock.Scope, pr: Record<string, any>): void {
  gh.get(`${REPO}/pulls/2/files`).query(true).reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: HEAD_BLOB }]);
  gh.get(`${REPO}/contents/openapi%2Fopenapi.yaml`).query({ ref: pr.pull_request.base.sha }).reply(200, BASE_SPEC, { 'content-type': 'application/vnd.github.raw' });
  gh.get(`${REPO}/git/blobs/${HEAD_BLOB}`).reply(200, HEAD_SPEC, { 'content-type': 'application/vnd.github.raw' });
}

function comment(login: string, body: string, id: number): Record<string, any> {
  const p = examplePayload('issue_comment', 'created');
  p.installation = { id: 1 };
  p.issue.number = 2;
  p.issue.pull_request = { url: `https://api.github.com${REPO}/pulls/2` };
  p.issue.user = { ...p.issue.user, login: 'Codertocat' };
  p.comment = { ...p.comment, id, body, created_at: '2026-03-02T10:00:00Z', user: { ...p.comment.user, login, type: 'User' } };
  p.sender = { ...p.sender, login, type: 'User' };
  return p;
}

/** Posts a signed delivery and expects GitHub's 200. */
async function deliver(w: World, event: string, payload: unknown, delivery: string): Promise<void> {
  const res = await postWebhook(w.url, event, payload, { delivery });
  expect(res.status).toBe(200);
}

/** Retries and everything the worker would send, with the fake clock jumping to each retry. */
const drain = (w: World) => w.wiring.outbox.runUntilIdle({ sleep: w.clock.sleep });

const bodies = (s: FakeServer) => s.received.map((r) => JSON.parse(r.body) as Record<string, any>);
const events = (s: FakeServer) => s.received.map((r) => String(r.headers['x-puddlejumper-event']));
const mailsTo = (smtp: FakeSmtp) => smtp.messages.map((m) => `${m.to.join(',')}: ${header(m.raw, 'Subject') ?? ''}`).sort();

async function actions(db: Db) {
  return db.selectFrom('actions').select(['id', 'kind', 'idempotency_key', 'status', 'last_error', 'reason']).orderBy('id').execute();
}

describe('notifications over HTTP (issue 11)', () => {
  it('a blocking PR, the lead, a day of waiting and the director: each channel told once, and redelivery sends nothing new', async () => {
    const w = await world();
    const receiverUrl = `${w.receiver.url}/hook`;
    const gh = github(w);
    mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': pack(receiverUrl) });
    const pr = synchronize();
    mockSpecChange(gh, pr);
    const asked: Array<{ method: string; body: unknown }> = [];
    const reviewers = (method: 'post' | 'delete', body: Record<string, string[]>) =>
      gh.intercept(`${REPO}/pulls/2/requested_reviewers`, method.toUpperCase(), body).reply(method === 'post' ? 201 : 200, (_u, b) => {
        asked.push({ method, body: b });
        return {};
      });

    // 1. The PR blocks: step 1's team is asked, one Slack message, a mail to each of the list, a webhook per event.
    reviewers('post', { reviewers: [], team_reviewers: ['team-leads'] });
    await deliver(w, 'pull_request', pr, 'd-pr');
    expect(asked).toEqual([{ method: 'post', body: { reviewers: [], team_reviewers: ['team-leads'] } }]);
    expect(w.slack.received.map((r) => r.url)).toEqual(['/api/chat.postMessage']);
    const message = bodies(w.slack)[0]!;
    expect(message).toMatchObject({ channel: '#payments', text: expect.stringContaining('waiting for Team Lead (step 1 of 2)') });
    expect(JSON.stringify(message.blocks)).toContain('Contracts: 2 breaking changes, 1 problem');
    expect(mailsTo(w.smtp)).toEqual([
      'ops@example.com: Contracts check blocks Codertocat/Hello-World#2: 2 breaking changes, 1 problem',
      'team@example.com: Contracts check blocks Codertocat/Hello-World#2: 2 breaking changes, 1 problem',
    ]);
    expect(events(w.receiver)).toEqual(['step.activated', 'contracts.blocked']);
    expect(w.pd.received).toEqual([]);
    // The check runs went out before any notification.
    const firstNotice = w.timeline.findIndex((e) => !e.startsWith('check'));
    expect(w.timeline.slice(0, firstNotice).some((e) => e.endsWith('failure'))).toBe(true);

    // 2. The lead (a member of the team) approves: the Slack message moves, a thread reply, step 2 is asked.
    w.clock.advance(HOUR);
    gh.get('/orgs/Codertocat/teams/team-leads/memberships/lena').reply(200, { state: 'active', role: 'member' });
    reviewers('post', { reviewers: ['dana'], team_reviewers: [] });
    reviewers('delete', { reviewers: [], team_reviewers: ['team-leads'] });
    await deliver(w, 'issue_comment', comment('lena', '/approve', 9001), 'd-lena');
    expect(w.slack.received.map((r) => r.url)).toEqual(['/api/chat.postMessage', '/api/chat.update', '/api/chat.postMessage']);
    expect(bodies(w.slack)[1]).toMatchObject({ ts: '1700000000.000001', text: expect.stringContaining('waiting for Director (step 2 of 2)') });
    expect(bodies(w.slack)[2]).toMatchObject({ thread_ts: '1700000000.000001', text: 'Team Lead approved by @lena on Codertocat/Hello-World#2' });
    expect(asked.slice(1).map((a) => a.method).sort()).toEqual(['delete', 'post']);
    expect(mailsTo(w.smtp).filter((m) => m.startsWith('dana@'))).toEqual(['dana@example.com: @dana: your approval is needed on Codertocat/Hello-World#2 (step 2 of 2)']);
    expect(events(w.receiver)).toEqual(['step.activated', 'contracts.blocked', 'step.approved', 'step.activated']);

    // 3. A day later the director has not acted: the sweep pages once, however often it runs.
    w.clock.advance(25 * HOUR);
    gh.get(`${REPO}/pulls/2`).reply(200, { ...pr.pull_request, state: 'open' }); // asked once, when the escalation is due
    for (let sweep = 0; sweep < 3; sweep++) {
      await w.wiring.escalate();
      await w.wiring.dispatch(1);
      w.clock.advance(10 * 60_000);
    }
    expect(bodies(w.pd)).toEqual([expect.objectContaining({ event_action: 'trigger', routing_key: 'routing-key', dedup_key: 'pj:chain:Codertocat/Hello-World#2@ec26c3e57ca3a959ca5aad62de7213c562f8c821' })]);
    expect(events(w.receiver).filter((e) => e === 'step.escalated')).toHaveLength(1);
    expect(mailsTo(w.smtp).filter((m) => m.includes('Escalation'))).toHaveLength(3); // the list and the director's own address

    // 4. The director approves: the chain completes and the incident is resolved.
    reviewers('delete', { reviewers: ['dana'], team_reviewers: ['team-leads'] });
    await deliver(w, 'issue_comment', comment('dana', 'Reviewed.\n/approve', 9002), 'd-dana');
    expect(bodies(w.pd).map((b) => b.event_action)).toEqual(['trigger', 'resolve']);
    expect(bodies(w.pd)[1]!.dedup_key).toBe(bodies(w.pd)[0]!.dedup_key);
    expect(bodies(w.slack).at(-3)).toMatchObject({ ts: '1700000000.000001', text: expect.stringContaining('approved') });
    expect(events(w.receiver).slice(-2)).toEqual(['step.approved', 'chain.completed']);
    expect(mailsTo(w.smtp).filter((m) => m.includes('All approvals are in'))).toHaveLength(2);

    // Every webhook is signed, with a delivery id of its own.
    const ids = w.receiver.received.map((r) => r.headers['x-puddlejumper-delivery']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(w.receiver.received.every((r) => /^sha256=[0-9a-f]{64}$/.test(String(r.headers['x-puddlejumper-signature-256'])))).toBe(true);

    // 5. Every webhook of the scenario redelivered (GitHub's redelivery keeps the id): nothing new anywhere.
    const seen = () => ({ slack: w.slack.received.length, mail: w.smtp.messages.length, pd: w.pd.received.length, hooks: w.receiver.received.length, asked: asked.length });
    const before = seen();
    await deliver(w, 'pull_request', pr, 'd-pr');
    await deliver(w, 'issue_comment', comment('lena', '/approve', 9001), 'd-lena');
    await deliver(w, 'issue_comment', comment('dana', 'Reviewed.\n/approve', 9002), 'd-dana');
    // The same PR event under a new delivery id re-evaluates the head: the blocked news is not repeated.
    gh.get(`${REPO}/pulls/2/files`).query(true).reply(200, [{ filename: 'openapi/openapi.yaml', status: 'modified', sha: HEAD_BLOB }]);
    await deliver(w, 'pull_request', pr, 'd-pr-again');
    await w.wiring.escalate();
    await drain(w);
    expect(seen()).toEqual(before);
    expect((await actions(w.db)).filter((a) => a.status !== 'dispatched' && a.status !== 'superseded')).toEqual([]);
  });

  it('a Slack outage never holds up the check run: the check goes out first and its conclusion is the same', async () => {
    const w = await world({ slack: () => ({ status: 503, body: 'down' }), retry: 2 });
    const gh = github(w);
    mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': pack(`${w.receiver.url}/hook`, '  reviewRequests: false\n') });
    mockSpecChange(gh, synchronize());
    await deliver(w, 'pull_request', synchronize(), 'd-1');
    const checks = w.timeline.filter((e) => e.startsWith('check'));
    expect(checks.some((e) => e.endsWith('failure'))).toBe(true);
    const lastCheck = w.timeline.findLastIndex((e) => e.startsWith('check'));
    expect(w.timeline.findIndex((e) => e.startsWith('slack'))).toBeGreaterThan(lastCheck);
    await drain(w);
    const slack = (await actions(w.db)).filter((a) => a.kind === 'notify.slack' && a.status === 'failed');
    expect(slack.length).toBeGreaterThan(0);
    expect(slack[0]!.last_error).toMatch(/503/);
  });

  it('faults: Slack 429 with Retry-After, SMTP refusing once, a receiver timing out — each retried and delivered once', async () => {
    const w = await world({
      slack: (_b, n) => (n === 1 ? { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '30' } } : undefined),
      smtpRefuse: (attempt) => (attempt === 1 ? { code: 451, message: 'try again later' } : undefined),
      receiver: (n) => (n === 1 ? 'hang' : { status: 204 }),
    });
    const gh = github(w);
    mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': pack(`${w.receiver.url}/hook`, '  reviewRequests: false\n') });
    mockSpecChange(gh, synchronize());
    const start = w.clock.now().getTime();
    await deliver(w, 'pull_request', synchronize(), 'd-1');
    await drain(w);

    // Slack: refused once, then posted once, no earlier than it asked.
    expect(w.slack.received.map((r) => r.url)).toEqual(['/api/chat.postMessage', '/api/chat.postMessage']);
    const slackRow = (await actions(w.db)).find((a) => a.kind === 'notify.slack' && a.status === 'dispatched')!;
    const slackAudit = await w.db.selectFrom('audit_events').select(['type', 'details']).where('type', '=', 'action.approved').execute();
    expect(slackAudit.some((e) => (JSON.parse(e.details) as { retryAfterMs?: number }).retryAfterMs === 30_000)).toBe(true);
    expect(slackRow).toBeDefined();
    expect(w.clock.now().getTime() - start).toBeGreaterThanOrEqual(30_000);
    // SMTP: one refusal, then each address once, with the same Message-ID a retry would carry.
    expect(w.smtp.attempts).toBe(3);
    expect(mailsTo(w.smtp).map((m) => m.split(':')[0])).toEqual(['ops@example.com', 'team@example.com']);
    // The receiver: the first request timed out, the retry carried the same delivery id; one delivery per event.
    const byDelivery = new Map<string, number>();
    for (const r of w.receiver.received) byDelivery.set(String(r.headers['x-puddlejumper-delivery']), (byDelivery.get(String(r.headers['x-puddlejumper-delivery'])) ?? 0) + 1);
    expect([...byDelivery.values()].sort()).toEqual([1, 2]);
    expect((await actions(w.db)).filter((a) => a.status !== 'dispatched' && a.status !== 'superseded')).toEqual([]);
  });

  it('a receiver down for good ends as a failed action with its error, and ops are paged about it', async () => {
    const w = await world({ receiver: () => ({ status: 503, body: 'maintenance' }), retry: 3 });
    const gh = github(w);
    mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': pack(`${w.receiver.url}/hook`, '  reviewRequests: false\n') });
    mockSpecChange(gh, synchronize());
    await deliver(w, 'pull_request', synchronize(), 'd-1');
    await drain(w);

    const rows = await actions(w.db);
    const failed = rows.filter((a) => a.kind === 'notify.webhook' && a.status === 'failed' && !a.idempotency_key.startsWith('action.failed:'));
    expect(failed.map((a) => a.idempotency_key.split(':')[0]).sort()).toEqual(['contracts.blocked', 'step.activated']);
    for (const a of failed) expect(a.reason).toMatch(/gave up after 3 attempts: .*503/);
    // Each failure pages once (dedup on the failed action); the page about a page's failure is not reported again.
    expect(bodies(w.pd).map((b) => [b.event_action, b.dedup_key]).sort()).toEqual(failed.map((a) => ['trigger', `pj:action:${a.idempotency_key}`]).sort());
    const audit = await w.db.selectFrom('audit_events').select(['type', 'subject', 'details']).where('type', '=', 'action.failed').execute();
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(audit.some((e) => (JSON.parse(e.details) as { reason: string }).reason.includes('503'))).toBe(true);
  });

  it('test mode: a pack that would block sends nothing, unless testMode.notify — then every message says [test mode] and no review is requested', async () => {
    for (const notify of [false, true]) {
      nock.cleanAll(); // the first world's optional GitHub mocks
      const w = await world();
      const gh = github(w);
      mockConfigRepo(gh, 'Codertocat', CONFIG_SHA, { 'policy-packs/hello.yml': pack(`${w.receiver.url}/hook`, `testMode: { enabled: true, notify: ${notify} }\n`) });
      mockSpecChange(gh, synchronize());
      await deliver(w, 'pull_request', synchronize(), 'd-1');
      await drain(w);
      expect(w.timeline.filter((e) => e.startsWith('check')).some((e) => e.endsWith('neutral'))).toBe(true);
      if (!notify) {
        expect({ slack: w.slack.received.length, mail: w.smtp.messages.length, hooks: w.receiver.received.length }).toEqual({ slack: 0, mail: 0, hooks: 0 });
        continue;
      }
      expect(bodies(w.slack).map((b) => b.text)).toEqual(['[test mode] Contracts check blocks Codertocat/Hello-World#2: 2 breaking changes, 1 problem']);
      expect(mailsTo(w.smtp)).toEqual([
        'ops@example.com: [test mode] Contracts check blocks Codertocat/Hello-World#2: 2 breaking changes, 1 problem',
        'team@example.com: [test mode] Contracts check blocks Codertocat/Hello-World#2: 2 breaking changes, 1 problem',
      ]);
      expect(bodies(w.receiver).map((b) => [b.event, b.data.testMode])).toEqual([['contracts.blocked', true]]);
      // No chain in test mode, so nobody is asked to review (nock would fail an unmocked request).
      expect((await actions(w.db)).some((a) => a.kind === 'review_request.sync')).toBe(false);
    }
  });
});
