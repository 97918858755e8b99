// The people of the playground: what they do on GitHub (push, open a pull request, comment,
// review, merge) changes the World and makes GitHub send the webhooks it would send. The
// app's own writes through the API (a PR it opens, a comment, a branch it pushes) send theirs
// too, through the same methods (ApiEvents).
import type { ApiEvents } from './api.js';
import type { Payloads, Webhooks } from './webhooks.js';
import type { Account, Comment, Issue, Pull, Repo, Review, World } from './world.js';

export type PullIssue = Issue & { pull: Pull };

export class Actors implements ApiEvents {
  constructor(
    readonly world: World,
    private readonly hooks: Webhooks,
    private readonly payloads: Payloads,
  ) {}

  private user(login: string): Account {
    return this.world.account(login);
  }

  private mustPull(repo: Repo, number: number): PullIssue {
    const p = this.world.pull(repo, number);
    if (!p) throw new Error(`${repo.fullName} has no pull request #${number}`);
    return p;
  }

  /** The App was installed on the organisation (all repositories). */
  install(by: string): void {
    this.hooks.send('installation', this.payloads.installationCreated(this.user(by)));
  }

  /** `login` commits `changes` (null removes a file) to `branch` (created from the default branch if new) and pushes. */
  push(repoName: string, login: string, branch: string, changes: Record<string, string | null>, message: string): string {
    const repo = this.world.mustRepo(repoName);
    const before = repo.refs.get(branch);
    const parent = before ?? repo.refs.get(repo.defaultBranch)!;
    const after = this.world.git.commitFiles(parent, changes, { message, author: login, date: this.world.stamp() });
    repo.refs.set(branch, after);
    this.pushed(repo, branch, before, after, this.user(login));
    return after;
  }

  openPull(repoName: string, login: string, o: { branch: string; base?: string; title: string; body: string }): PullIssue {
    const repo = this.world.mustRepo(repoName);
    if (!repo.refs.has(o.branch)) throw new Error(`${repoName} has no branch ${o.branch}`);
    const issue = this.world.openPull(repo, { user: this.user(login), title: o.title, body: o.body, head: o.branch, base: o.base ?? repo.defaultBranch });
    this.hooks.send('pull_request', this.payloads.pullRequest('opened', repo, issue, issue.user));
    return issue;
  }

  comment(repoName: string, number: number, login: string, body: string): Comment {
    const repo = this.world.mustRepo(repoName);
    const issue = repo.issues.get(number);
    if (!issue) throw new Error(`${repoName} has no issue or pull request #${number}`);
    const c = this.world.addComment(repo, number, this.user(login), body);
    this.hooks.send('issue_comment', this.payloads.issueComment('created', repo, issue, c.id, c.user));
    return c;
  }

  review(repoName: string, number: number, login: string, state: Review['state'], body = ''): Review {
    const repo = this.world.mustRepo(repoName);
    const issue = this.mustPull(repo, number);
    const review: Review = { id: this.world.id(), user: this.user(login), state, body, commitId: issue.pull.head.sha, submittedAt: this.world.stamp() };
    issue.pull.reviews.push(review);
    issue.pull.requestedReviewers.delete(review.user.login);
    this.hooks.send('pull_request_review', this.payloads.review('submitted', repo, issue, review));
    return review;
  }

  /** Merges with a merge commit: the base branch's files with the PR's changes applied. */
  merge(repoName: string, number: number, login: string): string {
    const repo = this.world.mustRepo(repoName);
    const issue = this.mustPull(repo, number);
    if (issue.state !== 'open') throw new Error(`${repoName}#${number} is not open`);
    const git = this.world.git;
    const tip = repo.refs.get(issue.pull.base.ref)!;
    const head = issue.pull.head.sha;
    const changes: Record<string, string | null> = {};
    for (const f of git.diff(git.mergeBase(tip, head) ?? tip, head)) changes[f.filename] = f.status === 'removed' ? null : git.read(head, f.filename)!;
    const files = new Map(git.filesAt(tip));
    for (const [path, text] of Object.entries(changes)) {
      if (text === null) files.delete(path);
      else files.set(path, git.putBlob(text));
    }
    const message = `Merge pull request #${number} from ${repo.owner}/${issue.pull.head.ref}\n\n${issue.title}`;
    const merged = git.putCommit({ tree: git.putTree(files), parents: [tip, head], message, author: login, date: this.world.stamp() });
    repo.refs.set(issue.pull.base.ref, merged);
    Object.assign(issue.pull, { merged: true, mergedAt: this.world.stamp(), mergeCommitSha: merged });
    issue.state = 'closed';
    issue.updatedAt = this.world.stamp();
    const by = this.user(login);
    this.hooks.send('pull_request', this.payloads.pullRequest('closed', repo, issue, by));
    this.hooks.send('push', this.payloads.push(repo, issue.pull.base.ref, tip, merged, by));
    return merged;
  }

  // ---- ApiEvents: what the app's own writes make GitHub send -------------------------------

  pullOpened(repo: Repo, issue: Issue): void {
    this.hooks.send('pull_request', this.payloads.pullRequest('opened', repo, issue, this.world.bot));
  }

  commentCreated(repo: Repo, issueNumber: number, commentId: number): void {
    this.hooks.send('issue_comment', this.payloads.issueComment('created', repo, repo.issues.get(issueNumber)!, commentId, this.world.bot));
  }

  branchPushed(repo: Repo, branch: string, before: string | undefined, after: string): void {
    this.pushed(repo, branch, before, after, this.world.bot);
  }

  /** A push: its webhook, and `synchronize` for each open pull request whose head is the branch. */
  private pushed(repo: Repo, branch: string, before: string | undefined, after: string, by: Account): void {
    this.hooks.send('push', this.payloads.push(repo, branch, before, after, by));
    for (const issue of this.world.pulls(repo)) {
      if (issue.state !== 'open' || issue.pull!.head.ref !== branch) continue;
      const previous = issue.pull!.head.sha;
      issue.pull!.head.sha = after;
      issue.pull!.base.sha = repo.refs.get(issue.pull!.base.ref) ?? issue.pull!.base.sha;
      issue.updatedAt = this.world.stamp();
      this.hooks.send('pull_request', this.payloads.pullRequest('synchronize', repo, issue, by, { before: previous, after }));
    }
  }
}
