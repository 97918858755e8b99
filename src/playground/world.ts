// The playground's GitHub, as data: an organisation with teams, repos as commits of files
// (git.ts), pull requests, issues, comments, reviews and check runs, and the notifications
// the app sent to the local sinks. The REST API (api.ts) and the people of the story
// (actors.ts) both act on it; the page (page.ts) reads it.
import { GitStore } from './git.js';

export interface Account {
  login: string;
  id: number;
  type: 'User' | 'Bot' | 'Organization';
}

export interface Review {
  id: number;
  user: Account;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
  body: string;
  commitId: string;
  submittedAt: string;
}

export interface Issue {
  number: number;
  title: string;
  body: string;
  user: Account;
  state: 'open' | 'closed';
  labels: string[];
  createdAt: string;
  updatedAt: string;
  /** Set when the issue is a pull request. */
  pull?: Pull;
}

export interface Pull {
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  merged: boolean;
  mergedAt?: string;
  mergeCommitSha?: string;
  requestedReviewers: Set<string>;
  requestedTeams: Set<string>;
  reviews: Review[];
}

export interface Comment {
  id: number;
  issueNumber: number;
  body: string;
  user: Account;
  createdAt: string;
  updatedAt: string;
}

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: string;
  message: string;
  title?: string;
  raw_details?: string;
}

export interface CheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion?: string;
  title: string;
  summary: string;
  text?: string;
  annotations: Annotation[];
  detailsUrl?: string;
  externalId?: string;
  startedAt: string;
  completedAt?: string;
  /** How many times the app wrote this run (create + updates). */
  writes: number;
}

export interface Repo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  description: string;
  refs: Map<string, string>;
  issues: Map<number, Issue>;
  comments: Comment[];
  checkRuns: CheckRun[];
}

export interface Notification {
  at: string;
  channel: 'slack' | 'email' | 'pagerduty' | 'webhook';
  /** Where it went: a Slack channel, mail recipients, a webhook URL. */
  to: string;
  /** A one-line gist (the event, the Slack text, the mail subject). */
  summary: string;
  body: unknown;
}

export class World {
  readonly git = new GitStore();
  readonly repos = new Map<string, Repo>();
  readonly teams = new Map<string, { org: string; slug: string; name: string; members: string[] }>();
  readonly notifications: Notification[] = [];
  readonly accounts = new Map<string, Account>();
  /** The App's OAuth client (the control plane's "Sign in with GitHub"), its codes and user tokens. */
  readonly oauth = { clientId: 'Iv1.playground', clientSecret: '', codes: new Map<string, string>(), userTokens: new Map<string, string>() };
  /** Who signs in through the OAuth flow (the playground has one person at the keyboard). */
  signedIn = 'acme-admin';
  /** Organisation admins (GET /user/memberships/orgs/{org} answers role admin). */
  readonly orgAdmins = new Set<string>(['acme-admin']);
  /** Installation tokens issued to the App. */
  readonly tokens = new Map<string, { installationId: number; expiresAt: number }>();
  private nextId = 1000;

  /** Where the page and the API are served (set once the server listens). */
  webBase = '';
  apiBase = '';

  constructor(
    readonly org: string,
    readonly installationId: number,
    readonly appId: number,
    readonly bot: Account,
    readonly now: () => Date = () => new Date(),
  ) {
    this.accounts.set(bot.login, bot);
  }

  id(): number {
    return this.nextId++;
  }

  stamp(): string {
    return this.now().toISOString();
  }

  account(login: string): Account {
    let a = this.accounts.get(login);
    if (!a) this.accounts.set(login, (a = { login, id: this.id(), type: 'User' }));
    return a;
  }

  addTeam(slug: string, name: string, members: string[]): void {
    for (const m of members) this.account(m);
    this.teams.set(`${this.org}/${slug}`.toLowerCase(), { org: this.org, slug, name, members });
  }

  isMember(org: string, slug: string, login: string): boolean {
    const team = this.teams.get(`${org}/${slug}`.toLowerCase());
    return team !== undefined && team.members.some((m) => m.toLowerCase() === login.toLowerCase());
  }

  /** A new repo whose default branch holds one commit of `files`. */
  addRepo(name: string, files: Record<string, string>, options: { description?: string; author?: string } = {}): Repo {
    const fullName = `${this.org}/${name}`;
    const sha = this.git.commitFiles(undefined, files, { message: 'Initial commit', author: options.author ?? 'acme-admin', date: this.stamp() });
    const repo: Repo = {
      id: this.id(),
      owner: this.org,
      name,
      fullName,
      defaultBranch: 'main',
      description: options.description ?? '',
      refs: new Map([['main', sha]]),
      issues: new Map(),
      comments: [],
      checkRuns: [],
    };
    this.repos.set(fullName.toLowerCase(), repo);
    return repo;
  }

  repo(fullName: string): Repo | undefined {
    return this.repos.get(fullName.toLowerCase());
  }

  mustRepo(fullName: string): Repo {
    const r = this.repo(fullName);
    if (!r) throw new Error(`no repository ${fullName} in the playground`);
    return r;
  }

  /** A ref name (`main`, `heads/main`, `refs/heads/main`), `HEAD`, or a commit sha, as a commit sha. */
  resolve(repo: Repo, ref: string): string | undefined {
    if (ref === 'HEAD') return repo.refs.get(repo.defaultBranch);
    const branch = ref.replace(/^refs\//, '').replace(/^heads\//, '');
    const byRef = repo.refs.get(branch);
    if (byRef) return byRef;
    if (/^[0-9a-f]{7,40}$/.test(ref)) {
      for (const sha of this.git.commits.keys()) if (sha.startsWith(ref)) return sha;
    }
    return undefined;
  }

  nextNumber(repo: Repo): number {
    return repo.issues.size + 1;
  }

  pulls(repo: Repo): Issue[] {
    return [...repo.issues.values()].filter((i) => i.pull !== undefined);
  }

  pull(repo: Repo, number: number): (Issue & { pull: Pull }) | undefined {
    const i = repo.issues.get(number);
    return i?.pull ? (i as Issue & { pull: Pull }) : undefined;
  }

  /** The files a pull request changes: head against the merge base with its base branch. */
  pullFiles(repo: Repo, issue: Issue & { pull: Pull }) {
    const baseTip = repo.refs.get(issue.pull.base.ref) ?? issue.pull.base.sha;
    const base = issue.pull.merged ? issue.pull.base.sha : this.git.mergeBase(baseTip, issue.pull.head.sha) ?? baseTip;
    return this.git.diff(base, issue.pull.head.sha);
  }

  htmlUrl(repo: Repo, path = ''): string {
    return `${this.webBase}/${repo.fullName}${path}`;
  }

  /** A pull request of `head` into `base` (both branches of `repo`). */
  openPull(repo: Repo, o: { user: Account; title: string; body: string; head: string; base: string }): Issue & { pull: Pull } {
    const number = this.nextNumber(repo);
    const at = this.stamp();
    const issue: Issue & { pull: Pull } = {
      number,
      title: o.title,
      body: o.body,
      user: o.user,
      state: 'open',
      labels: [],
      createdAt: at,
      updatedAt: at,
      pull: {
        head: { ref: o.head, sha: repo.refs.get(o.head)! },
        base: { ref: o.base, sha: repo.refs.get(o.base)! },
        merged: false,
        requestedReviewers: new Set(),
        requestedTeams: new Set(),
        reviews: [],
      },
    };
    repo.issues.set(number, issue);
    return issue;
  }

  addComment(repo: Repo, issueNumber: number, user: Account, body: string): Comment {
    const at = this.stamp();
    const c: Comment = { id: this.id(), issueNumber, body, user, createdAt: at, updatedAt: at };
    repo.comments.push(c);
    return c;
  }
}
