import type { Generated } from 'kysely';

export interface InstallationsTable {
  id: number;
  account_login: string;
  account_type: string;
  status: 'active' | 'suspended' | 'deleted';
  repositories: string; // JSON array of full names
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  delivery_id: string;
  event: string;
  action: string | null;
  installation_id: number | null;
  status: 'processing' | 'done' | 'failed';
  error: string | null;
  received_at: string;
  finished_at: string | null;
  /** JSON of the webhook payload while the work is pending (007); null once finished. */
  payload: string | null;
  /** While `processing`: the work is someone's until then; past it, the worker resumes it (007). */
  lease_until: string | null;
  attempts: Generated<number>;
}

export interface PackVersionsTable {
  id: Generated<number>;
  installation_id: number;
  pack_id: string;
  version_hash: string;
  source_file: string;
  config_repo_sha: string;
  content: string;
  first_seen_at: string;
}

export interface FoundationTables {
  installations: InstallationsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  pack_versions: PackVersionsTable;
}

/** One row per (repo, pr_number, head_sha) since migrations/006. */
export interface ContractEvaluationsTable {
  installation_id: number;
  repo: string;
  head_sha: string;
  pr_number: number;
  /** The base it was evaluated against; null for rows from before migration 006. */
  base: string | null;
  evaluation: string;
  approvals_check: number;
  gate: string;
  evaluated_at: string;
}

/** The head each PR was last evaluated at, and whether it is open (migrations/006). */
export interface PullRequestHeadsTable {
  repo: string;
  pr_number: number;
  installation_id: number;
  head_sha: string;
  open: number;
  updated_at: string;
}

export interface EvaluationTables {
  contract_evaluations: ContractEvaluationsTable;
  pull_request_heads: PullRequestHeadsTable;
}
