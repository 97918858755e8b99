// The core's payload types and the governance zod schemas describe the same shapes; the
// planner's proposals are governance ActionProposals. Checked by the type checker (npm test
// runs tsc on the tests) and, for the payloads, at runtime on one planned example each.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  EmailNotifyPayload,
  NotifyProposal,
  PagerDutyNotifyPayload,
  ReviewRequestPayload as PlannedReviewRequest,
  SlackNotifyPayload,
  WebhookNotifyPayload,
} from '../../src/usecases/notify-plan.js';
import type { ActionProposal } from '../../src/governance/action.js';
import {
  EmailPayloadSchema,
  PagerDutyPayloadSchema,
  ReviewRequestPayloadSchema,
  SlackPayloadSchema,
  WebhookPayloadSchema,
  type EmailPayload,
  type PagerDutyPayload,
  type ReviewRequestPayload,
  type SlackPayload,
  type WebhookPayload,
} from '../../src/governance/payloads.js';

describe('planner payloads match the dispatchers', () => {
  it('type by type', () => {
    expectTypeOf<NotifyProposal>().toExtend<ActionProposal>();
    expectTypeOf<SlackNotifyPayload>().toExtend<SlackPayload>();
    expectTypeOf<EmailNotifyPayload>().toExtend<EmailPayload>();
    expectTypeOf<PagerDutyNotifyPayload>().toExtend<PagerDutyPayload>();
    expectTypeOf<WebhookNotifyPayload>().toExtend<WebhookPayload>();
    expectTypeOf<PlannedReviewRequest>().toExtend<ReviewRequestPayload>();
  });

  it('and the zod schemas refuse what the dispatchers cannot send', () => {
    expect(EmailPayloadSchema.safeParse({ to: 'not-an-address', subject: 's', text: 't', html: 'h' }).success).toBe(false);
    expect(PagerDutyPayloadSchema.safeParse({ routingKeyEnv: 'PJ_SECRET_X', eventAction: 'acknowledge', dedupKey: 'k', summary: 's', severity: 'error', source: 'r' }).success).toBe(false);
    expect(ReviewRequestPayloadSchema.safeParse({ repo: 'acme/api', prNumber: 7, reviewers: ['acme/team'], teamReviewers: [], withdrawReviewers: [], withdrawTeamReviewers: [] }).success).toBe(false);
    expect(SlackPayloadSchema.safeParse({ target: '#x', text: '' }).success).toBe(false);
    expect(WebhookPayloadSchema.safeParse({ target: 'ops', body: {} }).success).toBe(false);
  });
});
