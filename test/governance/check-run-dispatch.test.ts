import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ProbotOctokit } from 'probot';
import { outboxThrottle, type Octokit } from '../../src/github/octokit.js';
import { registry as metricsRegistry } from '../../src/metrics.js';
import { auditTypes, checkPayload, harness, SHA } from './helpers.js';

const API = 'https://api.github.com';
const secondary = { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' };

function proposal(payload = checkPayload()) {
  return {
    installationId: 1,
    kind: 'check_run.upsert',
    idempotencyKey: `check:acme/api@${SHA}:PuddleJumper / payments-api`,
    subject: { repo: 'acme/api', prNumber: 7, headSha: SHA },
    payload,
    origin: { packId: 'payments-api', versionHash: 'v1', valid: true, testMode: false },
  };
}

function mockAttempts(scope: nock.Scope, replies: Array<() => nock.Scope>): void {
  void scope;
  for (const reply of replies) reply();
}

describe('check_run.upsert dispatch', () => {
  it('502, then a secondary rate limit with retry-after, then 201: one check run, dispatched after 3 attempts', async () => {
    const h = await harness({ retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 } });
    const gh = nock(API);
    // The first attempt creates at once; the retries first look for a run an earlier attempt may have made (none).
    gh.get(`/repos/acme/api/commits/${SHA}/check-runs`).query(true).times(2).reply(200, { total_count: 0, check_runs: [] });
    let posts = 0;
    mockAttempts(gh, [
      () => gh.post('/repos/acme/api/check-runs').reply(() => (posts++, [502, { message: 'Bad Gateway' }])),
      () => gh.post('/repos/acme/api/check-runs').reply(() => (posts++, [403, secondary, { 'retry-after': '1' }])),
      () => gh.post('/repos/acme/api/check-runs').reply(() => (posts++, [201, { id: 4242, name: 'x', head_sha: SHA }])),
    ]);

    const action = await h.pipeline.propose(proposal());
    expect(action.status).toBe('approved');

    expect(await h.pipeline.dispatchDue()).toBe(1); // 502 -> retry scheduled
    let row = await h.pipeline.get(action.id);
    expect(row).toMatchObject({ status: 'approved', attempts: 1 });
    expect(row?.lastError).toMatch(/502/);

    h.clock.advance(1_000);
    expect(await h.pipeline.dispatchDue()).toBe(1); // secondary rate limit -> retry after >= retry-after
    row = await h.pipeline.get(action.id);
    expect(row).toMatchObject({ status: 'approved', attempts: 2 });
    const waitMs = Date.parse(row!.nextAttemptAt!) - h.clock.t;
    expect(waitMs).toBeGreaterThanOrEqual(1_000); // honours retry-after: 1 (backoff alone would be <= 100 ms)
    expect(await h.pipeline.dispatchDue()).toBe(0); // not due yet

    h.clock.advance(waitMs);
    expect(await h.pipeline.dispatchDue()).toBe(1);
    row = await h.pipeline.get(action.id);
    expect(row).toMatchObject({ status: 'dispatched', attempts: 3, result: { checkRunId: 4242, created: true } });
    expect(posts).toBe(3);
    expect(gh.isDone()).toBe(true);

    const types = (await auditTypes(h.db, action.id)).map((e) => e.type);
    expect(types).toEqual([
      'action.proposed',
      'action.approved',
      'action.dispatching',
      'action.approved', // retry scheduled
      'action.dispatching',
      'action.approved',
      'action.dispatching',
      'action.dispatched',
    ]);
    const retries = (await auditTypes(h.db, action.id)).filter((e) => e.type === 'action.approved' && e.details.from === 'dispatching');
    expect(retries.map((e) => e.details.code)).toEqual(['http_502', 'secondary_rate_limit']);

    // The id is cached: the next revision of the same check updates by id without a lookup.
    gh.patch('/repos/acme/api/check-runs/4242', (b: { status: string; conclusion: string }) => b.status === 'completed' && b.conclusion === 'success').reply(200, { id: 4242 });
    const next = await h.pipeline.propose(proposal(checkPayload({ conclusion: 'success', title: 'ok' })));
    expect(next.revision).toBe(2);
    await h.pipeline.runUntilIdle();
    expect((await h.pipeline.get(next.id))?.status).toBe('dispatched');

    // Re-proposing the same payload is a no-op: no new row, no request.
    const again = await h.pipeline.propose(proposal(checkPayload({ conclusion: 'success', title: 'ok' })));
    expect(again.id).toBe(next.id);
    expect(await h.pipeline.runUntilIdle()).toBe(0);

    const metrics = await metricsRegistry.getSingleMetricAsString('pj_action_dispatch_retries_total');
    expect(metrics).toMatch(/kind="check_run.upsert"} 2/);
  });

  it('with plugin-retry and plugin-throttling enabled, a failed write is not re-sent inside the attempt', async () => {
    const octokit = new ProbotOctokit({
      auth: { token: 't' },
      retry: { retryAfterBaseValue: 1 },
      throttle: { ...outboxThrottle, retryAfterBaseValue: 1, fallbackSecondaryRateRetryAfter: 0 },
    }) as Octokit;
    const h = await harness({ getOctokit: async () => octokit, retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 } });
    const gh = nock(API);
    gh.get(`/repos/acme/api/commits/${SHA}/check-runs`).query(true).times(2).reply(200, { total_count: 0, check_runs: [] });
    gh.post('/repos/acme/api/check-runs').reply(502, { message: 'Bad Gateway' });
    gh.post('/repos/acme/api/check-runs').reply(403, secondary, { 'retry-after': '1' });
    gh.post('/repos/acme/api/check-runs').reply(201, { id: 9, head_sha: SHA });

    const action = await h.pipeline.propose(proposal());
    await h.pipeline.dispatchDue();
    // Had plugin-retry re-sent the POST, the second mock (403) would have been consumed by attempt 1.
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'approved', attempts: 1 });
    expect((await h.pipeline.get(action.id))?.lastError).toMatch(/502/);
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 3, result: { checkRunId: 9 } });
  });

  it('sends annotations 50 per request, repeating title and summary', async () => {
    const h = await harness();
    const annotations = Array.from({ length: 120 }, (_, i) => ({
      path: 'openapi.yaml',
      start_line: i + 1,
      end_line: i + 1,
      annotation_level: 'warning',
      message: `finding ${i}`,
    }));
    const gh = nock(API);
    // Each request's summary ends with a hidden marker of how many annotations the run holds after it.
    const progress: string[] = [];
    const marked = (b: { output: { summary: string } }) => {
      const m = /^summary\n\n<!-- puddlejumper:annotations [0-9a-f]{64} (\d+\/\d+) -->$/.exec(b.output.summary);
      if (m) progress.push(m[1]!);
      return m !== null;
    };
    gh.post('/repos/acme/api/check-runs', (b: { output: { summary: string; annotations: unknown[] } }) => b.output.annotations.length === 50 && marked(b)).reply(201, { id: 5 });
    const sizes: number[] = [];
    gh.patch('/repos/acme/api/check-runs/5', (b: { output: { title: string; summary: string; annotations: unknown[] } }) => {
      sizes.push(b.output.annotations.length);
      return b.output.title === '2 breaking changes' && marked(b);
    })
      .times(2)
      .reply(200, { id: 5 });
    const action = await h.pipeline.propose(proposal(checkPayload({ annotations })));
    await h.pipeline.runUntilIdle();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', result: { requests: 3, annotations: 120 } });
    expect(sizes).toEqual([50, 20]);
    expect(progress).toEqual(['50/120', '100/120', '120/120']);
  });

  it('a permanent 422 fails the action with its reason, in the audit log and the metrics', async () => {
    const h = await harness();
    const gh = nock(API);
    gh.post('/repos/acme/api/check-runs').reply(422, { message: 'Validation Failed: head_sha is not a commit' });
    const action = await h.pipeline.propose(proposal());
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    const row = await h.pipeline.get(action.id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    expect(row?.reason).toMatch(/422.*head_sha is not a commit/);
    const failed = (await auditTypes(h.db, action.id)).find((e) => e.type === 'action.failed');
    expect(failed?.details).toMatchObject({ code: 'http_422' });
    expect(String(failed?.details.reason)).toMatch(/head_sha is not a commit/);
    const metric = await metricsRegistry.getSingleMetricAsString('pj_action_failures_total');
    expect(metric).toMatch(/pj_action_failures_total\{kind="check_run.upsert",reason="http_422"\} 1/);
  });

  it('does not send the same annotations twice: GitHub appends them on every update', async () => {
    const h = await harness();
    const annotations = [{ path: 'openapi.yaml', start_line: 3, end_line: 3, annotation_level: 'failure' as const, message: 'removed' }];
    const gh = nock(API);
    gh.post('/repos/acme/api/check-runs', (b: { output: { annotations: unknown[] } }) => b.output.annotations.length === 1).reply(201, { id: 6 });
    const sent: number[] = [];
    gh.patch('/repos/acme/api/check-runs/6', (b: { output: { annotations: unknown[] } }) => (sent.push(b.output.annotations.length), true))
      .times(2)
      .reply(200, { id: 6 });
    await h.pipeline.propose(proposal(checkPayload({ annotations, title: 'Waiting for approval: Director' })));
    await h.pipeline.runUntilIdle();
    // Approved later: same findings, new title; the annotations are already on the run.
    await h.pipeline.propose(proposal(checkPayload({ annotations, title: 'Approved by @alice (Director)' })));
    await h.pipeline.runUntilIdle();
    // Different findings are sent.
    await h.pipeline.propose(proposal(checkPayload({ annotations: [{ ...annotations[0]!, start_line: 9, end_line: 9 }] })));
    await h.pipeline.runUntilIdle();
    expect(sent).toEqual([0, 1]);
  });

  it('a revision that fails after a newer one was proposed is superseded, never retried over it', async () => {
    const h = await harness({ retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 10 } });
    const gh = nock(API);
    const first = await h.pipeline.propose(proposal(checkPayload({ conclusion: 'success', title: 'ok' })));
    // Claimed, and mid-call when the chain is withdrawn and a "waiting" revision is proposed.
    const [claimed] = await h.pipeline.store.claimDue(h.pipeline.workerId, new Date(h.clock.t).toISOString(), new Date(h.clock.t + 60_000).toISOString(), 1);
    expect(claimed?.id).toBe(first.id);
    const newer = await h.pipeline.propose(proposal(checkPayload({ conclusion: 'failure', title: 'Waiting for approval: Director' })));
    gh.post('/repos/acme/api/check-runs').reply(502, { message: 'Bad Gateway' });
    await h.pipeline.dispatchClaimed(claimed!);
    expect(await h.pipeline.get(first.id)).toMatchObject({ status: 'superseded', supersededBy: newer.id });

    const sent: string[] = [];
    gh.get(`/repos/acme/api/commits/${SHA}/check-runs`).query(true).reply(200, { total_count: 0, check_runs: [] });
    gh.post('/repos/acme/api/check-runs').reply(201, (_u, body) => (sent.push((body as { output: { title: string } }).output.title), { id: 1 }));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(sent).toEqual(['Waiting for approval: Director']);
  });
});
