// The notification events and the channels they go to: names fixed here, shared by the pack
// schema (routing `events:` filters), the planner (src/approvals/notify-plan.ts) and the
// README. Pure data.

export const NOTIFY_EVENTS = [
  'contracts.blocked',
  'step.activated',
  'step.approved',
  'step.rejected',
  'step.retracted',
  'chain.superseded',
  'chain.completed',
  'step.escalated',
  'action.failed',
  'drift.remediation_opened',
  'drift.remediation_updated',
  'drift.digest_changed',
] as const;
export type NotifyEventName = (typeof NOTIFY_EVENTS)[number];

/** One line per event, for the JSON Schema and the README. */
export const NOTIFY_EVENT_DESCRIPTIONS: Readonly<Record<NotifyEventName, string>> = {
  'contracts.blocked': 'the contracts check blocks a pull request (pack, PR, findings summary, the chain it needs)',
  'step.activated': 'a chain step becomes active: its approvers are needed now',
  'step.approved': 'a step is approved',
  'step.rejected': 'a step is rejected (the chain is rejected for this commit)',
  'step.retracted': 'an approval is retracted (the step is active again)',
  'chain.superseded': 'a new commit replaced the chain with a new one',
  'chain.completed': 'every step of the chain is approved',
  'step.escalated': "a step has waited longer than its tier's escalateAfterHours (repeated at most once a day)",
  'action.failed': 'an action (check run, comment, notification...) failed for good after its retries',
  'drift.remediation_opened': 'Track B opened a remediation pull request',
  'drift.remediation_updated': 'Track B updated a remediation pull request',
  'drift.digest_changed': 'the drift digest issue changed',
};

export type NotifyChannel = 'slack' | 'email' | 'pagerDuty' | 'webhook';

/** What each channel receives when its `events:` is not given. */
export const DEFAULT_CHANNEL_EVENTS: Readonly<Record<NotifyChannel, readonly NotifyEventName[]>> = {
  slack: [
    'contracts.blocked',
    'step.activated',
    'step.approved',
    'step.rejected',
    'step.retracted',
    'chain.superseded',
    'chain.completed',
    'step.escalated',
    'drift.remediation_opened',
  ],
  email: ['contracts.blocked', 'step.rejected', 'chain.completed', 'step.escalated'],
  pagerDuty: ['step.escalated', 'action.failed'],
  webhook: NOTIFY_EVENTS,
};

/** A tier's own routing (its `emails`, `slackChannel`) receives these and only these. */
export const TIER_EVENTS: readonly NotifyEventName[] = ['step.activated', 'step.escalated'];

export const DEFAULT_ESCALATE_AFTER_HOURS = 24;
