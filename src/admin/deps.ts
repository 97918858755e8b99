// What the control plane is given by the composition root (src/control-plane.ts): the
// store's read queries, and the operational use cases as functions — the admin edge never
// imports a use case itself.
import type { AdminSettings } from '../config.js';
import type { AdminQueries, Scope } from '../store/admin.js';
import type { AdminDriftQueries } from '../store/admin-drift.js';
import type { Fetch } from './oauth.js';

export interface DecideInput {
  chainId: number;
  stepId: string;
  kind: 'approve' | 'reject';
  login: string;
  reason?: string;
}

export type OperationResult = { ok: true; message: string } | { ok: false; reason: string };

export interface PackStatus {
  configSha?: string;
  packs: Array<{ id: string; file: string; name?: string; status?: string; versionHash?: string; valid: boolean; errors: string[]; repos: string }>;
  errors: string[];
}

export interface TestRunInput {
  installationId: number;
  pack: string;
  repo: string;
  ref?: string;
  last?: number;
  pr?: number;
}

export interface TestRunView {
  pack: { id: string; file: string; versionHash?: string; valid: boolean; status?: string; testMode?: boolean; errors: string[] };
  configSha?: string;
  prs: Array<{
    number: number;
    title?: string;
    state?: string;
    headSha: string;
    applies: boolean;
    findings: Array<{ ruleId: string; severity: string; message: string; file?: string; line?: number }>;
    highestSeverity?: string;
    wouldBlock: boolean;
    chain: Array<Array<{ tierId: string; name: string; users: string[]; teams: string[] }>>;
    mode?: string;
    /** Track B packs: what merging the PR would raise against the pack's doc. */
    drift?: {
      doc: string;
      items: Array<{ rule: string; message: string; subject: string; changeClass: string; severity: string; band: string; score: number; section: string; docLine?: number; patch?: string }>;
      error?: string;
    };
    error?: string;
  }>;
}

/** A test run kept for its result page, `expires` in epoch ms. */
export interface StoredTestRun {
  login: string;
  repo: string;
  view: TestRunView;
  expires: number;
}

/** Where test-run results wait for their page: the database, so any replica can show them. */
export interface TestRunResults {
  put(id: string, run: StoredTestRun, now: Date): Promise<void>;
  /** The run, unless it expired by `now`. */
  get(id: string, now: Date): Promise<StoredTestRun | undefined>;
}

export interface AuditVerification {
  ok: boolean;
  /** The last event id the chain holds up to (scoped: the viewer's own last event there). */
  upTo: number;
  /** Events checked (scoped: the viewer's own events among them). */
  count: number;
  brokenAt?: number;
  reason?: string;
  /** Told about the viewer's installations only (admin/verify-scope.ts). */
  scoped?: true;
}

export interface AdminLog {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export interface AdminDeps {
  settings: AdminSettings;
  queries: AdminQueries;
  /** Track B's windows, remediations and digest. */
  drift: AdminDriftQueries;
  now: () => Date;
  /** Approve or reject a step through the approval use case (same eligibility, compare-and-set, audit). */
  decide(installationId: number, input: DecideInput): Promise<OperationResult>;
  /** The outbox's operator transitions (compare-and-set, audited with `actor`). */
  retryAction(actionId: number, actor: string, installationId?: number): Promise<OperationResult>;
  cancelAction(actionId: number, actor: string, reason: string, installationId?: number): Promise<OperationResult>;
  /**
   * Walks the audit hash chain (on demand: it reads every row). A scoped viewer learns only
   * about their installations' rows (admin/verify-scope.ts); 'all' is the whole result.
   */
  verifyAudit(scope: Scope): Promise<AuditVerification>;
  /** The installation's packs at the config repo's head, read now. */
  packs(installationId: number, account: string): Promise<PackStatus>;
  /** A pack test run: reads GitHub, writes nothing. */
  testRun(input: TestRunInput, account: string): Promise<TestRunView>;
  /** Default: this process's memory (one replica only: src/control-plane.ts gives the database). */
  testRunResults?: TestRunResults;
  fetch?: Fetch;
  log?: AdminLog;
}
