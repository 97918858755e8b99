// The action outbox (the governance pipeline): propose → record → judge → (wait for a chain) → approve or
// deny → claim with a lease → dispatch → dispatched, or retry, or failed. Every
// transition is a compare-and-set on the outbox row and leaves an audit event, written in
// the transition's own transaction (store/actions.ts): one is never kept without the other.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Updateable } from 'kysely';
import type { Db } from '../store/database.js';
import type { ActionsTable } from '../store/tables/governance.js';
import type { ActionProposal, ActionRecord, ActionStatus } from './action.js';
import type { AuditEventInput, AuditSubject } from './audit.js';
import type { AuditEventStore } from '../store/audit-events.js';
import { isUniqueViolation } from './audit.js';
import { canonicalJson, sha256Hex } from '../canonical.js';
import { judge } from './judge.js';
import { actionFailures, actionTransitions, dispatchAttempts, dispatchDuration, dispatchRetries } from './metrics.js';
import { actorName, neverApproved, type Actor, type ChainGate, type PolicyProvider } from './policy-provider.js';
import type { DispatcherRegistry } from './registry.js';
import { backoffDelayMs, classifyError, type RetryPolicy } from './retry.js';
import { ActionStore, type ActionRow } from '../store/actions.js';
import { toRecord } from './action.js';

/** Which actions a dispatch run may claim: one installation's (a webhook's), or all (the worker). */
export interface DispatchScope {
  installationId?: number;
}

export interface PipelineLog {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface ActionOutboxOptions {
  db: Db;
  registry: DispatcherRegistry;
  policy: PolicyProvider;
  now?: () => Date;
  log: PipelineLog;
  /** Approval chains; default: never approved. */
  chains?: ChainGate;
  /** How long a claim is exclusive; a worker that dies mid-call is resumed after it. Default 5 min. */
  leaseMs?: number;
  /** A dispatch attempt that takes longer is abandoned and retried. Default 60 s (must be < leaseMs). */
  dispatchTimeoutMs?: number;
  /** Identifies this process's claims. */
  workerId?: string;
  random?: () => number;
  /**
   * Told about outcomes, after they are recorded (the composition root sets it: notifications
   * of permanent failures and of recoveries). A hook's error is logged; it never changes the outcome.
   */
  hooks?: OutcomeHooks;
}

export interface OutcomeHooks {
  /** An action failed for good (retries exhausted, a permanent error, or no dispatcher). */
  failed?(action: ActionRecord): Promise<void>;
  /** An action went out. */
  dispatched?(action: ActionRecord): Promise<void>;
}

/**
 * Statuses in which an identical payload for the same key is already handled: re-proposing
 * it is a no-op. `proposed` and `denied` are not here: a proposed row may have been left
 * half-judged by a crash, and a denial (e.g. missing credentials) may no longer hold, so
 * both are judged again when re-proposed.
 */
const SETTLED_OR_PENDING: ReadonlySet<string> = new Set(['approved', 'dispatching', 'dispatched']);

/** A proposed row without a chain this old was left half-judged (its proposer died); the worker judges it. */
const STUCK_PROPOSED_MS = 60_000;

function defaultActor(origin: { packId: string } | undefined | null): Actor {
  return origin ? { type: 'pack', packId: origin.packId } : { type: 'app' };
}

export class ActionOutbox {
  readonly store: ActionStore;
  readonly workerId: string;
  private readonly registry: DispatcherRegistry;
  private readonly policy: PolicyProvider;
  private readonly now: () => Date;
  private readonly log: PipelineLog;
  private readonly chains: ChainGate;
  private readonly leaseMs: number;
  private readonly dispatchTimeoutMs: number;
  private readonly random: () => number;
  private readonly hooks: OutcomeHooks;

  constructor(options: ActionOutboxOptions) {
    this.store = new ActionStore(options.db);
    this.registry = options.registry;
    this.policy = options.policy;
    this.now = options.now ?? (() => new Date());
    this.log = options.log;
    this.chains = options.chains ?? neverApproved;
    this.leaseMs = options.leaseMs ?? 5 * 60_000;
    this.dispatchTimeoutMs = Math.min(options.dispatchTimeoutMs ?? 60_000, this.leaseMs);
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.random = options.random ?? Math.random;
    this.hooks = options.hooks ?? {};
  }

  /** Runs an outcome hook; its failure is logged and changes nothing. */
  private async tell(hook: keyof OutcomeHooks, row: ActionRow | undefined): Promise<void> {
    const fn = this.hooks[hook];
    if (fn === undefined || row === undefined) return;
    try {
      await fn.call(this.hooks, toRecord(row));
    } catch (error) {
      this.log.error({ err: error, actionId: row.id }, `outcome hook ${hook} failed`);
    }
  }

  private iso(offsetMs = 0): string {
    return new Date(this.now().getTime() + offsetMs).toISOString();
  }

  private subject(row: ActionRow): AuditSubject {
    const s: AuditSubject = { repo: row.repo, actionId: row.id, idempotencyKey: row.idempotency_key, revision: row.revision, kind: row.kind };
    if (row.pr_number !== null) s.prNumber = row.pr_number;
    if (row.head_sha !== null) s.headSha = row.head_sha;
    return s;
  }

  private auditEvent(row: ActionRow, actor: string, type: string, details: Record<string, unknown>): AuditEventInput {
    return {
      at: this.iso(),
      installationId: row.installation_id,
      actor,
      type,
      subject: this.subject(row),
      details: { packId: row.pack_id, packVersionHash: row.pack_version_hash, ...details },
    };
  }

  private async audit(row: ActionRow, actor: string, type: string, details: Record<string, unknown>, within?: AuditEventStore): Promise<void> {
    await this.policy.writeAuditEvent(this.auditEvent(row, actor, type, details), within);
  }

  /**
   * CAS + audit (in the CAS's transaction: no replica can die between them) + metrics.
   * Returns the new row, or undefined when the race was lost (and nothing happened).
   */
  private async move(
    row: ActionRow,
    from: ActionStatus,
    to: ActionStatus,
    set: Omit<Updateable<ActionsTable>, 'id' | 'status'>,
    actor: string,
    details: Record<string, unknown> = {},
    leaseOwner?: string,
  ): Promise<ActionRow | undefined> {
    const moved = await this.store.transition(row.id, from, to, set, this.iso(), leaseOwner, (m, within) => this.audit(m, actor, `action.${to}`, { from, ...details }, within));
    if (moved === undefined) return undefined;
    actionTransitions.inc({ kind: row.kind, status: to });
    return moved;
  }

  /**
   * Records, judges and audits one proposal. Each distinct payload for a key is a new
   * revision (unique (idempotency_key, revision)); re-proposing the payload of the latest
   * revision is a no-op that returns it; a new revision supersedes older ones still waiting.
   */
  async propose(p: ActionProposal, actor: Actor = defaultActor(p.origin)): Promise<ActionRecord> {
    if (p.idempotencyKey.length === 0) throw new Error('an action needs an idempotency key');
    const payloadJson = canonicalJson(p.payload);
    const payloadHash = sha256Hex(`${p.kind}\n${payloadJson}`);
    const name = actorName(actor);
    let row: ActionRow | undefined;
    for (let attempt = 0; row === undefined; attempt++) {
      const latest = await this.store.latestForKey(p.idempotencyKey);
      if (latest !== undefined && latest.payload_hash === payloadHash) {
        if (SETTLED_OR_PENDING.has(latest.status)) return toRecord(latest);
        if (latest.status === 'proposed') {
          // Waiting for a chain that is not approved yet: the chain's release will judge it.
          if (latest.await_chain !== null && !(await this.chains.isApproved(latest.await_chain))) return toRecord(latest);
          // Otherwise its proposer died between recording and judging it: finish the job.
          return toRecord(await this.decide(latest, actor, p, 'proposed'));
        }
        if (latest.status === 'denied') return toRecord(await this.decide(latest, actor, p, 'denied'));
      }
      try {
        row = await this.store.insert(p, (latest?.revision ?? 0) + 1, payloadJson, payloadHash, this.iso(), (r, within) =>
          this.audit(r, name, 'action.proposed', { payloadHash, awaitChain: r.await_chain }, within),
        );
      } catch (error) {
        if (!isUniqueViolation(error) || attempt > 50) throw error;
        // A concurrent proposal took this revision: look again.
      }
    }
    actionTransitions.inc({ kind: row.kind, status: 'proposed' });
    return toRecord(await this.decide(row, actor, p, 'proposed', true));
  }

  /**
   * Supersedes older waiting revisions, checks authorisation and judges `row`, which is
   * `from` (proposed, or denied when a denial is reconsidered). Safe to repeat: every
   * step is a compare-and-set.
   */
  private async decide(row: ActionRow, actor: Actor, p: ActionProposal, from: 'proposed' | 'denied', first = false): Promise<ActionRow> {
    const name = actorName(actor);
    for (const older of await this.store.waitingBefore(row.idempotency_key, row.revision)) {
      await this.move(older, older.status as ActionStatus, 'superseded', { superseded_by: row.id, next_attempt_at: null }, name, {
        supersededBy: row.id,
        revision: row.revision,
      });
    }
    const auth = await this.policy.checkAuthorization(actor, p);
    if (!auth.allowed) {
      const reason = auth.reason ?? `${name} is not authorised to propose ${p.kind}`;
      const details: Record<string, unknown> = { reason, code: 'unauthorized' };
      if (from === 'denied') details.rejudged = true;
      const denied = await this.move(row, from, 'denied', { reason }, name, details);
      if (denied) actionFailures.inc({ kind: row.kind, reason: 'denied_unauthorized' });
      return denied ?? (await this.store.get(row.id)) ?? row;
    }
    return this.judgeRow(row, name, first, from);
  }

  /** The proposal a stored row was made from (for judging it again without its proposer). */
  private proposalOf(row: ActionRow): ActionProposal {
    const p: ActionProposal = {
      installationId: row.installation_id,
      kind: row.kind,
      idempotencyKey: row.idempotency_key,
      subject: { repo: row.repo },
      payload: JSON.parse(row.payload) as unknown,
    };
    if (row.pr_number !== null) p.subject.prNumber = row.pr_number;
    if (row.head_sha !== null) p.subject.headSha = row.head_sha;
    if (row.origin !== null) p.origin = JSON.parse(row.origin) as NonNullable<ActionProposal['origin']>;
    if (row.await_chain !== null) p.awaitChain = row.await_chain;
    return p;
  }

  /**
   * Judges proposed rows without a chain that were left half-judged for over a minute
   * (their proposer crashed or hit a busy database between recording and judging).
   * They are judged as their default proposer (the pack of their origin, else the app),
   * which is what every caller of propose uses.
   */
  async judgeStuck(limit = 20, scope: DispatchScope = {}): Promise<number> {
    let n = 0;
    for (const row of await this.store.stuckProposed(this.iso(-STUCK_PROPOSED_MS), limit, scope.installationId)) {
      const p = this.proposalOf(row);
      const judged = await this.decide(row, defaultActor(p.origin), p, 'proposed');
      if (judged.status !== 'proposed') n++;
    }
    return n;
  }

  private async judgeRow(row: ActionRow, actor: string, first: boolean, from: 'proposed' | 'denied' = 'proposed'): Promise<ActionRow> {
    const registration = this.registry.get(row.kind);
    const origin = row.origin === null ? undefined : (JSON.parse(row.origin) as ActionProposal['origin']);
    const chainApproved = row.await_chain === null ? true : await this.chains.isApproved(row.await_chain);
    const proposal: Parameters<typeof judge>[0]['proposal'] = { kind: row.kind, payload: JSON.parse(row.payload), origin };
    if (row.await_chain !== null) proposal.awaitChain = row.await_chain;
    const j = judge({ proposal, dispatcher: registration?.dispatcher, chainApproved });
    const again: Record<string, unknown> = from === 'denied' ? { rejudged: true } : {};
    let moved: ActionRow | undefined;
    if (j.decision === 'approve') {
      moved = await this.move(row, from, 'approved', { next_attempt_at: this.iso(), reason: null }, actor, again);
    } else if (j.decision === 'deny') {
      moved = await this.move(row, from, 'denied', { reason: j.reason }, actor, { reason: j.reason, code: j.code, ...again });
      if (moved) actionFailures.inc({ kind: row.kind, reason: `denied_${j.code}` });
    } else if (first) {
      await this.audit(row, actor, 'action.awaiting_chain', { chain: row.await_chain, reason: j.reason });
    }
    // A denied row whose chain is not approved stays denied (its chain may have been rejected).
    return moved ?? (await this.store.get(row.id)) ?? row;
  }

  /** Re-judges the actions waiting for a chain (call when the chain's state changed). */
  async release(chainKey: string): Promise<ActionRecord[]> {
    const out: ActionRecord[] = [];
    for (const row of await this.store.awaitingChain(chainKey)) {
      out.push(toRecord(await this.judgeRow(row, `chain:${chainKey}`, false)));
    }
    return out;
  }

  /** Denies the actions waiting for a chain that was rejected. */
  async rejectChain(chainKey: string, reason: string): Promise<number> {
    let n = 0;
    for (const row of await this.store.awaitingChain(chainKey)) {
      const moved = await this.move(row, 'proposed', 'denied', { reason }, `chain:${chainKey}`, { reason, code: 'chain_rejected' });
      if (moved) {
        actionFailures.inc({ kind: row.kind, reason: 'denied_chain_rejected' });
        n++;
      }
    }
    return n;
  }

  /**
   * Operator: send a failed action again now (control plane "retry now"). Compare-and-set
   * failed → approved with a fresh attempt budget, audited with who asked. Refused when the
   * action is not failed any more, or a newer revision of its effect already went out or
   * is on its way (retrying could only overwrite it).
   */
  async retryNow(id: number, actor: string, scope: DispatchScope = {}): Promise<{ ok: true; action: ActionRecord } | { ok: false; reason: string }> {
    const row = await this.store.get(id);
    if (row === undefined || (scope.installationId !== undefined && row.installation_id !== scope.installationId)) return { ok: false, reason: `no action ${id}` };
    if (row.status !== 'failed') return { ok: false, reason: `action ${id} is ${row.status}, not failed` };
    const newer = await this.store.latestForKey(row.idempotency_key);
    if (newer !== undefined && newer.revision > row.revision && ['approved', 'dispatching', 'dispatched'].includes(newer.status)) {
      return { ok: false, reason: `revision ${newer.revision} of the same effect is ${newer.status}; retrying revision ${row.revision} would overwrite it` };
    }
    const moved = await this.move(row, 'failed', 'approved', { attempts: 0, next_attempt_at: this.iso(), reason: null, lease_owner: null, lease_expires_at: null }, actor, {
      code: 'manual_retry',
      previousAttempts: row.attempts,
      previousError: row.last_error,
    });
    return moved ? { ok: true, action: toRecord(moved) } : { ok: false, reason: `action ${id} changed meanwhile; reload and try again` };
  }

  /**
   * Operator: cancel an action that has not gone out (proposed, waiting for its chain, or
   * approved and waiting for its turn). Compare-and-set to `cancelled`, audited; a claim
   * that won the race first makes this a refusal. A later proposal of the same effect is
   * a new revision and is judged as usual.
   */
  async cancel(id: number, actor: string, reason: string, scope: DispatchScope = {}): Promise<{ ok: true; action: ActionRecord } | { ok: false; reason: string }> {
    const row = await this.store.get(id);
    if (row === undefined || (scope.installationId !== undefined && row.installation_id !== scope.installationId)) return { ok: false, reason: `no action ${id}` };
    if (row.status !== 'proposed' && row.status !== 'approved') return { ok: false, reason: `action ${id} is ${row.status}; only a pending action (proposed or approved) can be cancelled` };
    const why = reason.trim() || `cancelled by ${actor}`;
    const moved = await this.move(row, row.status, 'cancelled', { reason: why, next_attempt_at: null }, actor, { code: 'cancelled', reason: why });
    return moved ? { ok: true, action: toRecord(moved) } : { ok: false, reason: `action ${id} changed meanwhile (it may be going out now); reload and look again` };
  }

  async get(id: number): Promise<ActionRecord | undefined> {
    const row = await this.store.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  /**
   * Claims up to `limit` due actions (approved and due, or dispatching with an expired
   * lease) and dispatches each one it wins. Returns how many it claimed.
   */
  async dispatchDue(limit = 20, scope: DispatchScope = {}): Promise<number> {
    // Proposed rows left half-judged by a dead proposer: judge them so they can go out.
    await this.judgeStuck(limit, scope);
    let claimed = 0;
    // Dispatching rows whose lease expired: their worker died mid-call. Resume them one by one.
    for (const candidate of await this.store.expired(this.iso(), limit, scope.installationId)) {
      const row = await this.claim(candidate);
      if (row === undefined) continue;
      claimed++;
      await this.dispatchClaimed(row);
    }
    if (claimed >= limit) return claimed;
    // Approved and due: claimed as a batch in one compare-and-set statement.
    const rows = await this.store.claimDue(this.workerId, this.iso(), this.iso(this.leaseMs), limit - claimed, scope.installationId, async (won, within) => {
      const events = won.map((row) => this.auditEvent(row, `worker:${this.workerId}`, 'action.dispatching', { from: 'approved', attempt: row.attempts, leaseExpiresAt: row.lease_expires_at }));
      if (this.policy.writeAuditEvents) await this.policy.writeAuditEvents(events, within);
      else for (const event of events) await this.policy.writeAuditEvent(event, within);
    });
    for (const row of rows) actionTransitions.inc({ kind: row.kind, status: 'dispatching' });
    // Installations go out side by side; one installation's actions one at a time, in the
    // order claimed. Its GitHub writes are paced (a slot a second), so a batch dispatched in
    // one line made every installation wait behind the slots of the others.
    await Promise.all([...byInstallation(rows).values()].map(async (group) => {
      for (const row of group) await this.dispatchClaimed(row);
    }));
    return claimed + rows.length;
  }

  /** One claim attempt (exposed for tests and the benchmark). The loser gets undefined. */
  async claim(candidate: ActionRow): Promise<ActionRow | undefined> {
    const actor = `worker:${this.workerId}`;
    const registration = this.registry.get(candidate.kind);
    const maxAttempts = registration?.retryPolicy.maxAttempts ?? 1;
    if (candidate.status === 'dispatching' && candidate.attempts >= maxAttempts) {
      // The last allowed attempt died mid-call: its outcome is unknown and no attempt is left.
      const reason = `lease of attempt ${candidate.attempts} (owner ${candidate.lease_owner}) expired and no attempt is left; outcome unknown`;
      const failed = await this.store.transition(
        candidate.id,
        'dispatching',
        'failed',
        { reason, last_error: reason, lease_owner: null, lease_expires_at: null },
        this.iso(),
        candidate.lease_owner ?? undefined,
        (f, within) => this.audit(f, actor, 'action.failed', { from: 'dispatching', reason, code: 'max_attempts' }, within),
      );
      if (failed) {
        actionTransitions.inc({ kind: failed.kind, status: 'failed' });
        actionFailures.inc({ kind: failed.kind, reason: 'max_attempts' });
        await this.tell('failed', failed);
      }
      return undefined;
    }
    const row = await this.store.claim(candidate, this.workerId, this.iso(), this.iso(this.leaseMs), (claimed, within) => {
      const details: Record<string, unknown> = { from: candidate.status, attempt: claimed.attempts, leaseExpiresAt: claimed.lease_expires_at };
      if (candidate.status === 'dispatching') details.resumedFromLease = candidate.lease_owner;
      return this.audit(claimed, actor, 'action.dispatching', details, within);
    });
    if (row === undefined) return undefined;
    actionTransitions.inc({ kind: row.kind, status: 'dispatching' });
    return row;
  }

  /** Dispatches a row this worker has claimed and records the outcome (CAS on the lease). */
  async dispatchClaimed(row: ActionRow): Promise<ActionRecord> {
    const actor = `worker:${this.workerId}`;
    const registration = this.registry.get(row.kind);
    const owner = this.workerId;
    if (registration === undefined) {
      const reason = `no dispatcher is registered for ${row.kind}`;
      const failed = await this.move(row, 'dispatching', 'failed', { reason, last_error: reason, lease_owner: null, lease_expires_at: null }, actor, { reason, code: 'unknown_kind' }, owner);
      if (failed) actionFailures.inc({ kind: row.kind, reason: 'unknown_kind' });
      await this.tell('failed', failed);
      return toRecord(failed ?? row);
    }
    const previousResult = async (): Promise<Record<string, unknown> | null> => {
      const previous = await this.store.latestDispatched(row.idempotency_key, row.revision);
      return previous?.result ? (JSON.parse(previous.result) as Record<string, unknown>) : null;
    };
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    // Aborted on timeout: the attempt's requests stop rather than run on beside its retry.
    const abort = new AbortController();
    let result: Record<string, unknown>;
    try {
      result = await Promise.race([
        registration.dispatcher.dispatch({
          action: toRecord(row),
          payload: JSON.parse(row.payload) as unknown,
          previousResult,
          signal: abort.signal,
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const timeout = Object.assign(new Error(`dispatch timed out after ${this.dispatchTimeoutMs} ms`), { name: 'TimeoutError' });
            abort.abort(timeout);
            reject(timeout);
          }, this.dispatchTimeoutMs);
          timer.unref?.();
        }),
      ]);
    } catch (error) {
      return this.settleFailure(row, registration.retryPolicy, error, (performance.now() - started) / 1000, actor, owner);
    } finally {
      if (timer) clearTimeout(timer);
    }
    // Outside the try: a failure to record the outcome (the database) is not a failed
    // dispatch to retry. The row stays dispatching under this lease, and after the lease
    // another worker resumes it, as after a crash.
    const seconds = (performance.now() - started) / 1000;
    const done = await this.move(
      row,
      'dispatching',
      'dispatched',
      { result: canonicalJson(result), dispatched_at: this.iso(), lease_owner: null, lease_expires_at: null, last_error: null, next_attempt_at: null },
      actor,
      { attempt: row.attempts, result },
      owner,
    );
    const outcome = done ? 'dispatched' : 'lost_lease';
    dispatchAttempts.inc({ kind: row.kind, outcome });
    dispatchDuration.observe({ kind: row.kind, outcome }, seconds);
    if (!done) this.log.warn({ actionId: row.id }, 'dispatch finished after the lease was taken over; result dropped');
    await this.tell('dispatched', done);
    return toRecord(done ?? (await this.store.get(row.id)) ?? row);
  }

  /** Records a failed dispatch attempt: superseded, paced, retried later or failed for good. */
  private async settleFailure(row: ActionRow, policy: RetryPolicy, error: unknown, seconds: number, actor: string, owner: string): Promise<ActionRecord> {
    const c = classifyError(error, this.now());
    const newer = await this.store.latestForKey(row.idempotency_key);
    if (c.retryable && newer !== undefined && newer.revision > row.revision) {
      // A newer revision of the same effect exists: retrying this one could only undo it.
      const superseded = await this.move(
        row,
        'dispatching',
        'superseded',
        { superseded_by: newer.id, next_attempt_at: null, last_error: c.message, lease_owner: null, lease_expires_at: null },
        actor,
        { attempt: row.attempts, error: c.message, code: c.code, supersededBy: newer.id },
        owner,
      );
      dispatchAttempts.inc({ kind: row.kind, outcome: 'superseded' });
      return toRecord(superseded ?? (await this.store.get(row.id)) ?? row);
    }
    if (c.code === 'paced') {
      // Waiting for a GitHub write slot sent nothing: not an attempt. Back in the outbox
      // until about when the installation's queued writes have gone out (with jitter).
      const delay = Math.round((c.retryAfterMs ?? 1000) * (1 + this.random() / 2));
      const later = await this.move(
        row,
        'dispatching',
        'approved',
        { attempts: Math.max(0, row.attempts - 1), next_attempt_at: this.iso(delay), last_error: c.message, lease_owner: null, lease_expires_at: null },
        actor,
        { attempt: row.attempts, error: c.message, code: c.code, retryInMs: delay, counted: false },
        owner,
      );
      dispatchAttempts.inc({ kind: row.kind, outcome: 'paced' });
      return toRecord(later ?? (await this.store.get(row.id)) ?? row);
    }
    if (c.retryable && row.attempts < policy.maxAttempts) {
      const delay = backoffDelayMs(policy, row.attempts, c.retryAfterMs, this.random);
      const retry = await this.move(
        row,
        'dispatching',
        'approved',
        { next_attempt_at: this.iso(delay), last_error: c.message, lease_owner: null, lease_expires_at: null },
        actor,
        { attempt: row.attempts, error: c.message, code: c.code, retryInMs: delay, retryAfterMs: c.retryAfterMs ?? null },
        owner,
      );
      dispatchAttempts.inc({ kind: row.kind, outcome: 'retry' });
      dispatchDuration.observe({ kind: row.kind, outcome: 'retry' }, seconds);
      if (retry) dispatchRetries.inc({ kind: row.kind });
      this.log.warn({ actionId: row.id, attempt: row.attempts, code: c.code, delay }, `dispatch failed, retrying: ${c.message}`);
      return toRecord(retry ?? (await this.store.get(row.id)) ?? row);
    }
    const reason = c.retryable ? `gave up after ${row.attempts} attempts: ${c.message}` : c.message;
    const code = c.retryable ? 'max_attempts' : c.code;
    const failed = await this.move(
      row,
      'dispatching',
      'failed',
      { reason, last_error: c.message, lease_owner: null, lease_expires_at: null, next_attempt_at: null },
      actor,
      { attempt: row.attempts, reason, code },
      owner,
    );
    dispatchAttempts.inc({ kind: row.kind, outcome: 'failed' });
    dispatchDuration.observe({ kind: row.kind, outcome: 'failed' }, seconds);
    if (failed) actionFailures.inc({ kind: row.kind, reason: code });
    this.log.error({ actionId: row.id, attempt: row.attempts, code }, `dispatch failed: ${reason}`);
    await this.tell('failed', failed);
    return toRecord(failed ?? (await this.store.get(row.id)) ?? row);
  }

  /**
   * Dispatches until nothing is due. With `sleep`, also waits for scheduled retries and
   * expired leases (tests pass a sleep that advances their fake clock).
   */
  async runUntilIdle(options: { sleep?: (ms: number) => Promise<void>; maxRounds?: number } = {}): Promise<number> {
    let total = 0;
    for (let round = 0; round < (options.maxRounds ?? 1000); round++) {
      const n = await this.dispatchDue();
      total += n;
      if (n > 0) continue;
      if (options.sleep === undefined) break;
      const wake = await this.store.nextWakeUp();
      if (wake === undefined) break;
      await options.sleep(Math.max(0, Date.parse(wake) - this.now().getTime()));
    }
    return total;
  }
}

/** Dispatches due actions periodically; resumes expired leases and scheduled retries at start. */
export class Worker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly pipeline: ActionOutbox,
    private readonly options: { intervalMs?: number; batch?: number; log?: PipelineLog } = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 1000);
    this.timer.unref?.();
    this.tick(); // at once: whatever a dead process left behind (expired leases, due retries)
  }

  private tick(): void {
    if (this.running) return;
    this.running = (async () => {
      try {
        while ((await this.pipeline.dispatchDue(this.options.batch ?? 20)) > 0 && this.timer !== undefined) {
          // keep draining while there is work
        }
      } catch (error) {
        this.options.log?.error({ err: error }, 'governance worker tick failed');
      } finally {
        this.running = undefined;
      }
    })();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

function byInstallation(rows: ActionRow[]): Map<number, ActionRow[]> {
  const groups = new Map<number, ActionRow[]>();
  for (const row of rows) {
    const group = groups.get(row.installation_id);
    if (group) group.push(row);
    else groups.set(row.installation_id, [row]);
  }
  return groups;
}
