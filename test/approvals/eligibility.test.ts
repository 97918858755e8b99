import nock from 'nock';
import { ProbotOctokit } from 'probot';
import { describe, expect, it } from 'vitest';
import { isEligible } from '../../src/approvals/eligibility.js';
import { MembershipCache, TeamMembership } from '../../src/github/team-membership.js';

const director = { name: 'Director', users: [], teams: ['acme/directors'] };
const lead = { name: 'Team Lead', users: ['Alice'], teams: [] };
const noTeams = async () => false;
const ctx = { prAuthor: 'author', allowAuthor: false, appSlug: 'puddlejumper', isTeamMember: noTeams };
const user = (login: string) => ({ login, type: 'User' });

function octokit() {
  return new ProbotOctokit({ auth: { token: 'test-token' }, retry: { enabled: false }, throttle: { enabled: false } });
}

describe('who may decide', () => {
  it('accepts a listed login case-insensitively, refuses a different login with a readable reason', async () => {
    expect(await isEligible(user('alice'), lead, ctx)).toEqual({ eligible: true, via: '@alice' });
    expect(await isEligible(user('ALICE'), lead, ctx)).toMatchObject({ eligible: true });
    expect(await isEligible(user('alicia'), lead, ctx)).toEqual({ eligible: false, reason: '@alicia is not in Team Lead (@Alice)' });
  });

  it('refuses the PR author unless allowAuthor', async () => {
    const tier = { ...lead, users: ['author'] };
    expect(await isEligible(user('Author'), tier, ctx)).toEqual({ eligible: false, reason: '@Author is the author of this pull request' });
    expect(await isEligible(user('Author'), tier, { ...ctx, allowAuthor: true })).toMatchObject({ eligible: true });
  });

  it('refuses bots and the app itself, even when listed', async () => {
    const tier = { ...lead, users: ['dependabot[bot]', 'puddlejumper[bot]', 'robot'] };
    expect(await isEligible({ login: 'dependabot[bot]', type: 'Bot' }, tier, ctx)).toEqual({ eligible: false, reason: 'bots cannot approve' });
    expect(await isEligible({ login: 'robot', type: 'Bot' }, tier, ctx)).toEqual({ eligible: false, reason: 'bots cannot approve' });
    expect(await isEligible({ login: 'puddlejumper[bot]', type: 'User' }, tier, ctx)).toEqual({ eligible: false, reason: 'bots cannot approve' });
  });

  it('fails closed when the membership lookup errors', async () => {
    const broken = { ...ctx, isTeamMember: async () => Promise.reject(new Error('HTTP 502')) };
    const r = await isEligible(user('dana'), director, broken);
    expect(r).toMatchObject({ eligible: false });
    expect(!r.eligible && r.reason).toMatch(/@dana is not in Director \(acme\/directors\); could not check membership of acme\/directors: HTTP 502/);
  });
});

describe('team membership via the GitHub API', () => {
  it('active member is eligible; the second check is served from the cache (no request)', async () => {
    const scope = nock('https://api.github.com')
      .get('/orgs/acme/teams/directors/memberships/dana')
      .reply(200, { state: 'active', role: 'member', url: 'x' });
    const membership = new TeamMembership(octokit());
    const check = { ...ctx, isTeamMember: (o: string, s: string, l: string) => membership.isTeamMember(o, s, l) };
    expect(await isEligible(user('dana'), director, check)).toEqual({ eligible: true, via: 'acme/directors' });
    expect(await isEligible(user('Dana'), director, check)).toEqual({ eligible: true, via: 'acme/directors' });
    expect(membership.requests).toBe(1);
    scope.done();
  });

  it('404 is not a member; pending invitation is not a member', async () => {
    nock('https://api.github.com')
      .get('/orgs/acme/teams/directors/memberships/mallory')
      .reply(404, { message: 'Not Found' })
      .get('/orgs/acme/teams/directors/memberships/ivan')
      .reply(200, { state: 'pending' });
    const membership = new TeamMembership(octokit());
    const check = { ...ctx, isTeamMember: (o: string, s: string, l: string) => membership.isTeamMember(o, s, l) };
    expect(await isEligible(user('mallory'), director, check)).toEqual({ eligible: false, reason: '@mallory is not in Director (acme/directors)' });
    expect(await isEligible(user('ivan'), director, check)).toMatchObject({ eligible: false });
  });

  it('the TTL cache expires on the injected clock; per-evaluation lookups never repeat', async () => {
    let now = 0;
    const cache = new MembershipCache(60_000, () => now);
    nock('https://api.github.com').get('/orgs/acme/teams/directors/memberships/dana').times(2).reply(200, { state: 'active' });
    const membership = new TeamMembership(octokit(), cache);
    await membership.isTeamMember('acme', 'directors', 'dana');
    now = 59_000;
    await membership.isTeamMember('acme', 'directors', 'dana');
    expect(membership.requests).toBe(1);
    now = 61_000;
    await membership.isTeamMember('acme', 'directors', 'dana');
    expect(membership.requests).toBe(2);

    const zeroTtl = new TeamMembership(octokit(), new MembershipCache(0, () => now));
    nock('https://api.github.com').get('/orgs/acme/teams/directors/memberships/dave').reply(200, { state: 'active' });
    const evaluation = zeroTtl.forEvaluation();
    await Promise.all([evaluation.isTeamMember('acme', 'directors', 'dave'), evaluation.isTeamMember('acme', 'directors', 'dave')]);
    await evaluation.isTeamMember('ACME', 'directors', 'Dave');
    expect(zeroTtl.requests).toBe(1);
  });

  it('other API errors are thrown (and refuse upstream)', async () => {
    nock('https://api.github.com').get('/orgs/acme/teams/directors/memberships/dana').reply(403, { message: 'Resource not accessible by integration' });
    const membership = new TeamMembership(octokit());
    await expect(membership.isTeamMember('acme', 'directors', 'dana')).rejects.toMatchObject({ status: 403 });
  });
});
