// The built-in dispatchers, registered with their retry policies.
import type { CheckRunIds } from '../../store/check-runs.js';
import type { GetOctokit } from '../../github/octokit.js';
import { DispatcherRegistry } from '../registry.js';
import type { RetryPolicy } from '../retry.js';
import { checkRunDispatcher } from './check-run.js';
import { commentDispatcher } from './comment.js';
import { confluenceDispatcher } from './confluence.js';
import type { Fetch } from './http.js';
import { emailDispatcher } from './email.js';
import { issueDispatcher } from './issue.js';
import type { Resolve } from './outbound.js';
import { pagerDutyDispatcher } from './pagerduty.js';
import { pullRequestDispatcher } from './pull-request.js';
import { reviewRequestDispatcher } from './review-request.js';
import { slackDispatcher } from './slack.js';
import { webhookDispatcher } from './webhook.js';
import type { Transporter } from 'nodemailer';

export {
  checkRunDispatcher,
  commentDispatcher,
  emailDispatcher,
  issueDispatcher,
  pagerDutyDispatcher,
  pullRequestDispatcher,
  reviewRequestDispatcher,
  slackDispatcher,
  webhookDispatcher,
};

export const GITHUB_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 2_000, maxDelayMs: 15 * 60_000 };
export const NOTIFY_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 5_000, maxDelayMs: 30 * 60_000 };

export interface DefaultRegistryOptions {
  checkRunIds: CheckRunIds;
  /** The result of the latest dispatched revision of an idempotency key (store/actions.ts), e.g. a Slack message's ts. */
  resultOf: (idempotencyKey: string) => Promise<Record<string, unknown> | null>;
  getOctokit: GetOctokit;
  /**
   * The process environment, injected: SLACK_BOT_TOKEN, SLACK_WEBHOOK_URL, SMTP_URL, PJ_MAIL_FROM,
   * PJ_ALLOW_HTTP_WEBHOOKS, PJ_WEBHOOK_ALLOWED_HOSTS and the PJ_SECRET_* variables packs name.
   */
  env: Record<string, string | undefined>;
  fetch?: Fetch;
  /** Endpoints and seams for tests: the Slack Web API base, the PagerDuty Events API, DNS, SMTP. */
  slackApiBase?: string;
  pagerDutyEventsUrl?: string;
  resolve?: Resolve;
  createMailTransport?: (smtpUrl: string) => Transporter;
  webhookTimeoutMs?: number;
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
  // The note on a remediation PR closed without merging: a comment, judged as part of the remediation_pr output.
  registry.register({ ...commentDispatcher(gh), kind: 'remediation_pr.comment' }, policy('remediation_pr.comment', GITHUB_RETRY));
  registry.register(issueDispatcher(gh), policy('issue.upsert', GITHUB_RETRY));
  registry.register(pullRequestDispatcher(gh), policy('pull_request.upsert', GITHUB_RETRY));
  registry.register(reviewRequestDispatcher(gh), policy('review_request.sync', GITHUB_RETRY));
  registry.register(slackDispatcher({ ...http, resultOf: o.resultOf, ...(o.slackApiBase ? { apiBase: o.slackApiBase } : {}) }), policy('notify.slack', NOTIFY_RETRY));
  registry.register(
    webhookDispatcher({ env: o.env, ...(o.resolve ? { resolve: o.resolve } : {}), ...(o.webhookTimeoutMs !== undefined ? { timeoutMs: o.webhookTimeoutMs } : {}) }),
    policy('notify.webhook', NOTIFY_RETRY),
  );
  registry.register(emailDispatcher({ env: o.env, ...(o.createMailTransport ? { createTransport: o.createMailTransport } : {}) }), policy('notify.email', NOTIFY_RETRY));
  registry.register(confluenceDispatcher({ env: o.env, ...(o.fetch ? { fetch: o.fetch } : {}) }), policy('confluence.page_update', GITHUB_RETRY));
  registry.register(pagerDutyDispatcher({ ...http, ...(o.pagerDutyEventsUrl ? { eventsUrl: o.pagerDutyEventsUrl } : {}) }), policy('notify.pagerduty', NOTIFY_RETRY));
  return registry;
}
