// Webhooks from the playground's GitHub to the app: the payloads GitHub sends (the fields
// the app and Probot read, shaped as GitHub shapes them), signed with the app's webhook
// secret (X-Hub-Signature-256) and POSTed over HTTP to the app's own webhook endpoint, so
// the signature check, delivery dedupe and everything after it run as they do in production.
import { createHmac, randomUUID } from 'node:crypto';
import { commentJson, issueJson, pullJson, repoJson } from './api.js';
import type { Account, Issue, Repo, Review, World } from './world.js';

export interface Delivery {
  id: string;
  event: string;
  action?: string;
  at: string;
  status?: number;
  error?: string;
}

export interface WebhookLog {
  warn(msg: string): void;
}

export class Webhooks {
  readonly deliveries: Delivery[] = [];
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly world: World,
    private readonly secret: string,
    private readonly target: () => string | undefined,
    private readonly log: WebhookLog,
  ) {}

  /** Sends one webhook (in the background: GitHub does not wait for its own writes' hooks). */
  send(event: string, payload: Record<string, unknown>): Delivery {
    const delivery: Delivery = { id: randomUUID(), event, at: this.world.stamp(), ...(typeof payload.action === 'string' ? { action: payload.action } : {}) };
    this.deliveries.push(delivery);
    const p = this.post(delivery, payload).finally(() => this.pending.delete(p));
    this.pending.add(p);
    return delivery;
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Resolves once every webhook sent so far has been answered. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async post(d: Delivery, payload: Record<string, unknown>): Promise<void> {
    const url = this.target();
    if (!url) {
      d.error = 'the app is not listening yet';
      return;
    }
    const body = JSON.stringify(payload);
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GitHub-Hookshot/playground',
          'x-github-event': d.event,
          'x-github-delivery': d.id,
          'x-github-hook-installation-target-type': 'integration',
          'x-hub-signature-256': `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`,
        },
        body,
      });
      d.status = res.status;
      await res.arrayBuffer();
      if (res.status >= 300) this.log.warn(`webhook ${d.event}${d.action ? `.${d.action}` : ''} ${d.id}: the app answered ${res.status}`);
    } catch (error) {
      d.error = (error as Error).message;
      this.log.warn(`webhook ${d.event} ${d.id} could not be delivered: ${d.error}`);
    }
  }
}

/** The payloads, as GitHub builds them for an App installed on the organisation. */
export class Payloads {
  constructor(private readonly w: World) {}

  private common(repo: Repo | undefined, sender: Account) {
    return {
      ...(repo ? { repository: repoJson(this.w, repo) } : {}),
      organization: { login: this.w.org, id: 1 },
      installation: { id: this.w.installationId, node_id: `I_${this.w.installationId}` },
      sender,
    };
  }

  installationCreated(sender: Account) {
    const repositories = [...this.w.repos.values()].map((r) => ({ id: r.id, name: r.name, full_name: r.fullName, private: false }));
    return {
      action: 'created',
      installation: { id: this.w.installationId, account: { login: this.w.org, id: 1, type: 'Organization' }, app_id: this.w.appId, repository_selection: 'all' },
      repositories,
      sender,
    };
  }

  pullRequest(action: string, repo: Repo, issue: Issue, sender: Account, extra: Record<string, unknown> = {}) {
    return { action, number: issue.number, pull_request: pullJson(this.w, repo, issue), ...extra, ...this.common(repo, sender) };
  }

  issueComment(action: string, repo: Repo, issue: Issue, commentId: number, sender: Account) {
    const c = repo.comments.find((x) => x.id === commentId)!;
    return { action, issue: issueJson(this.w, repo, issue), comment: commentJson(this.w, repo, c), ...this.common(repo, sender) };
  }

  review(action: string, repo: Repo, issue: Issue, review: Review) {
    return {
      action,
      review: {
        id: review.id,
        user: review.user,
        body: review.body,
        state: review.state.toLowerCase(),
        commit_id: review.commitId,
        submitted_at: review.submittedAt,
        html_url: this.w.htmlUrl(repo, `/pull/${issue.number}#pullrequestreview-${review.id}`),
      },
      pull_request: pullJson(this.w, repo, issue),
      ...this.common(repo, review.user),
    };
  }

  push(repo: Repo, branch: string, before: string | undefined, after: string, sender: Account) {
    const zero = '0'.repeat(40);
    const commits = this.newCommits(before, after).map((sha) => {
      const c = this.w.git.commit(sha)!;
      const parent = c.parents[0];
      const changes = parent ? this.w.git.diff(parent, sha) : [];
      return {
        id: sha,
        message: c.message,
        timestamp: c.date,
        author: { name: c.author, username: c.author },
        added: changes.filter((f) => f.status === 'added').map((f) => f.filename),
        modified: changes.filter((f) => f.status === 'modified').map((f) => f.filename),
        removed: changes.filter((f) => f.status === 'removed').map((f) => f.filename),
      };
    });
    return {
      ref: `refs/heads/${branch}`,
      before: before ?? zero,
      after,
      created: before === undefined,
      deleted: false,
      forced: false,
      commits,
      head_commit: commits.at(-1) ?? null,
      pusher: { name: sender.login },
      ...this.common(repo, sender),
      repository: { ...repoJson(this.w, repo), master_branch: repo.defaultBranch },
    };
  }

  /** The commits reachable from `after` and not from `before`, oldest first (first parents). */
  private newCommits(before: string | undefined, after: string): string[] {
    const known = before ? this.w.git.ancestors(before) : new Set<string>();
    const out: string[] = [];
    let s: string | undefined = after;
    while (s && !known.has(s) && out.length < 20) {
      out.unshift(s);
      s = this.w.git.commit(s)?.parents[0];
    }
    return out;
  }
}
