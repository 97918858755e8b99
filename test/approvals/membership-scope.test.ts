import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { describe, expect, it } from 'vitest';
import { MembershipCache, TeamMembership } from '../../src/github/team-membership.js';

const octokit = () => new ProbotOctokit({ auth: { token: 't' }, retry: { enabled: false }, throttle: { enabled: false } });
const ROUTE = '/orgs/acme/teams/directors/memberships/dana';

describe('the process-wide membership cache is per installation', () => {
  it("one installation's 404 is not served to another installation; the same installation shares answers across webhooks", async () => {
    const cache = new MembershipCache();
    nock('https://api.github.com').get(ROUTE).reply(404, { message: 'Not Found' }).get(ROUTE).reply(200, { state: 'active' });
    const first = new TeamMembership(octokit(), cache, { installationId: 1 });
    expect(await first.isTeamMember('acme', 'directors', 'dana')).toBe(false);
    const other = new TeamMembership(octokit(), cache, { installationId: 2 });
    expect(await other.isTeamMember('acme', 'directors', 'dana')).toBe(true);
    expect(other.requests).toBe(1);
    // A later webhook of installation 1 (a new Octokit) is answered from the cache.
    const again = new TeamMembership(octokit(), cache, { installationId: 1 });
    expect(await again.isTeamMember('acme', 'directors', 'Dana')).toBe(false);
    expect(again.requests).toBe(0);
  });

  it('without an installation id, answers are not shared between different requesters', async () => {
    const cache = new MembershipCache();
    nock('https://api.github.com').get(ROUTE).reply(404, { message: 'Not Found' }).get(ROUTE).reply(200, { state: 'active' });
    const a = octokit();
    expect(await new TeamMembership(a, cache).isTeamMember('acme', 'directors', 'dana')).toBe(false);
    expect(await new TeamMembership(octokit(), cache).isTeamMember('acme', 'directors', 'dana')).toBe(true);
    const sameRequester = new TeamMembership(a, cache);
    expect(await sameRequester.isTeamMember('acme', 'directors', 'dana')).toBe(false);
    expect(sameRequester.requests).toBe(0);
  });
});
