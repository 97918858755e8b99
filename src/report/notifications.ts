// Rendering of notifications: the words people read in Slack, email and PagerDuty, and the
// JSON body of webhooks (schema puddlejumper.event/v1). Pure: data in, text out.
import type { Chain, Step } from '../approvals/chain.js';
import type { NotifyEventName } from '../packs/notify-events.js';
import type { Severity } from '../packs/schema.js';

export const WEBHOOK_SCHEMA = 'puddlejumper.event/v1';
export const TEST_MODE_MARK = '[test mode]';

export interface FindingsSummary {
  /** The contracts check title, e.g. "2 breaking changes". */
  title: string;
  total: number;
  bySeverity?: Partial<Record<Severity, number>>;
}

export interface FailedAction {
  id: number;
  kind: string;
  idempotencyKey: string;
  attempts: number;
  error: string;
}

export interface DriftNotice {
  /** The repository of the doc (and of the remediation PR or digest issue). */
  docRepo: string;
  docPath?: string;
  prNumber?: number;
  issueNumber?: number;
  score?: number;
  items?: number;
}

/** One thing that happened, that someone may need to hear about. */
export interface NotifyEvent {
  name: NotifyEventName;
  /** ISO time it happened (from the chain event, the action, the sweep's clock). */
  at: string;
  /** A stable id; derived from the event when not given (see notifyEventId). */
  id?: string;
  chain?: Chain;
  /** The step concerned (step.* events). */
  stepId?: string;
  /** Who decided or retracted. */
  actor?: string;
  reason?: string;
  findings?: FindingsSummary;
  /** The packs that block (contracts.blocked). */
  packIds?: string[];
  action?: FailedAction;
  drift?: DriftNotice;
  /** step.escalated: hours the step has waited, and the escalation's day number (0, 1, ...). */
  waitedHours?: number;
  day?: number;
  /** chain.superseded: the commit of the new chain. */
  newHeadSha?: string;
}

/** Where the event happened. */
export interface NotifySubject {
  repo: string;
  prNumber?: number;
  headSha?: string;
  prTitle?: string;
  /** https://github.com by default (GitHub Enterprise: the server URL). */
  serverUrl?: string;
}

export interface RenderedMessage {
  /** One line: Slack fallback text, email subject, PagerDuty summary. */
  title: string;
  /** Plain text body. */
  text: string;
  /** HTML body (email). */
  html: string;
}

export function prUrl(s: NotifySubject): string | undefined {
  if (s.prNumber === undefined) return undefined;
  return `${(s.serverUrl ?? 'https://github.com').replace(/\/+$/, '')}/${s.repo}/pull/${s.prNumber}`;
}

function prRef(s: NotifySubject): string {
  return s.prNumber === undefined ? s.repo : `${s.repo}#${s.prNumber}`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Slack mrkdwn: &, < and > are control characters. */
export function escapeSlack(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function groupCount(chain: Chain): number {
  return chain.steps.reduce((n, s) => Math.max(n, s.group + 1), 0);
}

/** "@alice, @acme/directors": who is asked for a step. */
export function whoIsAsked(chain: Chain, step: Step): string {
  const tier = chain.tiers[step.tierId];
  if (tier === undefined) return step.tierName;
  return [...tier.users.map((u) => `@${u}`), ...tier.teams.map((t) => `@${t}`)].join(', ') || step.tierName;
}

function stepLine(chain: Chain, step: Step): string {
  switch (step.status) {
    case 'approved':
      return `✅ ${step.tierName}: approved by @${step.decidedBy ?? '?'}`;
    case 'rejected':
      return `❌ ${step.tierName}: rejected by @${step.decidedBy ?? '?'}${step.reason ? ` (${step.reason})` : ''}`;
    case 'active':
      return `⏳ ${step.tierName}: waiting for ${whoIsAsked(chain, step)}`;
    case 'skipped':
      return `➖ ${step.tierName}: skipped`;
    default:
      return `· ${step.tierName}: not yet asked`;
  }
}

function chainHeadline(chain: Chain): string {
  if (chain.status === 'approved') return 'approved';
  if (chain.status === 'rejected') return 'rejected';
  const active = chain.steps.filter((s) => s.status === 'active');
  const group = active[0]?.group ?? 0;
  return `waiting for ${active.map((s) => s.tierName).join(' and ') || 'approval'} (step ${group + 1} of ${groupCount(chain)})`;
}

function mark(testMode: boolean, s: string): string {
  return testMode ? `${TEST_MODE_MARK} ${s}` : s;
}

/** The one Slack message per chain (updated in place as the chain moves): text and Block Kit. */
export function renderChainMessage(
  chain: Chain,
  subject: NotifySubject,
  options: { testMode: boolean; superseded?: boolean; findings?: FindingsSummary },
): { text: string; blocks: unknown[] } {
  const url = prUrl(subject);
  const state = options.superseded ? 'superseded by a newer commit' : chainHeadline(chain);
  const text = mark(options.testMode, `${prRef(subject)} ${chain.severity} changes: ${state}`);
  const link = url ? `<${url}|${escapeSlack(prRef(subject))}>` : escapeSlack(prRef(subject));
  const title = subject.prTitle ? ` ${escapeSlack(subject.prTitle)}` : '';
  const blocks: unknown[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `${options.testMode ? `${TEST_MODE_MARK} ` : ''}*${link}*${title}\n${escapeSlack(`${chain.severity} changes: ${state}`)}` } },
  ];
  if (options.findings) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(`Contracts: ${options.findings.title}`) }] });
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chain.steps.map((s) => escapeSlack(stepLine(chain, s))).join('\n') || '_no approval needed_' } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeSlack(`${subject.repo} · chain ${chain.key}`) }] });
  return { text, blocks };
}

function stepOf(event: NotifyEvent): Step | undefined {
  return event.chain?.steps.find((s) => s.id === event.stepId);
}

function progress(chain: Chain, step: Step): string {
  return `step ${step.group + 1} of ${groupCount(chain)}`;
}

/**
 * When the event happened, from the state it is about where possible (the step's activation
 * or decision, the chain's start), so that planning the same event again gives the same payload.
 */
export function occurredAt(event: NotifyEvent): string {
  const chain = event.chain;
  const step = stepOf(event);
  switch (event.name) {
    case 'contracts.blocked':
      return chain?.createdAt ?? event.at;
    case 'step.activated':
      return step?.activatedAt ?? event.at;
    case 'step.approved':
    case 'step.rejected':
      return step?.decidedAt ?? event.at;
    default:
      return event.at;
  }
}

/** The one-line title of an event. */
export function eventTitle(event: NotifyEvent, subject: NotifySubject): string {
  const ref = prRef(subject);
  const chain = event.chain;
  const step = stepOf(event);
  switch (event.name) {
    case 'contracts.blocked':
      return `Contracts check blocks ${ref}: ${event.findings?.title ?? 'findings need approval'}`;
    case 'step.activated':
      return chain && step ? `${whoIsAsked(chain, step)}: your approval is needed on ${ref} (${progress(chain, step)})` : `Approval needed on ${ref}`;
    case 'step.escalated':
      return chain && step
        ? `Escalation: ${step.tierName} (${whoIsAsked(chain, step)}) has not acted on ${ref} for ${Math.floor(event.waitedHours ?? 0)} h (${progress(chain, step)})`
        : `Escalation on ${ref}`;
    case 'step.approved':
      return `${step?.tierName ?? 'A step'} approved by @${event.actor ?? step?.decidedBy ?? '?'} on ${ref}`;
    case 'step.rejected':
      return `${step?.tierName ?? 'A step'} rejected by @${event.actor ?? step?.decidedBy ?? '?'} on ${ref}${event.reason ? `: ${event.reason}` : ''}`;
    case 'step.retracted':
      return `Approval of ${step?.tierName ?? 'a step'} retracted by @${event.actor ?? '?'} on ${ref}`;
    case 'chain.superseded':
      return `Approvals on ${ref} restarted for a new commit${event.newHeadSha ? ` (${event.newHeadSha.slice(0, 7)})` : ''}`;
    case 'chain.completed':
      return `All approvals are in on ${ref}`;
    case 'action.failed':
      return `PuddleJumper could not ${event.action?.kind ?? 'act'} on ${subject.repo} after ${event.action?.attempts ?? '?'} attempts`;
    case 'drift.remediation_opened':
      return `Docs remediation PR opened: ${event.drift?.docRepo ?? subject.repo}#${event.drift?.prNumber ?? '?'}${event.drift?.docPath ? ` (${event.drift.docPath})` : ''}`;
    case 'drift.remediation_updated':
      return `Docs remediation PR updated: ${event.drift?.docRepo ?? subject.repo}#${event.drift?.prNumber ?? '?'}`;
    case 'drift.digest_changed':
      return `Drift digest updated: ${event.drift?.docRepo ?? subject.repo}#${event.drift?.issueNumber ?? '?'}${event.drift?.items !== undefined ? ` (${event.drift.items} items)` : ''}`;
  }
}

/** Title, plain text and HTML of an event (email, thread replies, PagerDuty details). */
export function renderEvent(event: NotifyEvent, subject: NotifySubject, options: { testMode: boolean }): RenderedMessage {
  const title = mark(options.testMode, eventTitle(event, subject));
  const lines: string[] = [title, ''];
  const url = prUrl(subject);
  if (url) lines.push(`Pull request: ${url}${subject.prTitle ? ` (${subject.prTitle})` : ''}`);
  if (event.findings) lines.push(`Findings: ${event.findings.title}`);
  if (event.reason && event.name !== 'step.rejected') lines.push(`Reason: ${event.reason}`);
  if (event.action) lines.push(`Action: ${event.action.kind} ${event.action.idempotencyKey} (#${event.action.id})`, `Error: ${event.action.error}`);
  if (event.chain && event.name === 'contracts.blocked') {
    // Re-evaluations of the same commit plan this event again: its text must not follow the chain.
    const names = [...new Set(event.chain.steps.map((s) => s.group))].map((g) => event.chain!.steps.filter((s) => s.group === g).map((s) => s.tierName).join(' + '));
    lines.push('', `Approvals needed (${event.chain.severity}): ${names.join(' → ')}`);
  } else if (event.chain) {
    lines.push('', `Approval chain (${event.chain.severity}): ${chainHeadline(event.chain)}`);
    for (const s of event.chain.steps) lines.push(`  ${stepLine(event.chain, s)}`);
  }
  const text = `${lines.join('\n').trimEnd()}\n`;
  const body = lines.slice(2).filter((l) => l !== '');
  const html =
    `<p><strong>${escapeHtml(title)}</strong></p>` +
    (url ? `<p><a href="${escapeHtml(url)}">${escapeHtml(prRef(subject))}</a>${subject.prTitle ? ` ${escapeHtml(subject.prTitle)}` : ''}</p>` : '') +
    (body.length > 0 ? `<ul>${body.filter((l) => !l.startsWith('Pull request:')).map((l) => `<li>${escapeHtml(l.trim())}</li>`).join('')}</ul>` : '');
  return { title, text, html };
}

/** The `data` of a webhook event: what a receiver needs, without the pack's internals. */
export function webhookData(event: NotifyEvent, subject: NotifySubject, options: { testMode: boolean; packId: string }): Record<string, unknown> {
  const step = stepOf(event);
  const data: Record<string, unknown> = {
    title: eventTitle(event, subject),
    testMode: options.testMode,
    pack: options.packId,
    repository: subject.repo,
  };
  if (subject.prNumber !== undefined) data.pullRequest = { number: subject.prNumber, url: prUrl(subject), ...(subject.headSha ? { headSha: subject.headSha } : {}) };
  if (event.chain) {
    // contracts.blocked is planned again on each evaluation of the commit: no moving state in it.
    const moving = event.name !== 'contracts.blocked';
    data.chain = {
      key: event.chain.key,
      severity: event.chain.severity,
      ...(moving ? { status: event.chain.status } : {}),
      steps: event.chain.steps.map((s) => ({
        id: s.id,
        group: s.group,
        tier: s.tierId,
        name: s.tierName,
        asked: whoIsAsked(event.chain!, s),
        ...(moving ? { status: s.status } : {}),
        ...(moving && s.decidedBy ? { decidedBy: s.decidedBy } : {}),
      })),
    };
  }
  if (step) data.step = { id: step.id, tier: step.tierId, name: step.tierName };
  if (event.actor) data.actor = event.actor;
  if (event.reason) data.reason = event.reason;
  if (event.findings) data.findings = event.findings;
  if (event.action) data.action = event.action;
  if (event.drift) data.drift = event.drift;
  if (event.waitedHours !== undefined) data.waitedHours = Math.floor(event.waitedHours);
  if (event.newHeadSha) data.newHeadSha = event.newHeadSha;
  return data;
}
