import { describe, expect, it } from 'vitest';
import type { ActionProposal, PackOrigin } from '../../src/governance/action.js';
import { canonicalJson, sha256Hex } from '../../src/canonical.js';
import { DispatcherRegistry } from '../../src/governance/registry.js';
import { slackDispatcher } from '../../src/governance/dispatchers/index.js';
import type { Fetch } from '../../src/governance/dispatchers/http.js';
import { auditTypes, harness } from './helpers.js';

const origin: PackOrigin = { packId: 'notify', versionHash: 'h1', valid: true, testMode: false };

function slackSetup(env: Record<string, string | undefined>) {
  const posts: string[] = [];
  const fetchFn = (async (_url: string, init?: RequestInit) => {
    posts.push(String(init?.body));
    return new Response('ok', { status: 200 });
  }) as unknown as Fetch;
  const registry = new DispatcherRegistry().register(slackDispatcher({ env, fetch: fetchFn }), { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 });
  return { registry, posts };
}

const proposal = (text = 'Contract gate failed'): ActionProposal => ({
  installationId: 1,
  kind: 'notify.slack',
  idempotencyKey: 'slack:acme/api#1',
  subject: { repo: 'acme/api', prNumber: 1 },
  payload: { target: '#platform', text },
  origin,
});

/** What a proposer that crashed right after recording its action leaves behind. */
async function insertHalfJudged(h: Awaited<ReturnType<typeof harness>>, p: ActionProposal) {
  const json = canonicalJson(p.payload);
  return h.pipeline.store.insert(p, 1, json, sha256Hex(`${p.kind}\n${json}`), h.clock.now().toISOString());
}

describe('an action is never stuck proposed or denied for good', () => {
  it('re-proposing the payload of a half-judged proposed row judges it instead of returning it', async () => {
    const { registry, posts } = slackSetup({ SLACK_WEBHOOK_URL: 'https://hooks.example/x' });
    const h = await harness({ registry });
    const stuck = await insertHalfJudged(h, proposal());
    const again = await h.pipeline.propose(proposal());
    expect(again.id).toBe(stuck.id);
    expect(again.status).toBe('approved');
    expect(await h.pipeline.runUntilIdle()).toBe(1);
    expect(posts).toHaveLength(1);
  });

  it('the worker judges proposed rows without a chain left for over a minute', async () => {
    const { registry, posts } = slackSetup({ SLACK_WEBHOOK_URL: 'https://hooks.example/x' });
    const h = await harness({ registry });
    const stuck = await insertHalfJudged(h, proposal());
    expect(await h.pipeline.dispatchDue()).toBe(0); // too young: its proposer may still be judging it
    expect((await h.pipeline.get(stuck.id))?.status).toBe('proposed');
    h.clock.advance(61_000);
    expect(await h.pipeline.dispatchDue()).toBe(1);
    expect((await h.pipeline.get(stuck.id))?.status).toBe('dispatched');
    expect(posts).toHaveLength(1);
  });

  it('the worker leaves proposed rows that wait for a chain to the chain', async () => {
    const { registry } = slackSetup({ SLACK_WEBHOOK_URL: 'https://hooks.example/x' });
    const h = await harness({ registry, chains: { isApproved: async () => false } });
    const waiting = await insertHalfJudged(h, { ...proposal(), awaitChain: 'chain:x' });
    h.clock.advance(120_000);
    expect(await h.pipeline.dispatchDue()).toBe(0);
    expect((await h.pipeline.get(waiting.id))?.status).toBe('proposed');
  });

  it('a denial for missing credentials is judged again when the same payload is re-proposed', async () => {
    const env: Record<string, string | undefined> = {};
    const { registry, posts } = slackSetup(env);
    const h = await harness({ registry });
    const denied = await h.pipeline.propose(proposal());
    expect(denied.status).toBe('denied');
    expect(denied.reason).toMatch(/has no credentials/);

    // Still no credentials: denied again, one action.denied per re-proposal, no new revision.
    const deniedAgain = await h.pipeline.propose(proposal());
    expect(deniedAgain).toMatchObject({ id: denied.id, status: 'denied', revision: 1 });
    const deniedEvents = (await auditTypes(h.db, denied.id)).filter((e) => e.type === 'action.denied');
    expect(deniedEvents).toHaveLength(2);
    expect(deniedEvents[1]?.details).toMatchObject({ code: 'no_credentials', rejudged: true });

    env.SLACK_WEBHOOK_URL = 'https://hooks.example/x'; // an admin sets the credentials
    const approved = await h.pipeline.propose(proposal());
    expect(approved).toMatchObject({ id: denied.id, status: 'approved', reason: null, revision: 1 });
    expect(await h.pipeline.runUntilIdle()).toBe(1);
    expect(posts).toHaveLength(1);
    expect((await h.pipeline.get(denied.id))?.status).toBe('dispatched');
    // Dispatched is settled: re-proposing it again is a no-op.
    expect((await h.pipeline.propose(proposal())).status).toBe('dispatched');
    expect(posts).toHaveLength(1);
  });

  it('a denial by a rejected chain stays denied when re-proposed', async () => {
    const { registry } = slackSetup({ SLACK_WEBHOOK_URL: 'https://hooks.example/x' });
    const h = await harness({ registry, chains: { isApproved: async () => false } });
    const waiting = await h.pipeline.propose({ ...proposal(), awaitChain: 'chain:x' });
    expect(waiting.status).toBe('proposed');
    expect(await h.pipeline.rejectChain('chain:x', 'approval chain chain:x was rejected')).toBe(1);
    const again = await h.pipeline.propose({ ...proposal(), awaitChain: 'chain:x' });
    expect(again).toMatchObject({ id: waiting.id, status: 'denied' });
    expect(await h.pipeline.runUntilIdle()).toBe(0);
  });
});
