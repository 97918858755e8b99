// The Octokit class the production Probot is built with: Probot hands every instance its
// own throttle callbacks, and ours must still win, so a rate-limited write goes back to
// the outbox (counted, audited, durable) instead of being re-sent inside the call.
import nock from 'nock';
import pino from 'pino';
import { Probot } from 'probot';
import { describe, expect, it } from 'vitest';
import { OutboxOctokit, prepareOctokit, type Octokit } from '../../src/github/octokit.js';

describe('OutboxOctokit inside Probot', () => {
  it('a write that hits the primary rate limit is not retried in-process', async () => {
    const probot = new Probot({ githubToken: 'test', Octokit: OutboxOctokit, log: pino({ level: 'silent' }) });
    const octokit = prepareOctokit((await probot.auth(1)) as unknown as Octokit, 1);
    let posts = 0;
    nock('https://api.github.com')
      .post('/repos/acme/api/check-runs')
      .reply(() => {
        posts++;
        return [403, { message: 'API rate limit exceeded' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1) }];
      });
    await expect(octokit.request('POST /repos/{owner}/{repo}/check-runs', { owner: 'acme', repo: 'api', name: 'x', head_sha: 'a'.repeat(40) })).rejects.toMatchObject({ status: 403 });
    expect(posts).toBe(1);
  });
});
