// notify.slack against a fake Slack Web API on 127.0.0.1: one message per chain, updated in
// place; thread replies per decision; 429 with Retry-After retried.
import { sqlCheckRunIds } from '../../src/store/check-runs.js';
import { ActionStore } from '../../src/store/actions.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { PackOrigin } from '../../src/governance/action.js';
import { createDefaultRegistry } from '../../src/governance/dispatchers/index.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { fakeServer, type FakeServer, type Received, type Reply } from '../notify/fake-server.js';
import { harness, testOctokit } from './helpers.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const origin: PackOrigin = { packId: 'payments-api', valid: true, testMode: false, routing: { slackChannel: '#payments', emailList: [], webhooks: [] } };
const CHAIN_KEY = 'slack:#payments:acme/api#7@abc';

/** A fake Slack: posts get increasing ts in channel C1; `override` may answer first. */
async function fakeSlack(override?: (r: Received, n: number) => Reply | undefined) {
  let ts = 0;
  const server = await fakeServer((r, n) => {
    const o = override?.(r, n);
    if (o !== undefined) return o;
    if (r.url === '/api/chat.postMessage') return { status: 200, body: { ok: true, channel: 'C1', ts: `1700000000.00000${++ts}` } };
    if (r.url === '/api/chat.update') {
      const b = JSON.parse(r.body) as { ts: string; channel: string };
      return { status: 200, body: { ok: true, channel: b.channel, ts: b.ts } };
    }
    return { status: 404, body: { ok: false, error: 'unknown_method' } };
  });
  servers.push(server);
  return server;
}

async function setup(server: FakeServer, env: Record<string, string> = { SLACK_BOT_TOKEN: 'xoxb-test' }) {
  const db = await openMemoryDatabase();
  const registry = createDefaultRegistry({ checkRunIds: sqlCheckRunIds(db), resultOf: (key) => new ActionStore(db).resultOf(key),
    getOctokit: async () => testOctokit(),
    env,
    slackApiBase: `${server.url}/api`,
    retry: { 'notify.slack': { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 60_000 } },
  });
  return harness({ db, registry });
}

const chainMessage = (text: string) => ({
  installationId: 1,
  kind: 'notify.slack',
  idempotencyKey: CHAIN_KEY,
  subject: { repo: 'acme/api', prNumber: 7 },
  payload: { target: '#payments', text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }], chainMessage: true },
  origin,
});
const reply = (id: string, text: string) => ({
  installationId: 1,
  kind: 'notify.slack',
  idempotencyKey: `${id}:slack:#payments`,
  subject: { repo: 'acme/api', prNumber: 7 },
  payload: { target: '#payments', text, threadKey: CHAIN_KEY },
  origin,
});
const calls = (s: FakeServer) => s.received.map((r) => ({ url: r.url, body: JSON.parse(r.body) as Record<string, unknown> }));

describe('notify.slack: one message per chain', () => {
  it('posts once, then updates the same message in place as the chain moves; decisions go in its thread', async () => {
    const slack = await fakeSlack();
    const h = await setup(slack);
    await h.pipeline.propose(chainMessage('acme/api#7: waiting for Team Lead (step 1 of 2)'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const approved = await h.pipeline.propose(reply('step.approved:1', 'Team Lead approved by @alice'));
    const moved = await h.pipeline.propose(chainMessage('acme/api#7: waiting for Director (step 2 of 2)'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    // A redelivered webhook plans the same payloads again: nothing is sent.
    await h.pipeline.propose(chainMessage('acme/api#7: waiting for Director (step 2 of 2)'));
    await h.pipeline.propose(reply('step.approved:1', 'Team Lead approved by @alice'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });

    const c = calls(slack);
    expect(c.map((x) => x.url)).toEqual(['/api/chat.postMessage', '/api/chat.postMessage', '/api/chat.update']);
    expect(c[0]!.body).toMatchObject({ channel: '#payments', text: 'acme/api#7: waiting for Team Lead (step 1 of 2)' });
    expect(c[1]!.body).toMatchObject({ channel: 'C1', thread_ts: '1700000000.000001', text: 'Team Lead approved by @alice' });
    expect(c[2]!.body).toMatchObject({ channel: 'C1', ts: '1700000000.000001', text: 'acme/api#7: waiting for Director (step 2 of 2)' });
    expect(slack.received.every((r) => r.headers.authorization === 'Bearer xoxb-test')).toBe(true);
    expect(await h.pipeline.get(moved.id)).toMatchObject({ status: 'dispatched', result: { channel: 'C1', ts: '1700000000.000001', updated: true } });
    expect(await h.pipeline.get(approved.id)).toMatchObject({ status: 'dispatched', result: { threadTs: '1700000000.000001' } });
  });

  it('a reply proposed before its chain message is out waits for it, then lands in the thread', async () => {
    // The chain message's first attempt meets a Slack outage.
    const slack = await fakeSlack((r, n) => (n === 1 ? { status: 503, body: 'down' } : undefined));
    const h = await setup(slack);
    const parent = await h.pipeline.propose(chainMessage('waiting for Team Lead'));
    const child = await h.pipeline.propose(reply('step.retracted:1', 'Approval retracted'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(parent.id)).toMatchObject({ status: 'dispatched' });
    expect(await h.pipeline.get(child.id)).toMatchObject({ status: 'dispatched', result: { threadTs: expect.any(String) } });
    expect((await h.pipeline.get(child.id))?.attempts).toBeGreaterThan(1);
    expect(calls(slack).map((x) => x.url)).toEqual(['/api/chat.postMessage', '/api/chat.postMessage', '/api/chat.postMessage']);
    expect(calls(slack)[2]!.body).toMatchObject({ thread_ts: '1700000000.000001', text: 'Approval retracted' });
  });

  it('an older chain state planned late does not overwrite the newer one the message shows', async () => {
    const slack = await fakeSlack();
    const h = await setup(slack);
    const at = (asOf: string, text: string) => {
      const p = chainMessage(text);
      return { ...p, payload: { ...p.payload, asOf } };
    };
    await h.pipeline.propose(at('2026-03-01T10:00:00.000Z', 'step 1'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    await h.pipeline.propose(at('2026-03-01T11:00:00.000Z', 'step 2'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const stale = await h.pipeline.propose(at('2026-03-01T10:00:00.000Z', 'step 1'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const same = await h.pipeline.propose(at('2026-03-01T11:00:00.000Z', 'step 2'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(calls(slack).map((x) => `${x.url} ${String(x.body.text)}`)).toEqual(['/api/chat.postMessage step 1', '/api/chat.update step 2']);
    expect(await h.pipeline.get(stale.id)).toMatchObject({ status: 'dispatched', result: { skipped: 'stale', asOf: '2026-03-01T11:00:00.000Z' } });
    expect(await h.pipeline.get(same.id)).toMatchObject({ status: 'dispatched', result: { skipped: 'unchanged' } });
  });

  it('a message someone deleted is posted again rather than failing the update', async () => {
    const slack = await fakeSlack((r) => (r.url === '/api/chat.update' ? { status: 200, body: { ok: false, error: 'message_not_found' } } : undefined));
    const h = await setup(slack);
    await h.pipeline.propose(chainMessage('one'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const second = await h.pipeline.propose(chainMessage('two'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(calls(slack).map((x) => x.url)).toEqual(['/api/chat.postMessage', '/api/chat.update', '/api/chat.postMessage']);
    expect(await h.pipeline.get(second.id)).toMatchObject({ status: 'dispatched', result: { ts: '1700000000.000002', updated: false } });
  });

  it('HTTP 429 with Retry-After is retried no earlier than asked, and posted once', async () => {
    const slack = await fakeSlack((_r, n) => (n === 1 ? { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '30' } } : undefined));
    const h = await setup(slack);
    const start = h.clock.t;
    const a = await h.pipeline.propose(chainMessage('waiting'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(a.id)).toMatchObject({ status: 'dispatched', attempts: 2, result: { ts: '1700000000.000001' } });
    expect(h.clock.t - start).toBeGreaterThanOrEqual(30_000);
    expect(slack.received).toHaveLength(2);
  });

  it('with only an incoming webhook, the chain message is posted once and later states are not re-posted', async () => {
    const hook = await fakeServer(() => ({ status: 200, body: 'ok' }));
    servers.push(hook);
    const slack = await fakeSlack();
    const h = await setup(slack, { SLACK_WEBHOOK_URL: `${hook.url}/services/T/B/X` });
    await h.pipeline.propose(chainMessage('one'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const two = await h.pipeline.propose(chainMessage('two'));
    const r = await h.pipeline.propose(reply('step.approved:1', 'Team Lead approved by @alice'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(hook.received.map((x) => (JSON.parse(x.body) as { text: string }).text)).toEqual(['one', 'Team Lead approved by @alice']);
    expect(await h.pipeline.get(two.id)).toMatchObject({ status: 'dispatched', result: { via: 'webhook', updated: false } });
    expect(await h.pipeline.get(r.id)).toMatchObject({ status: 'dispatched' });
    expect(slack.received).toEqual([]);
  });
});
