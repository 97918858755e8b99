// Issue 9 item 9: GitHub appends the annotations of every check-run update, so a dispatch
// that times out between batches must not send again, on its retry, what GitHub accepted.
// A fake check run on GitHub keeps what each accepted request appended; one request
// hangs past the dispatch timeout (the attempt is aborted) and the retry resumes.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { sentByMarker, withMarker } from '../../src/governance/dispatchers/check-run.js';
import { CHECK_SUMMARY_LIMIT } from '../../src/report/check-run.js';
import { checkPayload, harness, SHA } from './helpers.js';

const API = 'https://api.github.com';
const RUN = '/repos/acme/api/check-runs/7';

interface Body {
  status?: string;
  conclusion?: string;
  output: { title: string; summary: string; annotations: Array<{ message: string }> };
}

const annotations = Array.from({ length: 150 }, (_, i) => ({ path: 'openapi.yaml', start_line: i + 1, end_line: i + 1, annotation_level: 'failure' as const, message: `finding ${i}` }));
const expected = annotations.map((a) => a.message);

/** What GitHub holds for check run 7: every accepted request's annotations, appended, and the latest output. */
class FakeRun {
  annotations: string[] = [];
  summary = '';
  title = '';
  conclusion: string | undefined;
  writes = 0;
  accept(body: Body): void {
    this.writes++;
    this.annotations.push(...body.output.annotations.map((a) => a.message));
    this.summary = body.output.summary;
    this.title = body.output.title;
    if (body.conclusion) this.conclusion = body.conclusion;
  }
  json() {
    return { id: 7, name: 'PuddleJumper / payments-api', head_sha: SHA, external_id: 'puddlejumper', output: { title: this.title, summary: this.summary, annotations_count: this.annotations.length } };
  }
}

function proposal() {
  return {
    installationId: 1,
    kind: 'check_run.upsert',
    idempotencyKey: `check:acme/api@${SHA}:PuddleJumper / payments-api`,
    subject: { repo: 'acme/api', prNumber: 7, headSha: SHA },
    payload: checkPayload({ annotations, externalId: 'puddlejumper' }),
  };
}

async function setup() {
  return harness({ dispatchTimeoutMs: 600, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
}

describe('a check-run dispatch that times out between annotation batches', () => {
  it('resumes after the last batch GitHub accepted: the 150 annotations land once each', async () => {
    const h = await setup();
    const run = new FakeRun();
    const gh = nock(API);
    gh.post('/repos/acme/api/check-runs').reply(201, (_u, b) => (run.accept(b as Body), run.json()));
    gh.patch(RUN).reply(200, (_u, b) => (run.accept(b as Body), run.json()));
    // The third batch hangs: the attempt times out and its request is aborted; GitHub never took it.
    gh.patch(RUN).delay(3_000).reply(200, () => run.json());

    const action = await h.pipeline.propose(proposal());
    await h.pipeline.dispatchDue();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'approved', attempts: 1, lastError: 'dispatch timed out after 600 ms' });
    expect(run.annotations).toEqual(expected.slice(0, 100));

    // The retry reads where the run stands (one GET), then sends only the rest.
    gh.get(RUN).reply(200, () => run.json());
    gh.patch(RUN).times(3).optionally().reply(200, (_u, b) => (run.accept(b as Body), run.json()));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 2 });
    expect(run.annotations).toEqual(expected);
    expect(run.writes).toBe(3); // accepted: the creation, batch 2, and batch 3 on the retry
    expect(run.conclusion).toBe('failure');
    expect(run.title).toBe('2 breaking changes');
    expect(run.summary.startsWith('summary')).toBe(true);
  });

  it('a batch GitHub accepted whose response was lost is not sent again', async () => {
    const h = await setup();
    const run = new FakeRun();
    const gh = nock(API);
    gh.post('/repos/acme/api/check-runs').reply(201, (_u, b) => (run.accept(b as Body), run.json()));
    gh.patch(RUN).reply(200, (_u, b) => (run.accept(b as Body), run.json()));
    // GitHub applies the last batch, but the answer comes too late for the attempt.
    gh.patch(RUN, (b: Body) => (run.accept(b), true)).delay(3_000).reply(200, () => run.json());

    const action = await h.pipeline.propose(proposal());
    await h.pipeline.dispatchDue();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'approved', attempts: 1 });
    expect(run.annotations).toEqual(expected);

    gh.get(RUN).reply(200, () => run.json());
    const resent: number[] = [];
    gh.patch(RUN).times(3).optionally().reply(200, (_u, b) => (resent.push((b as Body).output.annotations.length), run.accept(b as Body), run.json()));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 2 });
    expect(resent).toEqual([0]); // one update of title, summary and conclusion; no annotation again
    expect(run.annotations).toEqual(expected);
  });

  it('a creation whose response was lost: the retry finds the run, reads its progress, and goes on', async () => {
    const h = await setup();
    const run = new FakeRun();
    const gh = nock(API);
    gh.post('/repos/acme/api/check-runs', (b: Body) => (run.accept(b), true)).delay(3_000).reply(201, () => run.json());

    const action = await h.pipeline.propose(proposal());
    await h.pipeline.dispatchDue();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'approved', attempts: 1 });
    expect(run.annotations).toEqual(expected.slice(0, 50));

    gh.get(`/repos/acme/api/commits/${SHA}/check-runs`).query(true).reply(200, () => ({ total_count: 1, check_runs: [run.json()] }));
    gh.patch(RUN).times(3).optionally().reply(200, (_u, b) => (run.accept(b as Body), run.json()));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 2, result: { checkRunId: 7 } });
    expect(run.annotations).toEqual(expected);
    expect(run.writes).toBe(3);
  });

  it('a later revision after one that timed out mid-batches sends what that one did not', async () => {
    const h = await harness({ dispatchTimeoutMs: 600, retry: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
    const run = new FakeRun();
    const gh = nock(API);
    gh.post('/repos/acme/api/check-runs').reply(201, (_u, b) => (run.accept(b as Body), run.json()));
    gh.patch(RUN).delay(3_000).reply(200, () => run.json());
    const first = await h.pipeline.propose(proposal());
    await h.pipeline.dispatchDue();
    expect(await h.pipeline.get(first.id)).toMatchObject({ status: 'failed' }); // no attempt left
    expect(run.annotations).toEqual(expected.slice(0, 50));

    // Approved later: same findings, new title. The failed revision left 50 on the run.
    gh.get(RUN).reply(200, () => run.json());
    gh.patch(RUN).times(3).optionally().reply(200, (_u, b) => (run.accept(b as Body), run.json()));
    const next = await h.pipeline.propose({ ...proposal(), payload: checkPayload({ annotations, externalId: 'puddlejumper', title: 'Approved', conclusion: 'success' }) });
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(next.id)).toMatchObject({ status: 'dispatched', revision: 2 });
    expect(run.annotations).toEqual(expected);
    expect(run.title).toBe('Approved');
  });
});

describe('the progress marker', () => {
  const digest = 'f'.repeat(64);
  it('is read only at the very end of the summary and only for the same annotations', () => {
    expect(sentByMarker(withMarker('text', digest, 100, 150), digest)).toBe(100);
    expect(sentByMarker(withMarker('text', digest, 100, 150), 'e'.repeat(64))).toBe(0);
    // A marker quoted inside the summary (say, from a finding's message) is not ours.
    expect(sentByMarker(`${withMarker('text', digest, 150, 150)}\nmore text`, digest)).toBe(0);
    expect(sentByMarker(withMarker(withMarker('text', digest, 150, 150), digest, 50, 150), digest)).toBe(50);
    expect(sentByMarker(null, digest)).toBe(0);
  });

  it("keeps the summary within GitHub's limit", () => {
    const long = withMarker('x'.repeat(CHECK_SUMMARY_LIMIT), digest, 50, 500);
    expect(long.length).toBeLessThanOrEqual(CHECK_SUMMARY_LIMIT);
    expect(sentByMarker(long, digest)).toBe(50);
  });
});
