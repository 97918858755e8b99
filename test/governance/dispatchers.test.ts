import { createHmac } from 'node:crypto';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { PackOrigin } from '../../src/governance/action.js';
import { harness } from './helpers.js';

const API = 'https://api.github.com';
const origin: PackOrigin = {
  packId: 'payments-api',
  valid: true,
  testMode: false,
  routing: { emailList: [], webhooks: [{ name: 'ops', url: 'https://hooks.example.com/pj', secretEnv: 'PJ_SECRET_OPS_HOOK' }] },
};
const MARKER = '<!-- puddlejumper:gate:acme/api#7 -->';

describe('comment.upsert', () => {
  it('after a failed attempt that may have posted, finds the comment by its hidden marker and PATCHes it in place', async () => {
    const h = await harness({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    const gh = nock(API);
    // GitHub stored the comment but the response was lost.
    gh.post('/repos/acme/api/issues/7/comments').reply(502, { message: 'Bad Gateway' });
    gh.get('/repos/acme/api/issues/7/comments')
      .query({ per_page: '100', page: '1' })
      .reply(200, [
        { id: 1, body: 'LGTM' },
        { id: 2, body: `old summary\n\n${MARKER}` },
      ]);
    gh.patch('/repos/acme/api/issues/comments/2', (b: { body: string }) => b.body === `new summary\n\n${MARKER}`).reply(200, { id: 2 });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'comment.upsert',
      idempotencyKey: 'comment:acme/api#7:gate',
      subject: { repo: 'acme/api', prNumber: 7 },
      payload: { repo: 'acme/api', issueNumber: 7, body: 'new summary', marker: 'gate:acme/api#7' },
      origin,
    });
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 2, result: { commentId: 2, created: false } });

    // The next revision edits the stored id directly.
    gh.patch('/repos/acme/api/issues/comments/2').reply(200, { id: 2 });
    const next = await h.pipeline.propose({
      installationId: 1,
      kind: 'comment.upsert',
      idempotencyKey: 'comment:acme/api#7:gate',
      subject: { repo: 'acme/api', prNumber: 7 },
      payload: { repo: 'acme/api', issueNumber: 7, body: 'newer summary', marker: 'gate:acme/api#7' },
      origin,
    });
    await h.pipeline.runUntilIdle();
    expect(await h.pipeline.get(next.id)).toMatchObject({ status: 'dispatched', result: { commentId: 2 } });
  });

  it('a first attempt posts at once: nothing can carry its marker yet', async () => {
    const h = await harness();
    const gh = nock(API);
    gh.post('/repos/acme/api/issues/7/comments', (b: { body: string }) => b.body.endsWith(MARKER)).reply(201, { id: 99 });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'comment.upsert',
      idempotencyKey: 'c',
      subject: { repo: 'acme/api', prNumber: 7 },
      payload: { repo: 'acme/api', issueNumber: 7, body: 'hello', marker: 'gate:acme/api#7' },
      origin,
    });
    await h.pipeline.runUntilIdle();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', result: { commentId: 99, created: true } });
  });
});

describe('issue.upsert', () => {
  it('finds the open digest issue by marker under its label and edits it', async () => {
    const h = await harness();
    const gh = nock(API);
    const marker = '<!-- puddlejumper:digest:acme/docs -->';
    gh.get('/repos/acme/docs/issues')
      .query({ state: 'open', per_page: '100', page: '1', labels: 'doc-drift' })
      .reply(200, [
        { number: 3, body: marker, pull_request: { url: 'x' } },
        { number: 4, body: `digest\n${marker}` },
      ]);
    gh.patch('/repos/acme/docs/issues/4').reply(200, { number: 4 });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'issue.upsert',
      idempotencyKey: 'digest:acme/docs',
      subject: { repo: 'acme/docs' },
      payload: { repo: 'acme/docs', title: 'Doc drift digest', body: 'three drifts', marker: 'digest:acme/docs', labels: ['doc-drift'] },
      origin,
    });
    await h.pipeline.runUntilIdle();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', result: { issueNumber: 4, created: false } });
  });
});

describe('pull_request.upsert', () => {
  it('finds the open PR by branch and updates it instead of opening another; no empty commit', async () => {
    const h = await harness();
    const gh = nock(API);
    gh.get('/repos/acme/docs/git/ref/heads%2Fpj%2Fdrift').reply(200, { object: { sha: 'c1' } });
    gh.get('/repos/acme/docs/git/commits/c1').reply(200, { sha: 'c1', tree: { sha: 't1' } });
    gh.post('/repos/acme/docs/git/trees', (b: { base_tree: string; tree: Array<{ path: string }> }) => b.base_tree === 't1' && b.tree[0]?.path === 'runbook.md').reply(201, { sha: 't1' });
    gh.get('/repos/acme/docs/pulls').query({ head: 'acme:pj/drift', state: 'open', per_page: '10' }).reply(200, [{ number: 31 }]);
    gh.patch('/repos/acme/docs/pulls/31', (b: { body: string }) => b.body.includes('<!-- puddlejumper:drift:runbook -->')).reply(200, { number: 31 });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'pull_request.upsert',
      idempotencyKey: 'pr:acme/docs:drift',
      subject: { repo: 'acme/docs' },
      payload: {
        repo: 'acme/docs',
        base: 'main',
        branch: 'pj/drift',
        title: 'Fix runbook drift',
        body: 'Patches the runbook',
        marker: 'drift:runbook',
        files: [{ path: 'runbook.md', content: '# runbook' }],
        commitMessage: 'docs: fix drift',
      },
      origin,
    });
    await h.pipeline.runUntilIdle();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', result: { prNumber: 31, created: false, commitSha: 'c1' } });
  });

  it('creates branch, commit and PR when none exists', async () => {
    const h = await harness();
    const gh = nock(API);
    gh.get('/repos/acme/docs/git/ref/heads%2Fpj%2Fdrift').reply(404, { message: 'Not Found' });
    gh.get('/repos/acme/docs/git/ref/heads%2Fmain').reply(200, { object: { sha: 'b0' } });
    gh.post('/repos/acme/docs/git/refs', { ref: 'refs/heads/pj/drift', sha: 'b0' }).reply(201, { object: { sha: 'b0' } });
    gh.get('/repos/acme/docs/git/commits/b0').reply(200, { sha: 'b0', tree: { sha: 't0' } });
    gh.post('/repos/acme/docs/git/trees').reply(201, { sha: 't1' });
    gh.post('/repos/acme/docs/git/commits', { message: 'docs: fix drift', tree: 't1', parents: ['b0'] }).reply(201, { sha: 'c1' });
    gh.patch('/repos/acme/docs/git/refs/heads%2Fpj%2Fdrift', { sha: 'c1', force: false }).reply(200, {});
    gh.get('/repos/acme/docs/pulls').query(true).reply(200, []);
    gh.post('/repos/acme/docs/pulls', (b: { head: string; base: string }) => b.head === 'pj/drift' && b.base === 'main').reply(201, { number: 32 });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'pull_request.upsert',
      idempotencyKey: 'pr:acme/docs:drift',
      subject: { repo: 'acme/docs' },
      payload: {
        repo: 'acme/docs',
        base: 'main',
        branch: 'pj/drift',
        title: 'Fix runbook drift',
        body: 'Patches the runbook',
        marker: 'drift:runbook',
        files: [{ path: 'runbook.md', content: '# runbook' }],
        commitMessage: 'docs: fix drift',
      },
      origin,
    });
    await h.pipeline.runUntilIdle();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', result: { prNumber: 32, created: true, commitSha: 'c1' } });
  });
});

describe('notifications', () => {
  it('a webhook is POSTed signed (X-PuddleJumper-Signature-256, GitHub\'s format) with the event and the delivery (the idempotency key)', async () => {
    const h = await harness({ env: { PJ_SECRET_OPS_HOOK: 's3cret', PJ_WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com' } });
    let seen: { headers: Record<string, string | string[] | undefined>; body: string } | undefined;
    nock('https://hooks.example.com')
      .post('/pj')
      .reply(function (_uri, body) {
        seen = { headers: this.req.headers, body: typeof body === 'string' ? body : JSON.stringify(body) };
        return [204, ''];
      });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'notify.webhook',
      idempotencyKey: 'wh:acme/api#7:gate',
      subject: { repo: 'acme/api', prNumber: 7 },
      payload: { target: 'ops', event: 'contracts.blocked', body: { severity: 'high' } },
      origin,
    });
    await h.pipeline.runUntilIdle();
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', result: { target: 'ops', status: 204 } });
    expect(seen?.headers['x-puddlejumper-delivery']).toBe('wh:acme/api#7:gate');
    expect(seen?.headers['x-puddlejumper-event']).toBe('contracts.blocked');
    const expected = `sha256=${createHmac('sha256', 's3cret').update(seen!.body).digest('hex')}`;
    expect(seen?.headers['x-puddlejumper-signature-256']).toBe(expected);
    expect(JSON.parse(seen!.body)).toMatchObject({ schema: 'puddlejumper.event/v1', event: 'contracts.blocked', delivery: 'wh:acme/api#7:gate', data: { severity: 'high' } });
  });

  it('Slack chat.postMessage with the bot token carries the idempotency key; a 5xx is retried', async () => {
    const h = await harness({ env: { SLACK_BOT_TOKEN: 'xoxb-1' } });
    const slack = nock('https://slack.com', { reqheaders: { authorization: 'Bearer xoxb-1' } });
    slack.post('/api/chat.postMessage').reply(503, 'unavailable');
    slack
      .post('/api/chat.postMessage', (b: { channel: string; metadata: { event_payload: { idempotency_key: string } } }) =>
        b.channel === '#platform' && b.metadata.event_payload.idempotency_key === 'slack:acme/api#7')
      .reply(200, { ok: true, ts: '1700000000.0001', channel: 'C1' });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'notify.slack',
      idempotencyKey: 'slack:acme/api#7',
      subject: { repo: 'acme/api', prNumber: 7 },
      payload: { target: '#platform', text: 'Gate failed on acme/api#7' },
      origin,
    });
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'dispatched', attempts: 2, result: { ts: '1700000000.0001', via: 'bot' } });
  });

  it('a Slack API error that is not transient fails the action with it', async () => {
    const h = await harness({ env: { SLACK_BOT_TOKEN: 'xoxb-1' } });
    nock('https://slack.com').post('/api/chat.postMessage').reply(200, { ok: false, error: 'channel_not_found' });
    const action = await h.pipeline.propose({
      installationId: 1,
      kind: 'notify.slack',
      idempotencyKey: 's',
      subject: { repo: 'acme/api' },
      payload: { target: '#nope', text: 'x' },
      origin,
    });
    await h.pipeline.runUntilIdle({ sleep: h.clock.sleep });
    expect(await h.pipeline.get(action.id)).toMatchObject({ status: 'failed', attempts: 1, reason: 'slack chat.postMessage: channel_not_found' });
  });
});
