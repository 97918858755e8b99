// Team membership through the GitHub API:
// `GET /orgs/{org}/teams/{team_slug}/memberships/{username}` — state `active` is a member,
// `pending` (invited) and 404 are not; any other error is thrown (the eligibility check
// turns it into a refusal: fail closed).
//
// Two caches: a process-wide one with a short TTL (default 60 s, injectable clock),
// shared by passing the same `MembershipCache` to every instance, and one per
// evaluation (`forEvaluation()`), so one webhook never asks twice even with TTL 0.
// Concurrent lookups of one key share a single request.
//
// What a token may see differs per installation (a 404 for one installation's token may
// be a member for another's), so the shared cache is keyed by installation: pass
// `{ installationId }`. Without it, answers are shared only among lookups through the
// same requester object (safe, but a new Octokit per webhook then shares nothing).
import { statusOf } from './status.js';

/** The part of an Octokit this needs (a Probot `context.octokit` fits). */
export interface MembershipRequester {
  request(
    route: 'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
    params: { org: string; team_slug: string; username: string },
  ): Promise<{ data: { state?: string } }>;
}

export interface MembershipLookup {
  isTeamMember(org: string, slug: string, login: string): Promise<boolean>;
}

export class MembershipCache {
  readonly entries = new Map<string, { member: boolean; expiresAt: number }>();
  constructor(
    readonly ttlMs = 60_000,
    readonly clock: () => number = Date.now,
  ) {}
  get(key: string): boolean | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.clock()) {
      this.entries.delete(key);
      return undefined;
    }
    return e.member;
  }
  set(key: string, member: boolean): void {
    this.entries.set(key, { member, expiresAt: this.clock() + this.ttlMs });
  }
}

/** A process-unique id per requester object, for cache keys when no installation is given. */
const requesterIds = new WeakMap<object, number>();
let nextRequesterId = 1;
function requesterId(requester: object): number {
  let id = requesterIds.get(requester);
  if (id === undefined) {
    id = nextRequesterId++;
    requesterIds.set(requester, id);
  }
  return id;
}

export class TeamMembership implements MembershipLookup {
  private readonly inflight = new Map<string, Promise<boolean>>();
  /** Whose view of GitHub the answers are: the cache never serves one installation's answer to another. */
  private readonly scope: string;
  requests = 0;

  constructor(
    private readonly octokit: MembershipRequester,
    private readonly cache: MembershipCache = new MembershipCache(),
    options: { installationId?: number } = {},
  ) {
    this.scope = options.installationId !== undefined ? `installation:${options.installationId}` : `requester:${requesterId(octokit)}`;
  }

  async isTeamMember(org: string, slug: string, login: string): Promise<boolean> {
    const key = `${this.scope}:${`${org}/${slug}/${login}`.toLowerCase()}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.fetch(org, slug, login).then(
      (member) => {
        this.cache.set(key, member);
        this.inflight.delete(key);
        return member;
      },
      (err: unknown) => {
        this.inflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  private async fetch(org: string, slug: string, login: string): Promise<boolean> {
    this.requests++;
    try {
      const res = await this.octokit.request('GET /orgs/{org}/teams/{team_slug}/memberships/{username}', {
        org,
        team_slug: slug,
        username: login,
      });
      return res.data.state === 'active';
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  /** A lookup that remembers every answer for the life of one evaluation (one webhook). */
  forEvaluation(): MembershipLookup {
    const memo = new Map<string, Promise<boolean>>();
    return {
      isTeamMember: (org, slug, login) => {
        const key = `${org}/${slug}/${login}`.toLowerCase();
        let p = memo.get(key);
        if (!p) {
          p = this.isTeamMember(org, slug, login);
          memo.set(key, p);
        }
        return p;
      },
    };
  }
}
