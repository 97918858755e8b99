// Notification planning: a pure function from one event (and the packs that govern it) to
// the actions that tell people about it — Slack, email, PagerDuty, webhooks and GitHub
// review requests. No clock, no I/O: the caller passes the time in and puts the proposals
// into the governance outbox, whose idempotency keys make a redelivered event a no-op.
//
// Idempotency keys are `${eventId}:${channel}:${recipient}`, except two that name a state
// rather than an event, so that each new state is a new revision of the same effect:
//   - `slack:${channel}:${chainKey}`  the one Slack message per chain, updated in place;
//   - `review_request:${repo}#${pr}`  the reviewers PuddleJumper has requested on the PR.
// Event ids are built from what identifies the event (the decision's review or comment id,
// the step's activation time, the escalation's day), never from the time it was planned.
import type { ApprovalTier, Routing, Severity } from '../packs/schema.js';
import {
  DEFAULT_CHANNEL_EVENTS,
  DEFAULT_ESCALATE_AFTER_HOURS,
  TIER_EVENTS,
  type NotifyChannel,
  type NotifyEventName,
} from '../packs/notify-events.js';
import { eventTitle, occurredAt, prUrl, renderChainMessage, renderEvent, webhookData, type NotifyEvent, type NotifySubject } from '../report/notifications.js';
import { sameLogin, type Chain, type Step } from '../approvals/chain.js';

export type { NotifyEvent, NotifySubject } from '../report/notifications.js';

// ---- Payloads (the dispatchers validate the same shapes with zod, src/governance/payloads.ts) ----

export interface SlackNotifyPayload {
  target: string;
  text: string;
  blocks?: unknown[];
  /** The chain's own message: later revisions update it in place (chat.update). */
  chainMessage?: boolean;
  /** A reply in the thread of the message whose action has this idempotency key. */
  threadKey?: string;
  /** The chain state's time (chainAsOf): an update older than the message's state is skipped. */
  asOf?: string;
}

export interface EmailNotifyPayload {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Mails of one thread (one chain) share it: In-Reply-To / References. */
  thread?: string;
}

export type PagerDutySeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PagerDutyNotifyPayload {
  /** The PJ_SECRET_* variable holding the routing key; must match the pack's routing.pagerDuty. */
  routingKeyEnv: string;
  eventAction: 'trigger' | 'resolve';
  dedupKey: string;
  summary: string;
  severity: PagerDutySeverity;
  source: string;
  link?: string;
  customDetails?: Record<string, unknown>;
}

export interface WebhookNotifyPayload {
  /** The hook's name, or its URL when it has none; resolved against the pack's routing.webhooks. */
  target: string;
  event: string;
  occurredAt?: string;
  body: unknown;
}

export interface ReviewRequestPayload {
  repo: string;
  prNumber: number;
  reviewers: string[];
  teamReviewers: string[];
  withdrawReviewers: string[];
  withdrawTeamReviewers: string[];
  /** The chain state's time (chainAsOf): a sync older than the last one is skipped. */
  asOf?: string;
}

// ---- Input and output ----

/** The parts of a pack that notification planning reads. */
export interface NotifyPack {
  id: string;
  versionHash?: string;
  routing: Routing;
  testMode: { enabled: boolean; notify?: boolean | undefined };
  approvalTiers: Record<string, ApprovalTier>;
}

/** Structurally a governance PackOrigin (the core does not import governance). */
export interface NotifyOrigin {
  packId: string;
  versionHash?: string;
  valid: true;
  testMode: boolean;
  testModeNotify?: boolean;
  routing: Routing;
}

export type NotifyKind = 'notify.slack' | 'notify.email' | 'notify.pagerduty' | 'notify.webhook' | 'review_request.sync';

/** Structurally a governance ActionProposal. */
export interface NotifyProposal {
  installationId: number;
  kind: NotifyKind;
  idempotencyKey: string;
  subject: { repo: string; prNumber?: number; headSha?: string };
  payload: SlackNotifyPayload | EmailNotifyPayload | PagerDutyNotifyPayload | WebhookNotifyPayload | ReviewRequestPayload;
  origin: NotifyOrigin;
}

export interface PlanInput {
  installationId: number;
  subject: NotifySubject;
  event: NotifyEvent;
  /** The packs that govern the subject (for chain events: the packs of the chain). */
  packs: NotifyPack[];
}

/** Events that end a chain: PagerDuty resolves the chain's incident on them. */
const CHAIN_END: readonly NotifyEventName[] = ['chain.completed', 'step.rejected', 'chain.superseded'];
/** Events after which the reviewers requested on the PR are brought up to date. */
const REVIEW_EVENTS: readonly NotifyEventName[] = ['contracts.blocked', 'step.activated', 'step.approved', 'step.rejected', 'step.retracted', 'chain.completed'];
/** Chain events answered in the thread of the chain's Slack message. */
const THREAD_EVENTS: readonly NotifyEventName[] = ['step.approved', 'step.rejected', 'step.retracted', 'step.escalated', 'chain.superseded', 'chain.completed'];

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The time of a chain's latest change (start, activation, decision). State messages carry it
 * so that a stale state planned late (an old snapshot replayed) never overwrites a newer one.
 */
export function chainAsOf(chain: Chain): string {
  let latest = chain.createdAt;
  for (const s of chain.steps) {
    for (const t of [s.activatedAt, s.decidedAt]) if (t !== undefined && t > latest) latest = t;
  }
  return latest;
}

/** The stable id of an event: the same happening always gets the same id. */
export function notifyEventId(event: NotifyEvent, subject: NotifySubject): string {
  if (event.id !== undefined) return event.id;
  const chain = event.chain;
  const step = chain?.steps.find((s) => s.id === event.stepId);
  const where = chain?.key ?? `${subject.repo}${subject.prNumber !== undefined ? `#${subject.prNumber}` : ''}${subject.headSha ? `@${subject.headSha}` : ''}`;
  switch (event.name) {
    case 'contracts.blocked':
      return `contracts.blocked:${subject.repo}#${subject.prNumber ?? '-'}@${subject.headSha ?? chain?.headSha ?? '-'}`;
    case 'step.activated':
      return `step.activated:${where}:${event.stepId ?? '-'}:${step?.activatedAt ?? event.at}`;
    case 'step.approved':
    case 'step.rejected':
      return `${event.name}:${where}:${event.stepId ?? '-'}:${step?.source ? `${step.source.kind}-${step.source.id}` : event.at}`;
    case 'step.retracted':
      return `step.retracted:${where}:${event.stepId ?? '-'}:${event.at}`;
    case 'step.escalated':
      return `step.escalated:${where}:${event.stepId ?? '-'}:${step?.activatedAt ?? '-'}:day${event.day ?? 0}`;
    case 'chain.superseded':
      return `chain.superseded:${where}`;
    case 'chain.completed': {
      const last = chain?.steps.map((s) => s.decidedAt ?? '').sort().at(-1) || event.at;
      return `chain.completed:${where}:${last}`;
    }
    case 'action.failed':
      return `action.failed:${event.action?.id ?? event.at}`;
    case 'drift.remediation_opened':
      return `drift.remediation_opened:${event.drift?.docRepo ?? subject.repo}#${event.drift?.prNumber ?? '-'}`;
    case 'drift.remediation_updated':
    case 'drift.digest_changed':
      return `${event.name}:${event.drift?.docRepo ?? subject.repo}#${event.drift?.prNumber ?? event.drift?.issueNumber ?? '-'}:${event.at}`;
  }
}

function eventsOf(channel: NotifyChannel, events: readonly NotifyEventName[] | undefined): readonly NotifyEventName[] {
  return events ?? DEFAULT_CHANNEL_EVENTS[channel];
}

/** Whether a pack sends anything at all: a test-mode pack only with testMode.notify. */
export function packNotifies(pack: NotifyPack): boolean {
  return !pack.testMode.enabled || pack.testMode.notify === true;
}

function originOf(pack: NotifyPack): NotifyOrigin {
  return {
    packId: pack.id,
    ...(pack.versionHash !== undefined ? { versionHash: pack.versionHash } : {}),
    valid: true,
    testMode: pack.testMode.enabled,
    ...(pack.testMode.enabled ? { testModeNotify: pack.testMode.notify === true } : {}),
    routing: pack.routing,
  };
}

/** `tier2@payments-api` -> `tier2`. */
function baseTierId(tierId: string): string {
  const at = tierId.indexOf('@');
  return at < 0 ? tierId : tierId.slice(0, at);
}

/** The pack definitions of a chain step's tier (several when packs share the tier). */
function tierDefinitions(chain: Chain, step: Step, packs: NotifyPack[]): Array<{ pack: NotifyPack; tier: ApprovalTier }> {
  const packIds = chain.tiers[step.tierId]?.packIds ?? [];
  const out: Array<{ pack: NotifyPack; tier: ApprovalTier }> = [];
  for (const pack of packs) {
    if (!packIds.includes(pack.id)) continue;
    const tier = pack.approvalTiers[baseTierId(step.tierId)];
    if (tier !== undefined) out.push({ pack, tier });
  }
  return out;
}

function pagerDutySeverity(severity: Severity | undefined): PagerDutySeverity {
  if (severity === 'critical') return 'critical';
  if (severity === 'high') return 'error';
  if (severity === 'medium') return 'warning';
  return severity === undefined ? 'error' : 'info';
}

/** The proposals for one event, at most one per idempotency key (the first pack wins). */
export function planNotifications(input: PlanInput): NotifyProposal[] {
  const { event, subject } = input;
  const eventId = notifyEventId(event, subject);
  const out = new Map<string, NotifyProposal>();
  const actionSubject = {
    repo: subject.repo,
    ...(subject.prNumber !== undefined ? { prNumber: subject.prNumber } : {}),
    ...(subject.headSha !== undefined ? { headSha: subject.headSha } : {}),
  };
  const add = (pack: NotifyPack, kind: NotifyKind, idempotencyKey: string, payload: NotifyProposal['payload']) => {
    if (!out.has(idempotencyKey)) out.set(idempotencyKey, { installationId: input.installationId, kind, idempotencyKey, subject: actionSubject, payload, origin: originOf(pack) });
  };
  const chain = event.chain;
  const step = chain?.steps.find((s) => s.id === event.stepId);
  const senders = input.packs.filter(packNotifies);

  for (const pack of senders) {
    const testMode = pack.testMode.enabled;
    const rendered = renderEvent(event, subject, { testMode });
    const routing = pack.routing;

    // Slack: the chain's message (updated in place) and a thread reply per decision.
    if (routing.slackChannel !== undefined && eventsOf('slack', routing.slackEvents).includes(event.name)) {
      const channel = routing.slackChannel;
      if (chain !== undefined) {
        const chainMessageKey = `slack:${channel}:${chain.key}`;
        const message = renderChainMessage(chain, subject, {
          testMode,
          superseded: event.name === 'chain.superseded',
          ...(event.findings ? { findings: event.findings } : {}),
        });
        add(pack, 'notify.slack', chainMessageKey, { target: channel, text: message.text, blocks: message.blocks, chainMessage: true, asOf: chainAsOf(chain) });
        if (THREAD_EVENTS.includes(event.name)) {
          add(pack, 'notify.slack', `${eventId}:slack:${channel}`, { target: channel, text: rendered.title, threadKey: chainMessageKey });
        }
      } else {
        add(pack, 'notify.slack', `${eventId}:slack:${channel}`, { target: channel, text: rendered.title });
      }
    }

    // Email: the pack's list, filtered; one mail per address.
    const recipients: string[] = [];
    if (eventsOf('email', routing.emailEvents).includes(event.name)) recipients.push(...routing.emailList);

    // A tier's own routing hears when its approval is needed and when it is escalated.
    if (chain !== undefined && step !== undefined && TIER_EVENTS.includes(event.name)) {
      for (const { pack: owner, tier } of tierDefinitions(chain, step, [pack])) {
        recipients.push(...(tier.emails ?? []));
        const sameAsPack = tier.slackChannel === routing.slackChannel && eventsOf('slack', routing.slackEvents).includes(event.name);
        if (tier.slackChannel !== undefined && !sameAsPack) {
          add(owner, 'notify.slack', `${eventId}:slack:${tier.slackChannel}`, { target: tier.slackChannel, text: rendered.title });
        }
      }
    }
    const seen = new Set<string>();
    for (const to of recipients) {
      const lower = to.toLowerCase();
      if (seen.has(lower)) continue;
      seen.add(lower);
      add(pack, 'notify.email', `${eventId}:email:${lower}`, {
        to,
        subject: rendered.title,
        text: rendered.text,
        html: rendered.html,
        thread: chain?.key ?? `${subject.repo}#${subject.prNumber ?? '-'}`,
      });
    }

    // PagerDuty: trigger on what it is told about; the chain's incident resolves when the chain ends.
    const pd = routing.pagerDuty;
    if (pd !== undefined) {
      const pdEvents = eventsOf('pagerDuty', pd.events);
      const resolves = chain !== undefined && CHAIN_END.includes(event.name) && (pdEvents.includes(event.name) || pdEvents.includes('step.escalated'));
      if (resolves || pdEvents.includes(event.name)) {
        const dedupKey = event.action ? `pj:action:${event.action.idempotencyKey}` : chain ? `pj:chain:${chain.key}` : `pj:${eventId}`;
        const link = prUrl(subject);
        add(pack, 'notify.pagerduty', `${eventId}:pagerduty:${pd.routingKeyEnv}`, {
          routingKeyEnv: pd.routingKeyEnv,
          eventAction: resolves ? 'resolve' : 'trigger',
          dedupKey,
          summary: rendered.title.slice(0, 1024),
          severity: pagerDutySeverity(chain?.severity),
          source: subject.repo,
          ...(link ? { link } : {}),
          customDetails: { event: event.name, eventId, pack: pack.id, ...(event.action ? { error: event.action.error } : {}) },
        });
      }
    }

    // Webhooks: the versioned event body, signed at dispatch.
    for (const hook of routing.webhooks) {
      if (!eventsOf('webhook', hook.events).includes(event.name)) continue;
      const target = hook.name ?? hook.url;
      add(pack, 'notify.webhook', `${eventId}:webhook:${target}`, {
        target,
        event: event.name,
        occurredAt: occurredAt(event),
        body: webhookData(event, subject, { testMode, packId: pack.id }),
      });
    }
  }

  const review = chain !== undefined && REVIEW_EVENTS.includes(event.name) ? planReviewRequests(chain, input.packs, subject) : undefined;
  if (review !== undefined) add(review.pack, 'review_request.sync', review.key, review.payload);
  return [...out.values()];
}

/**
 * The reviewers PuddleJumper wants requested on the PR for a chain's state: the users and
 * teams of every active step (never the PR author; teams only of the repo's own
 * organisation), and withdrawn: those of decided steps no active step still needs. Packs in
 * test mode and packs with `routing.reviewRequests: false` do not request reviews.
 */
export function planReviewRequests(
  chain: Chain,
  packs: NotifyPack[],
  subject: NotifySubject,
): { key: string; pack: NotifyPack; payload: ReviewRequestPayload } | undefined {
  if (subject.prNumber === undefined) return undefined;
  const owner = subject.repo.split('/')[0]?.toLowerCase() ?? '';
  const requesting = packs.filter((p) => !p.testMode.enabled && p.routing.reviewRequests !== false);
  const people = (steps: Step[]) => {
    const users = new Map<string, string>();
    const teams = new Map<string, string>();
    for (const s of steps) {
      if (!tierDefinitions(chain, s, requesting).length) continue;
      const tier = chain.tiers[s.tierId];
      for (const u of tier?.users ?? []) if (!sameLogin(u, chain.prAuthor)) users.set(u.toLowerCase(), u);
      for (const t of tier?.teams ?? []) {
        const [org, slug] = t.split('/');
        if (org?.toLowerCase() === owner && slug) teams.set(slug.toLowerCase(), slug);
      }
    }
    return { users, teams };
  };
  const active = people(chain.status === 'pending' ? chain.steps.filter((s) => s.status === 'active') : []);
  const decided = people(chain.steps.filter((s) => s.status === 'approved' || s.status === 'rejected' || s.status === 'skipped'));
  const payload: ReviewRequestPayload = {
    repo: subject.repo,
    prNumber: subject.prNumber,
    reviewers: [...active.users.values()].sort(),
    teamReviewers: [...active.teams.values()].sort(),
    withdrawReviewers: [...decided.users.entries()].filter(([k]) => !active.users.has(k)).map(([, v]) => v).sort(),
    withdrawTeamReviewers: [...decided.teams.entries()].filter(([k]) => !active.teams.has(k)).map(([, v]) => v).sort(),
    asOf: chainAsOf(chain),
  };
  const empty = payload.reviewers.length + payload.teamReviewers.length + payload.withdrawReviewers.length + payload.withdrawTeamReviewers.length === 0;
  const pack = requesting.find((p) => chain.steps.some((s) => chain.tiers[s.tierId]?.packIds.includes(p.id)));
  if (empty || pack === undefined) return undefined;
  return { key: `review_request:${subject.repo}#${subject.prNumber}`, pack, payload };
}

/**
 * A failed action that later went out (a new revision of its key was dispatched): the
 * PagerDuty incident its `action.failed` opened is resolved, for each pack whose PagerDuty
 * routing hears `action.failed`. Not an event of its own: nothing else is told.
 */
export function planActionRecovered(input: {
  installationId: number;
  subject: NotifySubject;
  action: { id: number; kind: string; idempotencyKey: string };
  packs: NotifyPack[];
}): NotifyProposal[] {
  const out: NotifyProposal[] = [];
  for (const pack of input.packs.filter(packNotifies)) {
    const pd = pack.routing.pagerDuty;
    if (pd === undefined || !eventsOf('pagerDuty', pd.events).includes('action.failed')) continue;
    out.push({
      installationId: input.installationId,
      kind: 'notify.pagerduty',
      idempotencyKey: `action.recovered:${input.action.id}:pagerduty:${pd.routingKeyEnv}`,
      subject: {
        repo: input.subject.repo,
        ...(input.subject.prNumber !== undefined ? { prNumber: input.subject.prNumber } : {}),
        ...(input.subject.headSha !== undefined ? { headSha: input.subject.headSha } : {}),
      },
      payload: {
        routingKeyEnv: pd.routingKeyEnv,
        eventAction: 'resolve',
        dedupKey: `pj:action:${input.action.idempotencyKey}`,
        summary: `${pack.testMode.enabled ? '[test mode] ' : ''}${input.action.kind} on ${input.subject.repo} went out`,
        severity: 'info',
        source: input.subject.repo,
      },
      origin: originOf(pack),
    });
  }
  return out;
}

// ---- Escalation ----

export interface EscalationDue {
  stepId: string;
  tierId: string;
  /** 0 for the first escalation, 1 a day later, ...: part of the event id, so at most one a day. */
  day: number;
  waitedHours: number;
  dueAt: string;
}

/** `escalateAfterHours` per chain tier id, from the packs that define each tier (the smallest wins). */
export function escalationHours(chain: Chain, packs: NotifyPack[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const step of chain.steps) {
    const hours = tierDefinitions(chain, step, packs).map(({ tier }) => tier.escalateAfterHours ?? DEFAULT_ESCALATE_AFTER_HOURS);
    out[step.tierId] = hours.length > 0 ? Math.min(...hours) : DEFAULT_ESCALATE_AFTER_HOURS;
  }
  return out;
}

/**
 * The active steps of a pending chain that have waited longer than their tier's
 * `escalateAfterHours` (default 24; 0 never escalates). Each is due once per day after that:
 * `day` counts whole days since it first became due.
 */
export function dueEscalations(chain: Chain, now: Date, hoursByTier: Record<string, number | undefined>): EscalationDue[] {
  if (chain.status !== 'pending') return [];
  const out: EscalationDue[] = [];
  for (const step of chain.steps) {
    if (step.status !== 'active' || step.activatedAt === undefined) continue;
    const hours = hoursByTier[step.tierId] ?? DEFAULT_ESCALATE_AFTER_HOURS;
    if (!(hours > 0)) continue;
    const activated = Date.parse(step.activatedAt);
    const due = activated + hours * HOUR_MS;
    const waitedMs = now.getTime() - activated;
    if (Number.isNaN(due) || now.getTime() <= due) continue;
    out.push({
      stepId: step.id,
      tierId: step.tierId,
      day: Math.floor((now.getTime() - due) / DAY_MS),
      waitedHours: waitedMs / HOUR_MS,
      dueAt: new Date(due).toISOString(),
    });
  }
  return out;
}

/** The `step.escalated` events a sweep at `now` should plan for a chain. */
export function escalationEvents(chain: Chain, now: Date, packs: NotifyPack[]): NotifyEvent[] {
  const hours = escalationHours(chain, packs);
  return dueEscalations(chain, now, hours).map((d) => {
    // Stated as of the day's due moment, not the sweep's clock: every sweep of the day plans
    // the same payload, so the outbox sends it once.
    const at = Date.parse(d.dueAt) + d.day * DAY_MS;
    return {
      name: 'step.escalated',
      at: new Date(at).toISOString(),
      chain,
      stepId: d.stepId,
      waitedHours: (hours[d.tierId] ?? DEFAULT_ESCALATE_AFTER_HOURS) + d.day * 24,
      day: d.day,
    };
  });
}

/** One line for logs and audit details. */
export function describeEvent(event: NotifyEvent, subject: NotifySubject): string {
  return `${event.name}: ${eventTitle(event, subject)}`;
}
