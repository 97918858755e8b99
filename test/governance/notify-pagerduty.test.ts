// notify.pagerduty against a fake Events API v2 on 127.0.0.1.
import { sqlCheckRunIds } from '../../src/store/check-runs.js';
import { ActionStore } from '../../src/store/actions.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { PackOrigin } from '../../src/governance/action.js';
import { createDefaultRegistry } from '../../src/governance/dispatchers/index.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { fakeServer, type FakeServer, type Reply } from '../notify/fake-server.js';
import { auditTypes, harness, testOctokit } from './helpers.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const origin = (routingKeyEnv = 'PJ_SECRET_PD'): PackOrigin => ({
  packId: 'payments-api',
  valid: true,
  testMode: false,
  routing: { emailList: [], webhooks: [], pagerDuty: { routingKeyEnv } },
});

async function setup(answer: (n: number) => Reply, env: Record<string, string> = { PJ_SECRET_PD: 'R0UTINGKEY' }) {
  const pd = await fakeServer((r, n) => (r.url === '/v2/enqueue' ? answer(n) : { status: 404 }));
  servers.push(pd);
  const db = await openMemoryDatabase();
  const registry = createDefaultRegistry({ checkRunIds: sqlCheckRunIds(db), resultOf: (key) => new ActionStore(db).resultOf(key),
    getOctokit: async () => testOctokit(),
    env,
    pagerDutyEventsUrl: `${pd.url}/v2/enqueue`,
    retry: { 'notify.pagerduty': { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 } },
  });
  return { h: await harness({ db, registry }), pd };
}

const event = (eventAction: 'trigger' | 'resolve', key: string, routingKeyEnv = 'PJ_SECRET_PD', o = origin()) => ({
  installationId: 1,
  kind: 'notify.pagerduty',
  idempotencyKey: key,
  subject: { repo: 'acme/api', prNumber: 7 },
  payload: {
    routingKeyEnv,
    eventAction,
    dedupKey: 'pj:chain:acme/api#7@abc',
    summary: 'Escalation: Director has not acted on acme/api#7 for 24 h',
    severity: 'error',
    source: 'acme/api',
    link: 'https://github.com/acme/api/pull/7',
    customDetails: { event: 'step.escalated' },
  },
  origin: o,
});

describe('notify.pagerduty', () => {
  it('triggers an incident keyed by the chain, then resolves the same incident', async () => {
    const { h, pd } = await setup(() => ({ status: 202, body: { status: 'success', message: 'Event processed', dedup_key: 'pj:chain:acme/api#7@abc' } }));
    const t = await h.pipeline.propose(event('trigger', 'esc:day0:pagerduty'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const r = await h.pipeline.propose(event('resolve', 'completed:pagerduty'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(t.id)).toMatchObject({ status: 'dispatched', result: { eventAction: 'trigger', dedupKey: 'pj:chain:acme/api#7@abc', status: 202 } });
    expect(await h.pipeline.get(r.id)).toMatchObject({ status: 'dispatched', result: { eventAction: 'resolve' } });
    const bodies = pd.received.map((x) => JSON.parse(x.body) as Record<string, unknown>);
    expect(bodies[0]).toEqual({
      routing_key: 'R0UTINGKEY',
      event_action: 'trigger',
      dedup_key: 'pj:chain:acme/api#7@abc',
      payload: {
        summary: 'Escalation: Director has not acted on acme/api#7 for 24 h',
        source: 'acme/api',
        severity: 'error',
        component: 'puddlejumper',
        custom_details: { event: 'step.escalated' },
      },
      links: [{ href: 'https://github.com/acme/api/pull/7', text: 'Pull request' }],
      client: 'PuddleJumper',
    });
    expect(bodies[1]).toEqual({ routing_key: 'R0UTINGKEY', event_action: 'resolve', dedup_key: 'pj:chain:acme/api#7@abc' });
    // The routing key is a secret: it is in neither the stored result nor the audit log.
    expect(JSON.stringify(await h.pipeline.get(t.id))).not.toContain('R0UTINGKEY');
    expect(JSON.stringify(await auditTypes(h.db))).not.toContain('R0UTINGKEY');
  });

  it('429 is retried; 400 (a bad event) fails at once', async () => {
    const { h } = await setup((n) => (n === 1 ? { status: 429, body: { status: 'throttle' }, headers: { 'retry-after': '5' } } : n === 2 ? { status: 202, body: {} } : { status: 400, body: { status: 'invalid event' } }));
    const a = await h.pipeline.propose(event('trigger', 'a'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(a.id)).toMatchObject({ status: 'dispatched', attempts: 2 });
    const b = await h.pipeline.propose(event('trigger', 'b'));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(b.id)).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('refuses a routing key the pack did not declare, a non-PJ_SECRET_ variable, and a missing key', async () => {
    const { h, pd } = await setup(() => ({ status: 202 }), { PJ_SECRET_PD: 'k', PJ_SECRET_OTHER: 'k2', GITHUB_TOKEN: 'ghs_x' });
    const undeclared = await h.pipeline.propose(event('trigger', 'u', 'PJ_SECRET_OTHER'));
    expect(undeclared).toMatchObject({ status: 'denied', reason: expect.stringMatching(/routing target pagerDuty \(PJ_SECRET_OTHER\) is not declared/) });
    const forbidden = await h.pipeline.propose(event('trigger', 'f', 'GITHUB_TOKEN', origin('GITHUB_TOKEN')));
    expect(forbidden).toMatchObject({ status: 'denied', reason: expect.stringMatching(/routingKeyEnv GITHUB_TOKEN is not allowed/) });
    const missing = await h.pipeline.propose(event('trigger', 'm', 'PJ_SECRET_NOPE', origin('PJ_SECRET_NOPE')));
    expect(missing).toMatchObject({ status: 'denied', reason: 'routing target pagerDuty has no credentials (PJ_SECRET_NOPE is not set)' });
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(pd.received).toEqual([]);
  });
});
