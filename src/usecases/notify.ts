// Notifications, wired: what happened (a chain moved, a contracts check blocks, a step waits
// too long, an action failed for good) -> the packs that govern it -> the planner
// (notify-plan.ts) -> the outbox, where idempotency keys make every effect happen once.
//
// A notification never holds up or changes a decision:
//   - during a delivery, events are only collected (`DeliveryNotifications`, a hook the
//     approval use cases call synchronously); they are planned and proposed when the
//     delivery's use case is done (`flush`), after its check runs were proposed, so the
//     delivery's dispatch sends the check runs first;
//   - planning errors are logged, never thrown into a decision;
//   - the escalation sweep and the outcome hooks run beside the outbox worker.
//
// Once per event: keys that name an event (`${eventId}:${channel}:${recipient}`) are proposed
// only if the outbox has never seen them, so planning an event again with a newer chain (a
// re-evaluation, a sweep after a push) never sends a second mail or webhook. Keys that name
// a state (the chain's Slack message, the PR's review requests) are proposed every time: an
// identical state is a no-op in the outbox, a new one is a new revision that updates in place.
import type { Chain, ChainEvent } from '../approvals/chain.js';
import type { ContractsEvaluation, PackEvaluation } from '../contracts/evaluate.js';
import { countTitle, decideGate } from '../contracts/gate.js';
import type { ActionRecord } from '../governance/action.js';
import type { Severity } from '../packs/schema.js';
import type { PackSet } from '../packs/types.js';
import type { FindingsSummary } from '../report/notifications.js';
import type { ChainRepository } from '../store/chains.js';
import type { EvaluationRepository } from '../store/evaluations.js';
import type { NotificationQueries } from '../store/notifications.js';
import {
  escalationEvents,
  planActionRecovered,
  planNotifications,
  type NotifyEvent,
  type NotifyPack,
  type NotifyProposal,
  type NotifySubject,
} from './notify-plan.js';
import type { Outbox } from './publish-checks.js';

export interface NotifyLog {
  warn(obj: unknown, msg?: string): void;
}

/** What notification wiring needs, and nothing else. */
export interface NotifyDeps {
  outbox: Pick<Outbox, 'propose'>;
  queries: NotificationQueries;
  chains: Pick<ChainRepository, 'byId' | 'latestByKey'>;
  evaluations: Pick<EvaluationRepository, 'load'>;
  /** The installation's valid packs by id, as planning reads them (the cached pack set of the config repo). */
  packs(installationId: number, repo: string): Promise<ReadonlyMap<string, NotifyPack>>;
  now: () => Date;
  /** GitHub's web URL (GitHub Enterprise); https://github.com by default. */
  serverUrl?: string;
  log: NotifyLog;
}

/** The hook the approval use cases call (approval-steps.ts reportEvents, ensure-chain.ts supersede). */
export interface ChainNotifications {
  /** The events of one chain transition, with the chain after it. Collects only; never throws. */
  chainEvents(chain: Chain, events: readonly ChainEvent[]): void;
  /** A chain was retired; `trigger.headSha`, when given, is the commit that replaced it. */
  superseded(chain: Chain, trigger: Record<string, unknown>): void;
}

/** Keys that name a state, not an event: proposed every time (see the header). */
function isStateKey(key: string): boolean {
  return key.startsWith('slack:') || key.startsWith('review_request:');
}

/** Notifications about notification failures are not themselves reported when they fail (no loop). */
function reportsFailures(key: string): boolean {
  return key.startsWith('action.failed:') || key.startsWith('action.recovered:');
}

/** The chain events as notification events: `group_activated` is one `step.activated` per step. */
export function notifyEventsOf(chain: Chain, events: readonly ChainEvent[]): NotifyEvent[] {
  const out: NotifyEvent[] = [];
  for (const e of events) {
    switch (e.type) {
      case 'group_activated':
        for (const stepId of e.stepIds) out.push({ name: 'step.activated', at: e.at, chain, stepId });
        break;
      case 'step_approved':
        out.push({ name: 'step.approved', at: e.at, chain, stepId: e.stepId, actor: e.actor });
        break;
      case 'step_rejected':
        out.push({ name: 'step.rejected', at: e.at, chain, stepId: e.stepId, actor: e.actor, ...(e.reason ? { reason: e.reason } : {}) });
        break;
      case 'step_retracted':
        out.push({ name: 'step.retracted', at: e.at, chain, stepId: e.stepId, actor: e.actor });
        break;
      case 'chain_approved':
        out.push({ name: 'chain.completed', at: e.at, chain });
        break;
      // chain_started: its first group's activation follows; chain_rejected: told by step.rejected.
    }
  }
  return out;
}

const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** The findings summary of the packs that block (or, in test mode, would block). */
export function findingsSummary(packs: readonly PackEvaluation[]): FindingsSummary {
  const findings = packs.flatMap((p) => p.findings);
  const bySeverity: Partial<Record<Severity, number>> = {};
  for (const s of SEVERITIES) {
    const n = findings.filter((f) => f.severity === s).length;
    if (n > 0) bySeverity[s] = n;
  }
  return { title: countTitle(findings) || `${findings.length} findings`, total: findings.length, bySeverity };
}

/** Plans and proposes, for one installation's work (a delivery, a sweep, an outcome). */
class Planner {
  private readonly packSets = new Map<number, Promise<ReadonlyMap<string, NotifyPack>>>();

  constructor(readonly deps: NotifyDeps) {}

  packsOf(installationId: number, repo: string): Promise<ReadonlyMap<string, NotifyPack>> {
    let p = this.packSets.get(installationId);
    if (p === undefined) {
      p = this.deps.packs(installationId, repo);
      this.packSets.set(installationId, p);
      p.catch(() => this.packSets.delete(installationId));
    }
    return p;
  }

  /** The packs that govern a PR head: those its stored evaluation ran, and those the chain's tiers come from. */
  async governing(installationId: number, repo: string, headSha: string | undefined, chain?: Chain, prNumber?: number): Promise<NotifyPack[]> {
    const ids = new Set<string>();
    if (chain) for (const tier of Object.values(chain.tiers)) for (const id of tier.packIds) ids.add(id);
    const pr = prNumber ?? chain?.prNumber;
    if (headSha !== undefined && pr !== undefined) {
      const stored = await this.deps.evaluations.load(repo, pr, headSha);
      for (const p of stored?.evaluation.packs ?? []) ids.add(p.packId);
    }
    if (ids.size === 0) return [];
    const byId = await this.packsOf(installationId, repo);
    return [...ids].flatMap((id) => {
      const pack = byId.get(id);
      return pack ? [pack] : [];
    });
  }

  subject(repo: string, prNumber: number | undefined, headSha: string | undefined): NotifySubject {
    return {
      repo,
      ...(prNumber !== undefined ? { prNumber } : {}),
      ...(headSha !== undefined ? { headSha } : {}),
      ...(this.deps.serverUrl ? { serverUrl: this.deps.serverUrl } : {}),
    };
  }

  /** A chain's head: its own, or (per-PR chain) the head it was last evaluated on. */
  async headOf(chain: Chain): Promise<string | undefined> {
    if (chain.headSha !== null) return chain.headSha;
    return (await this.deps.chains.latestByKey(chain.key))?.lastHeadSha;
  }

  /** The proposals that name an event the outbox has not seen, and every state proposal. */
  async unsent(proposals: readonly NotifyProposal[]): Promise<NotifyProposal[]> {
    const out: NotifyProposal[] = [];
    for (const p of proposals) if (isStateKey(p.idempotencyKey) || !(await this.deps.queries.proposed(p.idempotencyKey))) out.push(p);
    return out;
  }

  async proposeAll(proposals: readonly NotifyProposal[]): Promise<number> {
    let n = 0;
    for (const p of proposals) {
      if (!isStateKey(p.idempotencyKey) && (await this.deps.queries.proposed(p.idempotencyKey))) continue;
      await this.deps.outbox.propose(p);
      n++;
    }
    return n;
  }

  async plan(installationId: number, subject: NotifySubject, event: NotifyEvent, packs: NotifyPack[]): Promise<number> {
    if (packs.length === 0) return 0;
    return this.proposeAll(planNotifications({ installationId, subject, event, packs }));
  }

  async chainEvents(installationId: number, chain: Chain, events: readonly NotifyEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const headSha = await this.headOf(chain);
    const packs = await this.governing(installationId, chain.repo, headSha, chain);
    const subject = this.subject(chain.repo, chain.prNumber, headSha);
    let n = 0;
    for (const event of events) n += await this.plan(installationId, subject, event, packs);
    return n;
  }
}

type Pending =
  | { kind: 'chain'; chain: Chain; events: ChainEvent[] }
  | { kind: 'superseded'; chain: Chain; at: string; newHeadSha?: string }
  | { kind: 'evaluated'; repo: string; prNumber: number; headSha: string; chainKey?: string };

/**
 * The notifications of one delivery: collected while its use case runs (the approval use
 * cases call `chainEvents` / `superseded`, the route calls `evaluated`), planned and
 * proposed by `flush` once the use case is done, in the order they happened (a chain's
 * `chain.superseded` before the events of the chain that replaced it).
 */
export class DeliveryNotifications implements ChainNotifications {
  private pending: Pending[] = [];

  constructor(
    private readonly deps: NotifyDeps,
    private readonly installationId: number,
  ) {}

  chainEvents(chain: Chain, events: readonly ChainEvent[]): void {
    if (events.length > 0) this.pending.push({ kind: 'chain', chain, events: [...events] });
  }

  superseded(chain: Chain, trigger: Record<string, unknown>): void {
    const head = typeof trigger.headSha === 'string' && trigger.headSha !== chain.headSha ? trigger.headSha : undefined;
    this.pending.push({ kind: 'superseded', chain, at: this.deps.now().toISOString(), ...(head ? { newHeadSha: head } : {}) });
  }

  /** A PR head was evaluated (its evaluation is stored): `contracts.blocked` if its contracts check blocks. */
  evaluated(pr: { repo: string; number: number; headSha: string }, chain: Chain | undefined): void {
    this.pending.push({ kind: 'evaluated', repo: pr.repo, prNumber: pr.number, headSha: pr.headSha, ...(chain ? { chainKey: chain.key } : {}) });
  }

  /** Plans and proposes what was collected; returns how many proposals were made. Never throws. */
  async flush(): Promise<number> {
    const items = this.pending.splice(0);
    if (items.length === 0) return 0;
    const planner = new Planner(this.deps);
    // Chains started by this delivery: their contracts.blocked is news; a re-evaluation's is not.
    const started = new Set(items.flatMap((i) => (i.kind === 'chain' ? i.events.flatMap((e) => (e.type === 'chain_started' ? [e.chainKey] : [])) : [])));
    let n = 0;
    for (const item of items) {
      try {
        n += await this.flushOne(planner, item, started);
      } catch (error) {
        this.deps.log.warn({ err: error, installationId: this.installationId, item: item.kind }, 'notifications could not be planned');
      }
    }
    return n;
  }

  private async flushOne(planner: Planner, item: Pending, started: ReadonlySet<string>): Promise<number> {
    switch (item.kind) {
      case 'chain':
        return planner.chainEvents(this.installationId, item.chain, notifyEventsOf(item.chain, item.events));
      case 'superseded':
        return planner.chainEvents(this.installationId, item.chain, [
          { name: 'chain.superseded', at: item.at, chain: item.chain, ...(item.newHeadSha ? { newHeadSha: item.newHeadSha } : {}) },
        ]);
      case 'evaluated':
        return this.blocked(planner, item, started);
    }
  }

  private async blocked(planner: Planner, item: Extract<Pending, { kind: 'evaluated' }>, started: ReadonlySet<string>): Promise<number> {
    const stored = await this.deps.evaluations.load(item.repo, item.prNumber, item.headSha);
    if (stored === undefined) return 0;
    const chain = item.chainKey !== undefined ? (await this.deps.chains.latestByKey(item.chainKey))?.chain : undefined;
    // The chain's own notifications already told everyone about an earlier head of a per-PR chain.
    if (chain !== undefined && !started.has(chain.key)) return 0;
    const blocking = blockingPacks(stored.evaluation, stored.mode, chain);
    if (blocking.length === 0) return 0;
    const byId = await planner.packsOf(this.installationId, item.repo);
    const packs = blocking.flatMap((p) => {
      const pack = byId.get(p.packId);
      return pack ? [pack] : [];
    });
    const event: NotifyEvent = {
      name: 'contracts.blocked',
      at: this.deps.now().toISOString(),
      ...(chain ? { chain } : {}),
      findings: findingsSummary(blocking),
      packIds: blocking.map((p) => p.packId),
    };
    return planner.plan(this.installationId, planner.subject(item.repo, item.prNumber, item.headSha), event, packs);
  }
}

/**
 * The packs whose findings make the contracts check block: those that block in block mode
 * while the check fails, and the test-mode packs that would have (they notify only with
 * `testMode.notify`, marked "[test mode]").
 */
export function blockingPacks(evaluation: ContractsEvaluation, mode: Parameters<typeof decideGate>[1]['mode'], chain: Chain | undefined): PackEvaluation[] {
  const fails = decideGate(evaluation, { mode }, chain).contracts.conclusion === 'failure';
  return evaluation.packs.filter((p) => (p.testMode ? p.wouldBlock : fails && p.blocks));
}

// ---- Escalation ----

export interface SweepResult {
  chains: number;
  proposed: number;
}

export interface SweepDeps extends NotifyDeps {
  /**
   * Whether the PR is still open (one GitHub read). Asked only when an escalation would be
   * sent, so a closed PR whose chain was never decided is not paged about every day.
   * (The composition root remembers closed PRs, so they are not read again.)
   */
  isOpen(installationId: number, repo: string, prNumber: number): Promise<boolean>;
}

/**
 * One escalation sweep: every pending chain with an active step is checked against its
 * tiers' `escalateAfterHours`; a step that waited too long is escalated once per day (the
 * event id carries the day, so sweeping again the same day proposes nothing new).
 */
export async function sweepEscalations(deps: SweepDeps, now: Date, limit = 1000): Promise<SweepResult> {
  const planner = new Planner(deps);
  const result: SweepResult = { chains: 0, proposed: 0 };
  for (const { chainId, installationId } of await deps.queries.waitingChains(now.toISOString(), limit)) {
    try {
      const stored = await deps.chains.byId(chainId);
      if (stored === undefined || stored.supersededAt !== null) continue;
      const chain = stored.chain;
      const headSha = chain.headSha ?? stored.lastHeadSha;
      const packs = await planner.governing(installationId, chain.repo, headSha, chain);
      result.chains++;
      const subject = planner.subject(chain.repo, chain.prNumber, headSha);
      const proposals = escalationEvents(chain, now, packs).flatMap((event) => planNotifications({ installationId, subject, event, packs }));
      const fresh = await planner.unsent(proposals);
      if (fresh.length === 0) continue;
      if (!(await deps.isOpen(installationId, chain.repo, chain.prNumber))) continue;
      result.proposed += await planner.proposeAll(fresh);
    } catch (error) {
      deps.log.warn({ err: error, chainId, installationId }, 'escalation sweep: chain skipped');
    }
  }
  return result;
}

// ---- Outcomes of actions (the outbox's hooks) ----

/** The packs an action answers to: its own pack, else the packs governing its PR head. */
async function packsOfAction(planner: Planner, action: ActionRecord): Promise<NotifyPack[]> {
  const { repo, headSha } = action.subject;
  if (action.packId !== null) {
    const pack = (await planner.packsOf(action.installationId, repo)).get(action.packId);
    if (pack) return [pack];
    const o = action.origin;
    if (o?.routing) {
      // The pack is gone from the config repo: its routing as the action recorded it.
      return [{ id: o.packId, routing: o.routing, testMode: { enabled: o.testMode, notify: o.testModeNotify === true }, approvalTiers: {} }];
    }
    return [];
  }
  return planner.governing(action.installationId, repo, headSha, undefined, action.subject.prNumber);
}

/** `action.failed`: an action failed for good. Failures of such notifications are not reported again. */
export async function notifyActionFailed(deps: NotifyDeps, action: ActionRecord): Promise<number> {
  if (reportsFailures(action.idempotencyKey)) return 0;
  const planner = new Planner(deps);
  const packs = await packsOfAction(planner, action);
  const event: NotifyEvent = {
    name: 'action.failed',
    at: action.updatedAt,
    action: { id: action.id, kind: action.kind, idempotencyKey: action.idempotencyKey, attempts: action.attempts, error: action.lastError ?? action.reason ?? 'unknown error' },
  };
  return planner.plan(action.installationId, planner.subject(action.subject.repo, action.subject.prNumber, action.subject.headSha), event, packs);
}

/** A later revision of a failed action went out: the incident its failure opened is resolved. */
export async function notifyActionRecovered(deps: NotifyDeps, action: ActionRecord): Promise<number> {
  if (action.revision <= 1 || reportsFailures(action.idempotencyKey)) return 0;
  const failed = await deps.queries.failedBefore(action.idempotencyKey, action.revision);
  if (failed === undefined) return 0;
  const planner = new Planner(deps);
  const packs = await packsOfAction(planner, action);
  if (packs.length === 0) return 0;
  const subject = planner.subject(action.subject.repo, action.subject.prNumber, action.subject.headSha);
  return planner.proposeAll(planActionRecovered({ installationId: action.installationId, subject, action: failed, packs }));
}

/**
 * Track B's outcomes, told once the outbox has written them (its `dispatched` hook): a
 * remediation PR opened (`drift.remediation_opened`) or updated in place, stopped or closed
 * (`drift.remediation_updated`), the digest issue written (`drift.digest_changed`). To the
 * drift pack's routing; the PR and issue numbers are GitHub's, from the action's result.
 */
export async function notifyDriftDispatched(deps: NotifyDeps, action: ActionRecord): Promise<number> {
  const event = driftEventOf(action);
  if (event === undefined || action.packId === null) return 0;
  const planner = new Planner(deps);
  const packs = await packsOfAction(planner, action);
  const prNumber = event.drift?.prNumber ?? event.drift?.issueNumber;
  return planner.plan(action.installationId, planner.subject(action.subject.repo, prNumber, undefined), event, packs);
}

function driftEventOf(action: ActionRecord): NotifyEvent | undefined {
  const r = action.result ?? {};
  const p = (action.payload ?? {}) as { repo?: string; files?: Array<{ path?: string }>; title?: string };
  const repo = p.repo ?? action.subject.repo;
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
  if (action.kind === 'pull_request.upsert') {
    const prNumber = num(r.prNumber);
    if (prNumber === undefined || r.stopped === true) return undefined;
    const items = /fix (\d+) drift item/.exec(p.title ?? '')?.[1];
    const name = r.created === true ? 'drift.remediation_opened' : 'drift.remediation_updated';
    return {
      name,
      // One event per revision of the action that wrote the PR (two updates in one second are two events).
      ...(name === 'drift.remediation_updated' ? { id: `${name}:${repo}#${prNumber}:${action.id}.${action.revision}` } : {}),
      at: action.updatedAt,
      drift: { docRepo: repo, ...(p.files?.[0]?.path ? { docPath: p.files[0].path } : {}), prNumber, ...(items ? { items: Number(items) } : {}) },
    };
  }
  if (action.kind === 'issue.upsert' && action.idempotencyKey.startsWith('drift-digest:')) {
    const issueNumber = num(r.issueNumber);
    return { name: 'drift.digest_changed', id: `drift.digest_changed:${repo}#${issueNumber ?? '-'}:${action.id}.${action.revision}`, at: action.updatedAt, drift: { docRepo: repo, ...(issueNumber !== undefined ? { issueNumber } : {}) } };
  }
  return undefined;
}

/** The valid packs of a pack set, by id, as notification planning reads them. */
export function notifyPacksOf(set: PackSet): ReadonlyMap<string, NotifyPack> {
  const out = new Map<string, NotifyPack>();
  for (const p of set.packs) {
    if (!p.valid) continue;
    out.set(p.pack.id, { id: p.pack.id, versionHash: p.versionHash, routing: p.pack.routing, testMode: p.pack.testMode, approvalTiers: p.pack.approvalTiers });
  }
  return out;
}
