// review_request.sync: the reviewers of the active steps requested, those of decided steps withdrawn.
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { PackOrigin } from '../../src/governance/action.js';
import { harness } from './helpers.js';

const API = 'https://api.github.com';
const origin: PackOrigin = { packId: 'payments-api', valid: true, testMode: false };
const sync = (payload: Record<string, unknown>, key = 'review_request:acme/api#7') => ({
  installationId: 1,
  kind: 'review_request.sync',
  idempotencyKey: key,
  subject: { repo: 'acme/api', prNumber: 7 },
  payload: { repo: 'acme/api', prNumber: 7, reviewers: [], teamReviewers: [], withdrawReviewers: [], withdrawTeamReviewers: [], ...payload },
  origin,
});

describe('review_request.sync', () => {
  it('requests the active step\'s users and teams, and withdraws those of the decided step', async () => {
    const h = await harness();
    const gh = nock(API);
    gh.post('/repos/acme/api/pulls/7/requested_reviewers', { reviewers: ['dana'], team_reviewers: ['directors'] }).reply(201, {});
    gh.delete('/repos/acme/api/pulls/7/requested_reviewers', { reviewers: ['alice'], team_reviewers: ['team-leads'] }).reply(200, {});
    const a = await h.pipeline.propose(sync({ reviewers: ['dana'], teamReviewers: ['directors'], withdrawReviewers: ['alice'], withdrawTeamReviewers: ['team-leads'] }));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(a.id)).toMatchObject({
      status: 'dispatched',
      result: { requested: { users: ['dana'], teams: ['directors'] }, withdrawn: { users: ['alice'], teams: ['team-leads'] } },
    });
    // The same state again (a redelivery): no call.
    await h.pipeline.propose(sync({ reviewers: ['dana'], teamReviewers: ['directors'], withdrawReviewers: ['alice'], withdrawTeamReviewers: ['team-leads'] }));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
  });

  it('when GitHub refuses one reviewer (422), the others are still asked and the refused one is reported', async () => {
    const h = await harness();
    const gh = nock(API);
    const notCollaborator = { message: 'Reviews may only be requested from collaborators.' };
    gh.post('/repos/acme/api/pulls/7/requested_reviewers', { reviewers: ['alice', 'outsider'], team_reviewers: ['team-leads'] }).reply(422, notCollaborator);
    gh.post('/repos/acme/api/pulls/7/requested_reviewers', { reviewers: ['alice'], team_reviewers: [] }).reply(201, {});
    gh.post('/repos/acme/api/pulls/7/requested_reviewers', { reviewers: ['outsider'], team_reviewers: [] }).reply(422, notCollaborator);
    gh.post('/repos/acme/api/pulls/7/requested_reviewers', { reviewers: [], team_reviewers: ['team-leads'] }).reply(201, {});
    const a = await h.pipeline.propose(sync({ reviewers: ['alice', 'outsider'], teamReviewers: ['team-leads'] }));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(a.id)).toMatchObject({ status: 'dispatched', result: { requested: { users: ['alice'], teams: ['team-leads'] }, refused: ['outsider'] } });
  });

  it('a 5xx is retried', async () => {
    const h = await harness({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    const gh = nock(API);
    gh.post('/repos/acme/api/pulls/7/requested_reviewers').reply(502, { message: 'Bad Gateway' });
    gh.post('/repos/acme/api/pulls/7/requested_reviewers').reply(201, {});
    const a = await h.pipeline.propose(sync({ reviewers: ['alice'] }));
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(a.id)).toMatchObject({ status: 'dispatched', attempts: 2 });
  });

  it('a test-mode pack may not request reviews, even with testMode.notify', async () => {
    const h = await harness();
    const a = await h.pipeline.propose({ ...sync({ reviewers: ['alice'] }), origin: { ...origin, testMode: true, testModeNotify: true } });
    expect(a).toMatchObject({ status: 'denied', reason: expect.stringMatching(/test mode/) });
  });
});
