// The built-in dispatchers, registered with their retry policies.
import type { CheckRunIds } from '../../store/check-runs.js';
import type { GetOctokit } from '../../github/octokit.js';
import { DispatcherRegistry } from '../registry.js';
import type { RetryPolicy } from '../retry.js';
import { checkRunDispatcher } from './check-run.js';
import { commentDispatcher } from './comment.js';
import type { Fetch } from './http.js';
import { issueDispatcher } from './issue.js';
import { pullRequestDispatcher } from './pull-request.js';
import { slackDispatcher } from './slack.js';
import { webhookDispatcher } from './webhook.js';

export { checkRunDispatcher, commentDispatcher, issueDispatcher, pullRequestDispatcher, slackDispatcher, webhookDispatcher };

export const GITHUB_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000 };
export const NOTIFY_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 5_000, maxDelayMs: 30 * 60_000 };

export interface DefaultRegistryOptions {
  checkRunIds: CheckRunIds;
  getOctokit: GetOctokit;
  /** The process environment, injected (SLACK_BOT_TOKEN, SLACK_WEBHOOK_URL, webhook secrets). */
  env: Record<string, string | undefined>;
  fetch?: Fetch;
  now?: () => Date;
  retry?: Partial<Record<string, RetryPolicy>>;
}

export function createDefaultRegistry(o: DefaultRegistryOptions): DispatcherRegistry {
  const policy = (kind: string, fallback: RetryPolicy) => o.retry?.[kind] ?? fallback;
  const registry = new DispatcherRegistry();
  const gh = { getOctokit: o.getOctokit };
  const http = { env: o.env, ...(o.fetch ? { fetch: o.fetch } : {}) };
  registry.register(checkRunDispatcher({ checkRunIds: o.checkRunIds, getOctokit: o.getOctokit, ...(o.now ? { now: o.now } : {}) }), policy('check_run.upsert', GITHUB_RETRY));
  registry.register(commentDispatcher(gh), policy('comment.upsert', GITHUB_RETRY));
  registry.register(issueDispatcher(gh), policy('issue.upsert', GITHUB_RETRY));
  registry.register(pullRequestDispatcher(gh), policy('pull_request.upsert', GITHUB_RETRY));
  registry.register(slackDispatcher(http), policy('notify.slack', NOTIFY_RETRY));
  registry.register(webhookDispatcher({ ...http, ...(o.now ? { now: o.now } : {}) }), policy('notify.webhook', NOTIFY_RETRY));
  return registry;
}
