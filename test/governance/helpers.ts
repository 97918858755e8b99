import { ActionStore } from '../../src/store/actions.js';
import { sqlCheckRunIds } from '../../src/store/check-runs.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProbotOctokit } from 'probot';
import type { Db } from '../../src/store/database.js';
import { openMemoryDatabase } from '../helpers/memory-db.js';
import { AuditLog } from '../../src/governance/audit.js';
import { ActionOutbox } from '../../src/governance/pipeline.js';
import { sqlAuditEvents } from '../../src/store/audit-events.js';
import { LocalPolicyProvider, type ChainGate } from '../../src/governance/policy-provider.js';
import { DispatcherRegistry } from '../../src/governance/registry.js';
import { createDefaultRegistry } from '../../src/governance/dispatchers/index.js';
import type { Octokit } from '../../src/github/octokit.js';
import type { RetryPolicy } from '../../src/governance/retry.js';

export const silentLog = { info: () => {}, warn: () => {}, error: () => {} };

export class Clock {
  t: number;
  constructor(iso = '2025-06-01T12:00:00.000Z') {
    this.t = Date.parse(iso);
  }
  now = (): Date => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
  /** A sleep that advances the fake clock instead of waiting. */
  sleep = async (ms: number): Promise<void> => {
    this.t += ms;
  };
}

export function testOctokit(): Octokit {
  return new ProbotOctokit({ auth: { token: 't' }, retry: { enabled: false }, throttle: { enabled: false } }) as Octokit;
}

export interface Harness {
  db: Db;
  clock: Clock;
  audit: AuditLog;
  registry: DispatcherRegistry;
  pipeline: ActionOutbox;
}

export async function harness(
  options: {
    db?: Db;
    env?: Record<string, string | undefined>;
    registry?: DispatcherRegistry;
    retry?: RetryPolicy;
    chains?: ChainGate;
    getOctokit?: (id: number) => Promise<Octokit>;
    clock?: Clock;
    workerId?: string;
    dispatchTimeoutMs?: number;
  } = {},
): Promise<Harness> {
  const db = options.db ?? (await openMemoryDatabase());
  const clock = options.clock ?? new Clock();
  const audit = new AuditLog(sqlAuditEvents(db), { now: clock.now });
  const retry = options.retry ?? { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000 };
  const registry =
    options.registry ??
    createDefaultRegistry({
      checkRunIds: sqlCheckRunIds(db),
      resultOf: (key) => new ActionStore(db).resultOf(key),
      getOctokit: options.getOctokit ?? (async () => testOctokit()),
      env: options.env ?? {},
      now: clock.now,
      retry: Object.fromEntries(
        ['check_run.upsert', 'comment.upsert', 'issue.upsert', 'pull_request.upsert', 'notify.slack', 'notify.webhook'].map((k) => [k, retry]),
      ),
    });
  const pipeline = new ActionOutbox({
    db,
    registry,
    policy: new LocalPolicyProvider(audit),
    now: clock.now,
    log: silentLog,
    random: () => 0.5,
    ...(options.chains ? { chains: options.chains } : {}),
    ...(options.workerId ? { workerId: options.workerId } : {}),
    ...(options.dispatchTimeoutMs !== undefined ? { dispatchTimeoutMs: options.dispatchTimeoutMs } : {}),
  });
  return { db, clock, audit, registry, pipeline };
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pj-gov-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const SHA = 'a'.repeat(40);

export function checkPayload(overrides: Record<string, unknown> = {}) {
  return {
    name: 'PuddleJumper / payments-api',
    headSha: SHA,
    status: 'completed',
    conclusion: 'failure',
    title: '2 breaking changes',
    summary: 'summary',
    annotations: [],
    ...overrides,
  };
}

export async function auditTypes(db: Db, actionId?: number): Promise<Array<{ type: string; details: Record<string, unknown> }>> {
  const rows = await db.selectFrom('audit_events').selectAll().orderBy('id').execute();
  return rows
    .map((r) => ({ type: r.type, subject: JSON.parse(r.subject) as { actionId?: number }, details: JSON.parse(r.details) as Record<string, unknown> }))
    .filter((r) => actionId === undefined || r.subject.actionId === actionId)
    .map(({ type, details }) => ({ type, details }));
}
