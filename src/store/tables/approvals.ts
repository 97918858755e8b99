// Approval chain tables (migrations/003_approvals.ts).
import type { Generated } from 'kysely';

export interface ApprovalChainsTable {
  id: Generated<number>;
  key: string;
  repo: string;
  pr_number: number;
  head_sha: string | null;
  last_head_sha: string;
  severity: string;
  status: 'pending' | 'approved' | 'rejected';
  pr_author: string;
  tiers: string; // JSON
  options: string; // JSON
  template_hash: string;
  version: Generated<number>;
  created_at: string;
  updated_at: string;
  superseded_at: string | null;
  superseded_reason: string | null;
  /** migrations/006: the base and the findings fingerprint the chain was approved for (null before). */
  bound_base: string | null;
  findings_fingerprint: string | null;
}

export interface ApprovalStepsTable {
  id: Generated<number>;
  chain_id: number;
  step_key: string;
  position: number;
  group_index: number;
  tier_id: string;
  tier_name: string;
  status: 'waiting' | 'active' | 'approved' | 'rejected' | 'skipped';
  activated_at: string | null;
  decided_by: string | null;
  decided_at: string | null;
  source_kind: 'review' | 'comment' | 'admin' | null;
  source_id: string | null;
  reason: string | null;
  version: Generated<number>;
}

export interface ApprovalTables {
  approval_chains: ApprovalChainsTable;
  approval_steps: ApprovalStepsTable;
}
