// Governance tables: the action outbox, the hash-chained audit log and the
// check-run id cache the check-run dispatcher uses to update instead of create.
import type { Generated } from 'kysely';

export interface ActionsTable {
  id: Generated<number>;
  installation_id: number;
  kind: string;
  /** The logical effect ("this check on this sha"); with `revision` unique. */
  idempotency_key: string;
  /** 1, 2, 3… one per distinct payload proposed for the key. */
  revision: number;
  /** sha256 of the canonical JSON of the payload: equal hash = same update. */
  payload_hash: string;
  repo: string;
  pr_number: number | null;
  head_sha: string | null;
  payload: string; // JSON
  /** proposed | approved | denied | dispatching | dispatched | failed | superseded */
  status: string;
  attempts: number;
  next_attempt_at: string | null; // ISO time; due when <= now
  lease_owner: string | null;
  lease_expires_at: string | null; // ISO time
  last_error: string | null;
  /** Why it was denied or failed, for people. */
  reason: string | null;
  result: string | null; // JSON: check run id, PR number, message ts…
  pack_id: string | null;
  pack_version_hash: string | null;
  origin: string | null; // JSON PackOrigin
  await_chain: string | null;
  superseded_by: number | null;
  created_at: string;
  updated_at: string;
  dispatched_at: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  installation_id: number | null;
  actor: string;
  type: string;
  repo: string | null;
  subject: string; // canonical JSON
  details: string; // canonical JSON
  /** Hash of the previous row ('' for the first); unique, so the chain cannot fork. */
  prev_hash: string;
  /**
   * The row's hash, by `hash_version` (governance/audit.ts has the exact input):
   * 1 (rows before migration 005) sha256(prev_hash + canonical JSON of {at, installationId,
   * actor, type, subject, details}); 2 sha256 and 3 HMAC-SHA256 (PJ_AUDIT_KEY) of the
   * canonical JSON of every column, the version and prev_hash.
   */
  hash: string;
  /** 1 legacy, 2 plain, 3 keyed; never decreases along the chain. */
  hash_version: Generated<number>;
}

export interface CheckRunsTable {
  installation_id: number;
  repo: string;
  head_sha: string;
  name: string;
  check_run_id: number;
  updated_at: string;
}

export interface GovernanceTables {
  actions: ActionsTable;
  audit_events: AuditEventsTable;
  check_runs: CheckRunsTable;
}
