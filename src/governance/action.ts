// The action: every effect PuddleJumper has on the world, as data. Proposed, judged,
// recorded, dispatched at most once, retried, audited.
import type { OutputKind, Routing } from '../packs/schema.js';
import type { ActionRow } from '../store/actions.js';

export const ACTION_KINDS = [
  'check_run.upsert',
  'comment.upsert',
  'issue.upsert',
  'pull_request.upsert',
  'notify.slack',
  'notify.webhook',
  'notify.email',
  'notify.pagerduty',
  'review_request.sync',
  'confluence.page_update',
  'remediation_pr.comment',
] as const;
/** The built-in kinds; the registry accepts any other kind a dispatcher is registered for. */
export type ActionKind = (typeof ACTION_KINDS)[number] | (string & {});

export const ACTION_STATUSES = [
  'proposed',
  'approved',
  'denied',
  'dispatching',
  'dispatched',
  'failed',
  'superseded',
  /** An operator cancelled it before it went out (control plane). */
  'cancelled',
] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/** The pack an action comes from, as far as judgement needs it. */
export interface PackOrigin {
  packId: string;
  versionHash?: string;
  valid: boolean;
  testMode: boolean;
  /** A test-mode pack with `testMode.notify`: its notifications (marked "[test mode]") may go out. */
  testModeNotify?: boolean;
  /** Track B `allowedOutputs`; only enforced when given. */
  allowedOutputs?: string[];
  routing?: Routing;
}

export interface ActionSubject {
  repo: string;
  prNumber?: number;
  headSha?: string;
}

export interface ActionProposal {
  installationId: number;
  kind: ActionKind;
  /** Names the logical effect (e.g. one check on one sha); each distinct payload is a new revision of it. */
  idempotencyKey: string;
  subject: ActionSubject;
  payload: unknown;
  origin?: PackOrigin;
  /** Chain key: the action stays `proposed` until the chain gate approves it. */
  awaitChain?: string;
}

export interface ActionRecord {
  id: number;
  installationId: number;
  kind: ActionKind;
  idempotencyKey: string;
  revision: number;
  payloadHash: string;
  subject: ActionSubject;
  payload: unknown;
  status: ActionStatus;
  attempts: number;
  nextAttemptAt: string | null;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  lastError: string | null;
  /** Why it was denied or failed. */
  reason: string | null;
  result: Record<string, unknown> | null;
  packId: string | null;
  packVersionHash: string | null;
  origin: PackOrigin | null;
  awaitChain: string | null;
  supersededBy: number | null;
  createdAt: string;
  updatedAt: string;
  dispatchedAt: string | null;
}

/**
 * Which Track B output kind an action kind is, for `allowedOutputs`. An action whose origin
 * carries `allowedOutputs` (every Track B action) may only be one of these kinds, or one of
 * `ALWAYS_ALLOWED_FOR_TRACK_B`; anything else is denied.
 */
export const OUTPUT_KIND_OF: Readonly<Record<string, OutputKind>> = {
  'pull_request.upsert': 'remediation_pr',
  // A Confluence page update is that doc's remediation; the note on a closed remediation PR is part of it.
  'confluence.page_update': 'remediation_pr',
  'remediation_pr.comment': 'remediation_pr',
  'issue.upsert': 'digest_issue',
  'comment.upsert': 'comment',
  'notify.slack': 'slack',
  'notify.webhook': 'webhook',
};

/** Track B actions that are not outputs in the `allowedOutputs` sense: the drift check run (a preview on the PR). */
export const ALWAYS_ALLOWED_FOR_TRACK_B: ReadonlySet<string> = new Set(['check_run.upsert']);

/** The hidden marker by which the bot's comments, issues and PRs are found again. */
export function markerComment(marker: string): string {
  return marker.startsWith('<!--') ? marker : `<!-- puddlejumper:${marker} -->`;
}

/** An outbox row as the rest of the app sees it. */
export function toRecord(row: ActionRow): ActionRecord {
  const subject: ActionRecord['subject'] = { repo: row.repo };
  if (row.pr_number !== null) subject.prNumber = row.pr_number;
  if (row.head_sha !== null) subject.headSha = row.head_sha;
  return {
    id: row.id,
    installationId: row.installation_id,
    kind: row.kind,
    idempotencyKey: row.idempotency_key,
    revision: row.revision,
    payloadHash: row.payload_hash,
    subject,
    payload: JSON.parse(row.payload) as unknown,
    status: row.status as ActionStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    lastError: row.last_error,
    reason: row.reason,
    result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
    packId: row.pack_id,
    packVersionHash: row.pack_version_hash,
    origin: row.origin === null ? null : (JSON.parse(row.origin) as PackOrigin),
    awaitChain: row.await_chain,
    supersededBy: row.superseded_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    dispatchedAt: row.dispatched_at,
  };
}

